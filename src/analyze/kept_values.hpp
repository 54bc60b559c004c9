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

/// The values one aggregator keeps (those seen again after their first
/// sighting, which is in a SightingTable), each with a dense id in order of
/// adding, its fingerprint and a copy of its text. The aggregator keeps its
/// own counts by id beside it.
class KeptValues {
 public:
  struct FingerprintOps {
    static uint64_t hash(const Fingerprint& fp) { return fp.lo; }
    static bool equal(const Fingerprint& a, const Fingerprint& b) { return a == b; }
  };
  using Ids = FlatMap<Fingerprint, uint32_t, FingerprintOps>;

  /// The hash find() and add() take for `fp`.
  static uint64_t hash_of(const Fingerprint& fp) { return Ids::hash_of(fp); }
  /// Starts loading the slot a lookup of a fingerprint with hash `h` reads.
  void prefetch_hash(uint64_t h) const { ids_.prefetch_hash(h); }

  /// The id of `fp` (whose hash_of() is `h`), or nullptr if not kept.
  const uint32_t* find(const Fingerprint& fp, uint64_t h) { return ids_.find(fp, h); }
  const uint32_t* find(const Fingerprint& fp) const { return ids_.find(fp); }

  /// Keeps `fp`, not kept yet, with a copy of `text`; returns its id (the
  /// number of values kept before).
  uint32_t add(const Fingerprint& fp, uint64_t h, std::string_view text) {
    const auto id = static_cast<uint32_t>(fps_.size());
    bool inserted = false;
    ids_.find_or_insert(fp, h, &inserted) = id;
    fps_.push_back(fp);
    texts_.push_back(arena_.store(text));
    return id;
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

}  // namespace heapdump
