// A sum of memsize that cannot wrap, in 16 bytes aligned like a uint64_t.
#pragma once

#include <cstdint>

#include "heapdump/table.hpp"

namespace heapdump {

/// 128 bits as two words: an add is one add and one add-with-carry, and it
/// packs into table slots without the 16-byte alignment of __int128.
struct ByteSum {
  uint64_t lo = 0;
  uint64_t hi = 0;
  void add(uint64_t bytes) { hi += __builtin_add_overflow(lo, bytes, &lo) ? 1 : 0; }
  void add(const ByteSum& o) {
    add(o.lo);
    hi += o.hi;
  }
  uint128 value() const { return (uint128{hi} << 64) | lo; }
};

}  // namespace heapdump
