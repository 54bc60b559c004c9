// The string values an aggregator keeps, by fingerprint, with their text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "analyze/flat_map.hpp"
#include "analyze/keyed_hash.hpp"
#include "analyze/text_arena.hpp"

namespace heapdump {

/// No counts beside a kept value's id (KeptValues).
struct NoValueCounts {};

/// The values one aggregator keeps (those seen again after their first
/// sighting, which is in a SightingTable), each with a dense id in order of
/// adding, its fingerprint and a copy of its text. The aggregator keeps its
/// own counts by id beside it, or (`Counts`) in the table slot itself, so
/// that counting a value seen before reads one slot instead of two places.
template <typename Counts = NoValueCounts>
class BasicKeptValues {
 public:
  /// What the table holds for a value: its id, and its counts.
  struct Entry {
    /// First: its tail padding (of a type that is not trivial) may hold
    /// the id.
    [[no_unique_address]] Counts counts{};
    uint32_t id = 0;
  };
  struct FingerprintOps {
    static uint64_t hash(const Fingerprint& fp) { return fp.lo; }
    static bool equal(const Fingerprint& a, const Fingerprint& b) { return a == b; }
  };
  using Ids = FlatMap<Fingerprint, Entry, FingerprintOps>;

  /// The hash find() and add() take for `fp`.
  static uint64_t hash_of(const Fingerprint& fp) { return Ids::hash_of(fp); }
  /// Starts loading the slot a lookup of a fingerprint with hash `h` reads
  /// (the cache lines of two slots: a slot may straddle two, and the lookup
  /// may probe the next).
  void prefetch_hash(uint64_t h) const {
    if constexpr (sizeof(typename Ids::Slot) > 32) {
      ids_.prefetch_slots(h);
    } else {
      ids_.prefetch_hash(h);
    }
  }

  /// The id of `fp` (whose hash_of() is `h`), or nullptr if not kept.
  const uint32_t* find(const Fingerprint& fp, uint64_t h) {
    const Entry* e = ids_.find(fp, h);
    return e != nullptr ? &e->id : nullptr;
  }
  const uint32_t* find(const Fingerprint& fp) const {
    const Entry* e = ids_.find(fp);
    return e != nullptr ? &e->id : nullptr;
  }
  /// The entry of `fp`, or nullptr if not kept. Valid until the next add().
  Entry* find_entry(const Fingerprint& fp, uint64_t h) { return ids_.find(fp, h); }
  Entry* find_entry(const Fingerprint& fp) { return ids_.find(fp, hash_of(fp)); }
  const Entry* find_entry(const Fingerprint& fp) const { return ids_.find(fp); }

  /// Keeps `fp`, not kept yet, with a copy of `text`; returns its id (the
  /// number of values kept before).
  uint32_t add(const Fingerprint& fp, uint64_t h, std::string_view text) {
    return add_entry(fp, h, text).id;
  }
  /// The same, returning its entry (counts default), valid until the next add().
  Entry& add_entry(const Fingerprint& fp, uint64_t h, std::string_view text) {
    const auto id = static_cast<uint32_t>(fps_.size());
    bool inserted = false;
    Entry& e = ids_.find_or_insert(fp, h, &inserted);
    e.id = id;
    fps_.push_back(fp);
    texts_.push_back(arena_.store(text));
    return e;
  }

  /// Calls fn(entry) for every value, in no particular order.
  template <typename Fn>
  void for_each_entry(Fn&& fn) const {
    ids_.for_each([&](const Fingerprint&, const Entry& e) { fn(e); });
  }

  /// Makes room for `n` more values.
  void reserve_more(size_t n) {
    ids_.reserve(ids_.size() + n);
    fps_.reserve(fps_.size() + n);
    texts_.reserve(texts_.size() + n);
  }

  size_t size() const { return fps_.size(); }
  const Fingerprint& fp(uint32_t id) const { return fps_[id]; }
  /// The text of value `id`, valid as long as this KeptValues.
  std::string_view text(uint32_t id) const { return texts_[id]; }

 private:
  Ids ids_;
  std::vector<Fingerprint> fps_;         // by id
  std::vector<std::string_view> texts_;  // by id, into arena_
  TextArena arena_;
};

using KeptValues = BasicKeptValues<>;
static_assert(sizeof(KeptValues::Entry) == sizeof(uint32_t), "an id alone: slots stay 32 bytes");

}  // namespace heapdump
