// Interns strings copied out of short-lived record views.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "analyze/flat_map.hpp"

namespace heapdump {

/// Stores each distinct string once and numbers them 0, 1, 2, ... in order
/// of first insertion. Returned views stay valid for the pool's lifetime.
///
/// The table keeps each string's first 16 bytes in its slot, so a lookup
/// of a short string (most values and many names) touches one cache line
/// of the table and nothing else; longer ones also compare the rest with
/// the stored copy.
class StringPool {
 public:
  /// The id of `s`, inserting a copy if it is new.
  uint32_t intern(std::string_view s) { return intern(s, hash_for_test_ ? hash_for_test_(s) | 1 : hash(s)); }
  /// The same with `h` == hash(s) computed earlier (see prefetch()).
  uint32_t intern(std::string_view s, uint64_t h);
  std::string_view get(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

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
    char head[16] = {};  ///< the string's first (up to) 16 bytes
  };

  std::string_view store(std::string_view s);
  bool same(const Slot& slot, std::string_view s) const;
  void grow();

  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  std::vector<std::string_view> strings_;
  std::vector<Slot, HugePageAllocator<Slot>> slots_ = std::vector<Slot, HugePageAllocator<Slot>>(16);
  size_t mask_ = 15;
  uint64_t (*hash_for_test_)(std::string_view) = nullptr;
};

}  // namespace heapdump
