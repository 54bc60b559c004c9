// The one ranking rule of every report: value descending, ties in order of
// first appearance (the byte offset of the record that created the key).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "heapdump/table.hpp"

namespace heapdump {

struct Ranked {
  uint128 value;  ///< a count, or a sum of bytes (which may pass 2^64)
  uint64_t first;  ///< byte offset of the first record that created the key
  uint64_t index;  ///< the caller's key id
};

/// Sorts `entries` by the rule above and keeps the top `top_n`.
inline void rank(std::vector<Ranked>* entries, uint64_t top_n) {
  auto by_value = [](const Ranked& a, const Ranked& b) {
    return a.value != b.value ? a.value > b.value : a.first < b.first;
  };
  if (entries->size() > top_n) {
    std::partial_sort(entries->begin(), entries->begin() + static_cast<std::ptrdiff_t>(top_n),
                      entries->end(), by_value);
    entries->resize(top_n);
  } else {
    std::sort(entries->begin(), entries->end(), by_value);
  }
}

}  // namespace heapdump
