// GroupBy's raw keys (before names are resolved) and its folded state,
// shared with GenerationGroups, which folds several keys in one hash map
// and hands each key's groups to a GroupBy after the read.
#pragma once

#include <cstdint>
#include <string_view>

#include "analyze/flat_map.hpp"
#include "analyze/group_acc.hpp"
#include "analyze/keyed_hash.hpp"
#include "analyze/string_pool.hpp"
#include "heapdump/byte_sum.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/record.hpp"

namespace heapdump::group_by_keys {

/// What a raw key's `a` holds for the class key, in its low 3 bits: the
/// allocation tracer; an IMEMO (b: its imemo_type); an object with a
/// "class" (b: the class address; a >> 3: its type, to name it "(TYPE)"
/// when the class is not in the dump); any other object (b: its type).
enum ClassTag : uint64_t { kClassAddress = 1, kImemo = 2, kTracer = 3, kNoClass = 4 };
inline constexpr uint64_t kTagMask = 7;

/// The location key: `a` is the file id + 1 (0: no file), with this bit
/// when there is a line; `b` is the line (any value, 2^64 - 1 too).
inline constexpr uint64_t kHasLine = uint64_t{1} << 63;

struct RawKey {
  uint64_t a = 0;
  uint64_t b = 0;
  bool operator==(const RawKey& o) const { return a == o.a && b == o.b; }
};
struct RawKeyOps {
  static uint64_t hash(const RawKey& k) { return hash_u64(k.a * 0x9E3779B97F4A7C15ull ^ mix64(k.b)); }
  static bool equal(const RawKey& x, const RawKey& y) { return x == y; }
};

/// A raw key and the object's generation (by_generation).
struct SplitKey {
  RawKey key;
  uint64_t generation = 0;
  bool has_generation = false;
};
struct SplitKeyOps {
  static uint64_t hash(const SplitKey& k) {
    return RawKeyOps::hash(k.key) ^ mix64(k.generation * 2 + (k.has_generation ? 1 : 0));
  }
  static bool equal(const SplitKey& x, const SplitKey& y) {
    return x.key == y.key && x.generation == y.generation && x.has_generation == y.has_generation;
  }
};

using Acc = GroupAcc;

/// Strings of raw keys, numbered in a pool, with the id interned last for
/// one field (file, type or method): neighbouring objects often share it,
/// and a compare costs less than a hash.
struct KeyStrings {
  StringPool* pool;
  uint32_t* last;
  uint32_t intern_main(std::string_view text) const {
    if (*last != UINT32_MAX && pool->get(*last) == text) return *last;
    return *last = pool->intern(text);
  }
};

/// The raw key of `key` for object `r`, its strings interned in `s`.
RawKey make_key(GroupKey key, const ObjectRecord& r, const KeyStrings& s);

/// `k` (of key `key`) with every string id it holds passed through
/// `remap` (id in another pool -> id here).
template <typename Remap>
RawKey remap_key(GroupKey key, RawKey k, Remap&& remap) {
  switch (key) {
    case GroupKey::kLocation:
      if (k.a != 0) k.a = (remap((k.a & ~kHasLine) - 1) + 1) | (k.a & kHasLine);
      break;
    case GroupKey::kFile:
    case GroupKey::kGem:
    case GroupKey::kMethod:
      if (k.a != 0) k.a = remap(k.a - 1) + 1;
      break;
    case GroupKey::kType:
      k.a = remap(k.a);
      break;
    case GroupKey::kClass:
      if ((k.a & kTagMask) == kClassAddress) {
        k.a = kClassAddress | (remap(k.a >> 3) << 3);
      } else if (k.a != kTracer) {
        k.b = remap(k.b);
      }
      break;
  }
  return k;
}

}  // namespace heapdump::group_by_keys

namespace heapdump {

struct GroupBy::State {
  StringPool strings;
  FlatMap<group_by_keys::RawKey, group_by_keys::Acc, group_by_keys::RawKeyOps> groups;
  /// by_generation: instead of groups
  FlatMap<group_by_keys::SplitKey, group_by_keys::Acc, group_by_keys::SplitKeyOps> split;
  uint64_t objects = 0;
  ByteSum bytes;
  uint32_t last = UINT32_MAX;  ///< see KeyStrings
};

}  // namespace heapdump
