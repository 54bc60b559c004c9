// Interns strings copied out of short-lived record views.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "analyze/flat_map.hpp"
#include "analyze/huge_page_allocator.hpp"
#include "analyze/text_arena.hpp"

namespace heapdump {

/// Whether the n bytes at a and b are the same, for sizeof(Word) <= n <=
/// 2 * sizeof(Word): the first and the last Word of each, overlapping.
template <typename Word>
inline bool same_ends(const char* a, const char* b, size_t n) {
  Word a0, a1, b0, b1;
  std::memcpy(&a0, a, sizeof(Word));
  std::memcpy(&b0, b, sizeof(Word));
  std::memcpy(&a1, a + n - sizeof(Word), sizeof(Word));
  std::memcpy(&b1, b + n - sizeof(Word), sizeof(Word));
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/// Whether the n <= 16 bytes at a and b are the same, with fixed-size loads
/// (a memcmp call costs more than the compare).
inline bool same_short(const char* a, const char* b, size_t n) {
  if (n >= 8) return same_ends<uint64_t>(a, b, n);
  if (n >= 4) return same_ends<uint32_t>(a, b, n);
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

/// Whether the n bytes at a and b are the same: inline 16-byte compares up
/// to a few hundred bytes (file paths, most values), memcmp beyond.
inline bool same_bytes(const char* a, const char* b, size_t n) {
  if (n <= 16) return same_short(a, b, n);
  if (n > 256) return std::memcmp(a, b, n) == 0;
  for (size_t i = 0; i + 16 < n; i += 16) {
    if (!same_ends<uint64_t>(a + i, b + i, 16)) return false;
  }
  return same_ends<uint64_t>(a + n - 16, b + n - 16, 16);  // the last 16, overlapping
}

/// Stores each distinct string once and numbers them 0, 1, 2, ... in order
/// of first insertion. Returned views stay valid for the pool's lifetime.
///
/// The table keeps a string of up to 16 bytes whole in its slot, so a
/// lookup of one (most values and many names) touches one cache line of the
/// table and nothing else; for a longer one the slot holds its first 8
/// bytes and a pointer to the stored copy, which is compared next.
class StringPool {
 public:
  /// The id of `s`, inserting a copy if it is new.
  uint32_t intern(std::string_view s) { return intern(s, hash_for_test_ ? hash_for_test_(s) | 1 : hash(s)); }
  /// The same with `h` == hash(s) computed earlier (see prefetch()).
  uint32_t intern(std::string_view s, uint64_t h);
  std::string_view get(uint32_t id) const { return strings_[id]; }
  /// hash(get(id)), kept from when it was interned (merges use it instead
  /// of hashing every string again).
  uint64_t hash_of(uint32_t id) const { return hashes_[id]; }
  size_t size() const { return strings_.size(); }
  /// Makes room for `n` strings in all, so that interning up to that many
  /// does not grow the table again.
  void reserve(size_t n);

  static uint64_t hash(std::string_view s) { return hash_bytes(s) | 1; }
  /// Starts loading the table slot where a lookup of a string with hash
  /// `h` begins, so that an intern() a little later finds it in cache.
  void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & mask_]); }

  /// Tests: hash with `fn` in intern(s), to make strings collide.
  void set_hash_for_test(uint64_t (*fn)(std::string_view)) { hash_for_test_ = fn; }

 private:
  struct Slot {
    uint64_t hash = 0;  ///< 0 = empty
    uint32_t id = 0;
    uint32_t size = 0;
    /// A string of up to 16 bytes: all of it. A longer one: where the
    /// pool's copy is, then its first 8 bytes, so a compare goes straight
    /// to the copy instead of through strings_ (two cache misses for one).
    char head[16] = {};
  };

  bool same(const Slot& slot, std::string_view s) const;
  void grow();

  TextArena texts_;  ///< the copies
  std::vector<std::string_view, HugePageAllocator<std::string_view>> strings_;
  std::vector<uint64_t, HugePageAllocator<uint64_t>> hashes_;  // by id
  std::vector<Slot, HugePageAllocator<Slot>> slots_ = std::vector<Slot, HugePageAllocator<Slot>>(16);
  size_t mask_ = 15;
  uint64_t (*hash_for_test_)(std::string_view) = nullptr;
};

}  // namespace heapdump
