// The first sighting of each string value, shared by parsing threads.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

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
/// Faults in the pages of [p, p + bytes) for writing, in one system call
/// where the kernel allows it (Linux 5.14 on; elsewhere they are faulted
/// in as they are first written). Filling a fresh table otherwise takes
/// two faults a page: reading a slot maps the shared zero page, writing
/// it copies that.
void populate_table(void* p, size_t bytes);
/// Moves the pages of the table at `from` (`bytes`, in the mapping at
/// `from_base`, `from_length`) to `to`, the start of a mapping of at least
/// as many bytes, and gives back what is left of the old mapping.
void move_table_pages(void* from, size_t bytes, void* to, void* from_base, size_t from_length, void* to_base,
                      size_t to_length);

/// A hash map from fingerprints to the first sighting of each (`Payload`:
/// where it was seen, by which aggregator), in kShards independently locked
/// open-addressing tables (linear probing, load under 3/4, doubled in
/// place), so that parsing threads rarely wait for each other. Threads only ever insert; lookups
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
    std::unique_lock<std::mutex> lock(shard.mutex);
    if (is_zero(fp)) {
      if (shard.has_zero) return false;
      shard.has_zero = true;
      shard.zero = p;
      return true;
    }
    for (;;) {
      Slot* slots = shard.slots.load(std::memory_order_relaxed);
      const size_t mask = shard.mask.load(std::memory_order_relaxed);
      size_t i = fp.lo & mask;
      for (;; i = (i + 1) & mask) {
        if (slots[i].fp == fp) return false;
        if (is_zero(slots[i].fp)) break;
      }
      if ((shard.size + 1) * 4 <= (mask + 1) * 3) {  // keep the load under 3/4
        slots[i].fp = fp;
        slots[i].payload = p;
        ++shard.size;
        return true;
      }
      // The shard doubles. Its new table is mapped and its fresh pages
      // faulted in without the lock: that takes longer than moving the
      // slots, and the other threads would wait for it. Then, unless
      // another thread grew the shard meanwhile, the slots move, under the
      // lock, and the lookup starts over (another thread may have added
      // `fp` meanwhile). The old table's pages themselves (not their
      // bytes) move into the first half of the new one, which is rehashed
      // in place: no copy of the old slots, no fresh pages for them.
      // Except into the first table of huge pages (2 MB): that one is
      // copied, so that it is in huge pages all through.
      const size_t old_bytes = (mask + 1) * sizeof(Slot);
      const bool in_place = old_bytes >= kHugeBytes || 2 * old_bytes < kHugeBytes;
      lock.unlock();
      void* base = nullptr;
      size_t length = 0;
      auto* fresh = static_cast<Slot*>(map_zeroed_table(2 * old_bytes, &base, &length));
      if (in_place) {
        populate_table(reinterpret_cast<char*>(fresh) + old_bytes, old_bytes);
      } else {
        populate_table(fresh, 2 * old_bytes);
      }
      lock.lock();
      if (shard.mask.load(std::memory_order_relaxed) != mask) {  // grown by another thread
        unmap_table(base, length);
      } else if (in_place) {
        move_table_pages(slots, old_bytes, fresh, shard.map_base, shard.map_length, base, length);
        rehash_doubled(fresh, 2 * (mask + 1));
        set_table(&shard, fresh, 2 * (mask + 1), base, length, false);
      } else {
        move_slots(slots, mask + 1, fresh, 2 * (mask + 1));
        set_table(&shard, fresh, 2 * (mask + 1), base, length, true);
      }
    }
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
    /// Written under the lock; also read without it by prefetch(), on
    /// every record: on a cache line of their own, away from the mutex and
    /// the size, which every lookup of another thread writes (sharing the
    /// line made each prefetch wait for the line to come back from that
    /// thread's core).
    alignas(64) std::atomic<Slot*> slots{nullptr};  ///< in the mapping at map_base
    std::atomic<size_t> mask{0};
    alignas(64) void* map_base = nullptr;
    size_t map_length = 0;
    size_t size = 0;
    bool has_zero = false;  ///< the fingerprint {0, 0} was seen (shard 0)
    Payload zero;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kInitialSlots = 256;
  static bool is_zero(const Fingerprint& fp) { return (fp.lo | fp.hi) == 0; }

  static constexpr size_t kHugeBytes = size_t{2} << 20;  // map_zeroed_table()'s huge pages from here

  /// Copies the `old_size` slots at `old` into `slots`, a table of `size`
  /// slots, zeros.
  static void move_slots(const Slot* old, size_t old_size, Slot* slots, size_t size) {
    const size_t mask = size - 1;
    for (size_t k = 0; k < old_size; ++k) {
      const Slot& s = old[k];
      if (is_zero(s.fp)) continue;
      size_t i = s.fp.lo & mask;
      while (!is_zero(slots[i].fp)) i = (i + 1) & mask;
      slots[i] = s;
    }
  }

  /// Rehashes in place a table of `size` slots whose first half holds a
  /// table of size / 2 (under 3/4 full) and whose second half is zeros.
  /// A slot's new place is its old home or that plus size / 2. The old
  /// slots are taken out and put back one by one, in order from just
  /// after an empty one: a slot put back in the first half then lands at
  /// or before the one just emptied, never beyond a slot still to be
  /// taken out, so every run of slots stays unbroken. Only a slot whose
  /// run would wrap from the end of the table to its start (over slots
  /// still to be taken out) waits, and goes back at the end.
  static void rehash_doubled(Slot* slots, size_t size) {
    const size_t old_mask = size / 2 - 1, mask = size - 1;
    size_t start = 0;
    while (!is_zero(slots[start].fp)) ++start;
    std::vector<Slot> wrapping;
    for (size_t n = 1; n <= old_mask; ++n) {
      Slot& at = slots[(start + n) & old_mask];
      if (is_zero(at.fp)) continue;
      const Slot s = at;
      at = Slot{};
      size_t i = s.fp.lo & mask;
      while (i < size && !is_zero(slots[i].fp)) ++i;
      if (i == size) {
        wrapping.push_back(s);
      } else {
        slots[i] = s;
      }
    }
    for (const Slot& s : wrapping) {
      size_t i = s.fp.lo & mask;
      while (!is_zero(slots[i].fp)) i = (i + 1) & mask;
      slots[i] = s;
    }
  }

  /// Makes `slots` (`size` slots, in the mapping at `base`) the table of
  /// `shard`, and gives back the old one's mapping (all of it if
  /// `unmap_old`; else the old table itself was moved away).
  static void set_table(Shard* shard, Slot* slots, size_t size, void* base, size_t length, bool unmap_old) {
    shard->slots.store(slots, std::memory_order_relaxed);
    shard->mask.store(size - 1, std::memory_order_relaxed);
    if (unmap_old) unmap_table(shard->map_base, shard->map_length);
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
