// Per-node byte sums that cannot wrap, at 8 bytes a node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "heapdump/table.hpp"

namespace heapdump {

/// One 128-bit sum per node: the low 64 bits in an array, the high bits in
/// a side table holding only the nodes whose sum reached 2^64 (none in a
/// real dump; crafted memsizes can put many there, bounded by the input).
/// A sum of memsize over at most 2^32 nodes is below 2^96, so it fits.
class WideSizes {
 public:
  WideSizes() = default;
  explicit WideSizes(size_t n) : lo_(n, 0) {}

  size_t size() const { return lo_.size(); }
  uint128 operator[](size_t i) const {
    if (hi_.empty()) return lo_[i];
    const auto it = hi_.find(i);
    return it == hi_.end() ? uint128{lo_[i]} : (uint128{it->second} << 64) | lo_[i];
  }
  void set(size_t i, uint128 v) {
    lo_[i] = static_cast<uint64_t>(v);
    const auto high = static_cast<uint64_t>(v >> 64);
    if (high != 0) {
      hi_[i] = high;
    } else if (!hi_.empty()) {
      hi_.erase(i);
    }
  }
  /// Starts loading entry i (for a loop that reads entries at random).
  void prefetch(size_t i) const { __builtin_prefetch(&lo_[i]); }
  void add(size_t i, uint128 v) { set(i, (*this)[i] + v); }
  void sub(size_t i, uint128 v) { set(i, (*this)[i] - v); }
  /// How many nodes hold 2^64 or more.
  size_t wide_count() const { return hi_.size(); }

 private:
  std::vector<uint64_t> lo_;
  std::unordered_map<size_t, uint64_t> hi_;
};

}  // namespace heapdump
