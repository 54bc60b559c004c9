// `heapdump diff`'s tables: the objects of AFTER that are not in BEFORE (and,
// with RETAINED, still alive in it), by type and allocation site, and the
// leak gate's verdict. Reads the dumps through ReadPipeline; prints nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/gate.hpp"
#include "heapdump/pipeline.hpp"
#include "heapdump/status.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

struct DiffOptions {
  std::string before, after;
  std::string retained;                 ///< "" for a two-way diff
  std::optional<uint64_t> lines;        ///< rows shown; none: all
  bool sort_by_bytes = false;           ///< rank by bytes, not by object count
  bool include_tracer = false;          ///< the limits count Ruby's allocation tracer
  std::optional<uint64_t> fail_objects; ///< the leak gate's limits
  std::optional<uint64_t> fail_bytes;
  GateLimits::Scope scope = GateLimits::Scope::kTotal;
  uint64_t allow_skipped_lines = 0;
  /// Parameters "output_diff" (null if not given) and "sort" of the report.
  std::optional<std::string> output_diff;
  std::string sort = "count";
  /// If set, receives the raw AFTER line of each reported object, in file
  /// order (AFTER is then read on one thread).
  std::function<void(std::string_view)> on_reported;
  ReadOptions read;  ///< threads, line limit
  /// Told at once of a doubt about an input as it is read (repeated
  /// addresses), so that it comes before what the next read says; may be empty.
  std::function<void(const std::string&)> on_note;
};

/// What build_diff_report() made.
struct DiffReport {
  Report report{"diff", {}, {}};  ///< "diff" (the rows shown) and, with a limit, "gate"
  size_t groups = 0;              ///< rows of "diff" with every line
  /// Lines for the user once the dumps are read: the allocation tracer left
  /// out of the limits.
  std::vector<std::string> notes;
  /// "AFTER looks older than BEFORE ..." when its highest generation is
  /// lower than BEFORE's (the dumps swapped), or "".
  std::string order_note;
  GateOutcome gate;
};

/// Reads BEFORE (and RETAINED), then streams AFTER through the diff. Not ok
/// when a dump cannot be read or is not a heap dump.
Status build_diff_report(const DiffOptions& options, ReadListener& listener, DiffReport* out);

}  // namespace heapdump
