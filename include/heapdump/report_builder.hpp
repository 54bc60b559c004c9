// The tables of `heapdump report`: from one dump, where the memory sits and
// what keeps it alive; from BEFORE AFTER [RETAINED], what is new, what grew
// and the leak gate's verdict. Reads the dumps through ReadPipeline and
// prints nothing: the page is rendered from `Report` (heapdump/render.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "heapdump/gate.hpp"
#include "heapdump/pipeline.hpp"
#include "heapdump/reader.hpp"
#include "heapdump/status.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

struct ReportOptions {
  std::vector<std::string> files;        ///< FILE, or BEFORE AFTER [RETAINED]
  uint64_t lines = 20;                   ///< rows per table
  uint64_t threshold = 10;               ///< leak suspect: retains >= this % of the heap
  std::optional<uint64_t> fail_objects;  ///< the leak gate's limits (two or three dumps)
  std::optional<uint64_t> fail_bytes;
  std::string by = "total";              ///< what the limits apply to (gate_scope())
  uint64_t allow_skipped_lines = 0;      ///< per input, before the gate cannot be judged
  bool include_tracer = false;           ///< count Ruby's allocation tracer like any object
  ReadOptions read;                      ///< threads, line limit (references are asked for here)
  /// Called after each phase with its name, for HEAPDUMP_TIMING; may be empty.
  std::function<void(const char*)> on_phase;
};

/// What build_report() made.
struct BuiltReport {
  Report report{"report", {}, {}};
  /// For the user once the dumps are read, one line each: doubts about a
  /// dump, the allocation tracer left out of the limits.
  std::vector<std::string> notes;
  GateOutcome gate;  ///< the leak gate's verdict (two or three dumps)
};

/// Reads options.files (one dump, or two or three as for diff) and builds
/// the page's tables (docs/output-formats.md, "report"). Not ok when a dump
/// cannot be read (or is not a heap dump); skipped lines, progress and
/// each input's warning go to `listener`.
Status build_report(const ReportOptions& options, ReadListener& listener, BuiltReport* out);

}  // namespace heapdump
