// What heapdump writes on stderr: message lines, the progress line of a
// long read (only on a terminal), and StderrReporter, which tells the user
// about a read (skipped lines, progress, the input's warning).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "heapdump/pipeline.hpp"

namespace heapdump {

/// Writes one message line to stderr, first erasing a progress line if one
/// is showing (it is redrawn at its next update). Thread-safe.
void write_stderr_line(const std::string& line);

/// Prints "heapdump: MESSAGE" to stderr, on one line with no terminal
/// controls (messages name files and quote dump text).
void print_error(std::string_view message);

/// Draws "heapdump: FILE  42%  420.0 MB of 1000.0 MB  950 MB/s  ETA 1s" on
/// stderr, redrawn at most ten times a second, and erases it when done.
class ProgressLine {
 public:
  /// `total` is the size of the input in bytes, 0 if unknown (a pipe).
  ProgressLine(std::string name, uint64_t total);
  ~ProgressLine() { finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// Bytes of the input consumed so far.
  void update(uint64_t done);
  /// Erases the line if one was drawn.
  void finish();

  /// The text of the line (without control characters), for tests.
  static std::string format(const std::string& name, uint64_t done, uint64_t total,
                            double seconds);

  /// Whether to show progress for an input of `total` bytes (0 = unknown):
  /// stderr is a terminal, and the input is at least `min_bytes` (default
  /// 100 MB; the environment variable HEAPDUMP_PROGRESS_MIN_BYTES overrides
  /// it, for tests) or of unknown size.
  static bool wanted(uint64_t total);

 private:
  std::string name_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

/// Tells the user about a read, on stderr: skipped lines as
/// "heapdump: FILE:LINE: skipped line: REASON" (at most `max_warnings` per
/// file, 0 = all), a progress line (unless `quiet`), the input's warning and
/// the per-file total of skipped lines.
class StderrReporter final : public ReadListener {
 public:
  StderrReporter(uint64_t max_warnings, bool quiet);
  ~StderrReporter() override;
  void skipped_line(std::string_view source, uint64_t line, uint64_t offset,
                    std::string_view reason) override;
  std::function<void(uint64_t)> progress(std::string_view name, uint64_t size_hint) override;
  void read_ended() override;
  void input_read(std::string_view name, const ReadStats& stats,
                  std::string_view warning) override;

 private:
  uint64_t max_warnings_;
  bool quiet_;
  uint64_t shown_ = 0;
  std::unique_ptr<ProgressLine> progress_;
};

/// With HEAPDUMP_TIMING=1 in the environment, prints the time of each phase
/// to stderr (for benchmarking; off otherwise).
class PhaseTimer {
 public:
  PhaseTimer();
  void lap(const char* what);

 private:
  bool on_;
  double last_;
};

}  // namespace heapdump
