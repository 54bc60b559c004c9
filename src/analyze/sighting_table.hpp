// The first sighting of each string value, shared by parsing threads.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "analyze/keyed_hash.hpp"
#include "heapdump/value_sightings.hpp"

namespace heapdump {

/// `bytes` (a power of two, 8 KB or more) of zeros, mapped on their own
/// and given back to the system by unmap_table(): a table freed by malloc
/// would stay in its heap (which kept some 40 MB of the tables' earlier
/// sizes on the distinct-strings dump, bench/RESULTS.md). From 2 MB on the
/// mapping is 2 MB-aligned and asks for transparent huge pages: the slots
/// are read at random. *base and *length are what unmap_table() takes.
void* map_zeroed_table(size_t bytes, void** base, size_t* length);
void unmap_table(void* base, size_t length);

/// A hash map from fingerprints to the first sighting of each (`Payload`:
/// where it was seen, by which aggregator), in kShards independently locked
/// open-addressing tables (linear probing, load under 3/4), so that parsing
/// threads rarely wait for each other. Threads only ever insert; lookups
/// that do not insert (find()) are for after the read.
template <typename Payload>
class SightingTable {
 public:
  SightingTable() {
    for (Shard& shard : shards_) {
      shard.slots = static_cast<Slot*>(map_zeroed_table(kInitialSlots * sizeof(Slot), &shard.map_base, &shard.map_length));
      shard.mask = kInitialSlots - 1;
    }
  }
  ~SightingTable() {
    for (Shard& shard : shards_) unmap_table(shard.map_base, shard.map_length);
  }
  SightingTable(const SightingTable&) = delete;
  SightingTable& operator=(const SightingTable&) = delete;

  /// A new owner id, for one more aggregator of the family.
  uint32_t join() { return owners_.fetch_add(1, std::memory_order_relaxed); }

  /// True if `fp` was not seen before: then `p` is recorded as its first
  /// sighting. False if it was (by any owner); nothing changes.
  bool first_sighting(const Fingerprint& fp, const Payload& p) {
    Shard& shard = shards_[fp.hi >> 60];
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (is_zero(fp)) {
      if (shard.has_zero) return false;
      shard.has_zero = true;
      shard.zero = p;
      return true;
    }
    Slot* slots = shard.slots.load(std::memory_order_relaxed);
    size_t mask = shard.mask.load(std::memory_order_relaxed);
    size_t i = fp.lo & mask;
    for (;; i = (i + 1) & mask) {
      if (slots[i].fp == fp) return false;
      if (is_zero(slots[i].fp)) break;
    }
    if ((shard.size + 1) * 4 > (mask + 1) * 3) {  // keep the load under 3/4
      grow(&shard);
      slots = shard.slots.load(std::memory_order_relaxed);
      mask = shard.mask.load(std::memory_order_relaxed);
      i = fp.lo & mask;
      while (!is_zero(slots[i].fp)) i = (i + 1) & mask;
    }
    slots[i].fp = fp;
    slots[i].payload = p;
    ++shard.size;
    return true;
  }

  /// Starts loading the slot where a lookup of `fp` begins, without the
  /// lock: the table may grow meanwhile, and then this loads a slot of the
  /// old table (a prefetch of memory given back is harmless).
  void prefetch(const Fingerprint& fp) const {
    const Shard& shard = shards_[fp.hi >> 60];
    const Slot* slots = shard.slots.load(std::memory_order_relaxed);
    __builtin_prefetch(&slots[fp.lo & shard.mask.load(std::memory_order_relaxed)]);
  }

  /// The first sighting of `fp`, if there was one.
  bool find(const Fingerprint& fp, Payload* out) const {
    const Shard& shard = shards_[fp.hi >> 60];
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (is_zero(fp)) {
      if (shard.has_zero) *out = shard.zero;
      return shard.has_zero;
    }
    const Slot* slots = shard.slots.load(std::memory_order_relaxed);
    const size_t mask = shard.mask.load(std::memory_order_relaxed);
    for (size_t i = fp.lo & mask;; i = (i + 1) & mask) {
      if (slots[i].fp == fp) {
        *out = slots[i].payload;
        return true;
      }
      if (is_zero(slots[i].fp)) return false;
    }
  }

  /// Fingerprints recorded.
  size_t size() const {
    size_t n = 0;
    for (const Shard& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.mutex);
      n += shard.size + (shard.has_zero ? 1 : 0);
    }
    return n;
  }

 private:
  struct Slot {
    Fingerprint fp;  // {0, 0}: empty (the fingerprint {0, 0} is kept beside the slots)
    Payload payload;
  };
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    /// Written under the lock; also read without it by prefetch().
    std::atomic<Slot*> slots{nullptr};  ///< in the mapping at map_base
    std::atomic<size_t> mask{0};
    void* map_base = nullptr;
    size_t map_length = 0;
    size_t size = 0;
    bool has_zero = false;  ///< the fingerprint {0, 0} was seen (shard 0)
    Payload zero;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kInitialSlots = 256;
  static bool is_zero(const Fingerprint& fp) { return (fp.lo | fp.hi) == 0; }

  static void grow(Shard* shard) {
    const size_t old_size = shard->mask.load(std::memory_order_relaxed) + 1;
    const Slot* old = shard->slots.load(std::memory_order_relaxed);
    const size_t size = old_size * 2;
    void* base = nullptr;
    size_t length = 0;
    Slot* slots = static_cast<Slot*>(map_zeroed_table(size * sizeof(Slot), &base, &length));
    const size_t mask = size - 1;
    for (size_t k = 0; k < old_size; ++k) {
      const Slot& s = old[k];
      if (is_zero(s.fp)) continue;
      size_t i = s.fp.lo & mask;
      while (!is_zero(slots[i].fp)) i = (i + 1) & mask;
      slots[i] = s;
    }
    shard->slots.store(slots, std::memory_order_relaxed);
    shard->mask.store(mask, std::memory_order_relaxed);
    unmap_table(shard->map_base, shard->map_length);
    shard->map_base = base;
    shard->map_length = length;
  }

  std::array<Shard, kShards> shards_;
  std::atomic<uint32_t> owners_{0};
};

/// Where a value was first seen, for DrillDown: the byte offset of its
/// record and the location id it has in the DrillDown (`owner`) that saw
/// it. With the fingerprint, 32 bytes a slot.
struct Sighting {
  uint64_t first = 0;
  uint32_t location = 0;
  uint32_t owner = 0;
};
class ValueSightings final : public SightingTable<Sighting> {};

/// The same for StringReport, with the record's memsize: 40 bytes a slot.
struct StringSighting {
  uint64_t first = 0;
  uint64_t bytes = 0;
  uint32_t location = 0;
  uint32_t owner = 0;
};
class StringSightings final : public SightingTable<StringSighting> {};

}  // namespace heapdump
