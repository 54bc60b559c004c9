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

/// Where a value was first seen: the byte offset of its record, and the
/// location id it has in the aggregator (`owner`) that saw it.
struct Sighting {
  uint64_t first = 0;
  uint32_t location = 0;
  uint32_t owner = 0;
};

/// A hash set of fingerprints with each one's first sighting, in kShards
/// independently locked open-addressing tables (linear probing, load under
/// 3/4), so that parsing threads rarely wait for each other. 32 bytes a
/// slot. Threads only ever insert; lookups that do not insert (find()) are
/// for after the read.
class ValueSightings {
 public:
  ValueSightings();
  ~ValueSightings();
  ValueSightings(const ValueSightings&) = delete;
  ValueSightings& operator=(const ValueSightings&) = delete;

  /// A new owner id, for one more aggregator of the family.
  uint32_t join() { return owners_.fetch_add(1, std::memory_order_relaxed); }

  /// True if `fp` was not seen before: then `s` is recorded as its first
  /// sighting. False if it was (by any owner); nothing changes.
  bool first_sighting(const Fingerprint& fp, const Sighting& s);

  /// Starts loading the slot where a lookup of `fp` begins, without the
  /// lock: the table may grow meanwhile, and then this loads a slot of the
  /// old table (a prefetch of memory given back is harmless).
  void prefetch(const Fingerprint& fp) const {
    const Shard& shard = shards_[fp.hi >> 60];
    const Slot* slots = shard.slots.load(std::memory_order_relaxed);
    __builtin_prefetch(&slots[fp.lo & shard.mask.load(std::memory_order_relaxed)]);
  }

  /// The first sighting of `fp`, if there was one.
  bool find(const Fingerprint& fp, Sighting* out) const;

  /// Fingerprints recorded.
  size_t size() const;

 private:
  struct Slot {
    Fingerprint fp;  // {0, 0}: empty (the fingerprint {0, 0} is kept beside the slots)
    Sighting sighting;
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
    Sighting zero;
  };
  static constexpr size_t kShards = 16;
  static bool is_zero(const Fingerprint& fp) { return (fp.lo | fp.hi) == 0; }
  static void grow(Shard* shard);

  std::array<Shard, kShards> shards_;
  std::atomic<uint32_t> owners_{0};
};

}  // namespace heapdump
