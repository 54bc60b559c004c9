// What the subcommands share: exit codes, warnings, reading a file, stdout.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "heapdump/reader.hpp"
#include "heapdump/sink.hpp"

namespace heapdump {

/// Exit statuses, documented in README.md.
enum ExitCode : int {
  kExitOk = 0,          ///< success (also when the output pipe was closed early)
  kExitNoObjects = 1,   ///< `read FILE GEN|all` selected no objects
  kExitUsage = 2,       ///< bad command line
  kExitIoError = 3,     ///< a file could not be opened, read or written
};

/// Options every subcommand takes.
struct CommonOptions {
  uint64_t max_warnings = 10;  ///< skipped-line warnings shown per file; 0 = all
};
void add_common_options(CLI::App* cmd, CommonOptions* options);

/// Prints skipped lines to stderr as "heapdump: FILE:LINE: skipped: REASON",
/// at most max_warnings per file, and counts them all.
class StderrReporter final : public ParseReporter {
 public:
  explicit StderrReporter(uint64_t max_warnings) : max_warnings_(max_warnings) {}
  void skipped_line(std::string_view source, uint64_t line, uint64_t offset,
                    std::string_view reason) override;
  /// Prints the per-file total of skipped lines (if any) and resets the count.
  void finish_file(std::string_view source, const ReadStats& stats);

 private:
  uint64_t max_warnings_;
  uint64_t shown_ = 0;
};

/// Opens `path` and streams it into `sink`. On failure prints
/// "heapdump: <reason>" and returns false.
bool read_file(const std::string& path, RecordSink& sink, StderrReporter& reporter,
               ReadStats* stats = nullptr);

/// Writes `text` to stdout. Returns the exit code: kExitOk, also when the
/// reader closed the pipe, or kExitIoError after printing the error.
int emit(std::string_view text);

/// Prints "heapdump: MESSAGE" to stderr.
void print_error(std::string_view message);

}  // namespace heapdump
