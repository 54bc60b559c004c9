// `heapdump read`'s tables: the summary of generations, the drill-down into
// a generation (or all of them), or memory per group (--by) and the string
// report (--strings). Reads the dump through ReadPipeline; prints nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "heapdump/pipeline.hpp"
#include "heapdump/reader.hpp"
#include "heapdump/status.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

struct ReadReportOptions {
  std::string file;
  std::string generation;       ///< "" (the summary), "all", "N" or "A..B"
  uint64_t lines = 50;          ///< rows per section
  std::vector<std::string> by;  ///< --by key names, in the order given
  bool strings = false;         ///< the string report
  ReadOptions read;             ///< threads, line limit
};

/// What build_read_report() made.
struct ReadReport {
  Report report{"read", {}, {}};
  bool summary = false;     ///< the summary of generations (one table)
  std::string label;        ///< the generations read ("all", "3", "3..7"); "" without GEN
  /// Otherwise report.tables holds `drill_tables` of the drill-down, then
  /// `group_tables` (one per --by key other than the drill-down's location),
  /// then the string report's.
  size_t drill_tables = 0;
  size_t group_tables = 0;
};

/// Reads options.file and builds its tables. Not ok: kInvalidArgument for a
/// GEN that is not a generation, a range or "all" (before anything is
/// read); kNotFound when GEN selects no object with allocation info (the
/// message says what the dump has); otherwise the read's error.
Status build_read_report(const ReadReportOptions& options, ReadListener& listener,
                         ReadReport* out);

}  // namespace heapdump
