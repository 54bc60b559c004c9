// What an attribution table keeps per group while it folds records: bytes,
// objects and the byte offset of the group's first object (GroupBy,
// GenerationGroups, StringReport).
#pragma once

#include <cstdint>

#include "heapdump/byte_sum.hpp"

namespace heapdump {

struct GroupAcc {
  ByteSum bytes;
  uint64_t objects = 0;
  uint64_t first = UINT64_MAX;
  /// Adds another's counts; the first appearance is the smaller offset.
  void add(const GroupAcc& o) {
    bytes.add(o.bytes);
    objects += o.objects;
    if (o.first < first) first = o.first;
  }
};

}  // namespace heapdump
