// `heapdump compare`'s tables: memory and objects per group in dump A and
// dump B, and the difference. Reads the dumps through ReadPipeline; prints
// nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "heapdump/group_by.hpp"
#include "heapdump/pipeline.hpp"
#include "heapdump/status.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

struct CompareOptions {
  std::string a, b;            ///< the two dumps
  /// --by key names (location, file, gem, class, type, method), one table
  /// each in this order, a repeated one left out; none: class.
  std::vector<std::string> by;
  uint64_t lines = 20;         ///< rows per table: the groups that grew most
  bool include_tracer = false; ///< count Ruby's allocation tracer like any object
  ReadOptions read;            ///< threads, line limit
};

/// Reads A, then B, and fills `report` ("compare": one table per key,
/// compare_groups()). Not ok when a dump cannot be read.
Status build_compare_report(const CompareOptions& options, ReadListener& listener,
                            Report* report);

}  // namespace heapdump
