// What the subcommands share: exit codes, option checks and common options,
// loading the graph, writing the report, the leak gate's exit status.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <vector>
#include <string>
#include <string_view>

#include "heapdump/gate.hpp"
#include "heapdump/graph.hpp"
#include "heapdump/pipeline.hpp"
#include "heapdump/stderr.hpp"
#include "heapdump/reader.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Exit statuses, documented in README.md.
enum ExitCode : int {
  kExitOk = 0,          ///< success (also when the output pipe was closed early)
  kExitNoObjects = 1,   ///< `read FILE GEN|all` selected no objects
  kExitUsage = 2,       ///< bad command line
  kExitIoError = 3,     ///< a file could not be opened, read or written
  kExitGate = 4,        ///< `diff` found more than a --fail-if-new-* limit allows
  kExitGateUnjudged = 5,  ///< `diff` with a --fail-if-new-* limit: an input ended early, had
                          ///< skipped lines or has no objects, so the gate cannot be judged
};

/// Accepts only a plain decimal number (CLI11 would let "-1" wrap around
/// into a huge unsigned value).
const CLI::Validator& whole_number();
/// A plain decimal number from min to max; the error says which are allowed
/// ("must be a whole number >= 1, not '0'").
CLI::Validator whole_number(uint64_t min, uint64_t max);

/// "" if no argument of argv[2..argc) is empty (nor an empty `--name=`);
/// otherwise what is wrong, e.g. "argument 4 is empty (after '--output-diff')".
std::string empty_argument_error(int argc, const char* const* argv);

/// The usage error when two of `inputs` name the same file (the same path,
/// or the same device and inode): "'A' and 'B' are the same file; COMMAND
/// needs different dumps (see 'heapdump COMMAND --help')"; "" if none do.
std::string same_input_error(const std::vector<std::string>& inputs, std::string_view command);

/// The required FILE argument of commands that read one dump.
void add_dump_file(CLI::App* cmd, std::string* file);

/// `--lines N` (a whole number >= 1, default shown in --help).
void add_lines_option(CLI::App* cmd, uint64_t* lines, const std::string& description);

/// `--threshold PCT` of the leak suspects (retained, report).
void add_threshold_option(CLI::App* cmd, uint64_t* threshold);

/// `--allow-skipped-lines N` of the leak gates (diff, report).
void add_allow_skipped_lines_option(CLI::App* cmd, uint64_t* allowed);

/// Options every subcommand takes.
struct CommonOptions {
  uint64_t max_warnings = 10;  ///< skipped-line warnings shown per file; 0 = all
  unsigned threads = 0;        ///< parsing threads; 0 = one per core
  bool quiet = false;          ///< no progress line
  std::string format = "text"; ///< "text" (heapy's layout), "json" or "csv"
  bool csv_safe = false;       ///< --csv-safe: defuse spreadsheet formulas in CSV text cells
  uint64_t max_line_bytes = kDefaultMaxLineBytes;  ///< longer lines are skipped unkept
  /// The thread count to use: `threads`, or the number of cores.
  unsigned thread_count() const;
  /// How to read a dump with `threads` parsing threads.
  ReadOptions read_options(unsigned threads) const;
};
void add_common_options(CLI::App* cmd, CommonOptions* options);

/// Reads `file` with references decoded and builds the graph. Prints the
/// read's errors and warnings and the graph's notes (dangling references,
/// missing roots) to stderr. False on I/O error.
bool load_graph(const std::string& file, const CommonOptions& options,
                std::shared_ptr<const LoadedGraph>* out);

/// Writes `report` to stdout as options.format asks (write_report(); for
/// "text", `text`, the command's layout of it). Returns kExitOk, also when
/// the reader closed the pipe, or kExitIoError after printing the error.
int emit_report(const CommonOptions& options, const Report& report, std::string_view text);

/// The exit status of a leak gate's outcome: kExitOk, or kExitGate or
/// kExitGateUnjudged after printing why ("leak gate tripped: ...").
int gate_exit(const GateOutcome& gate);

}  // namespace heapdump
