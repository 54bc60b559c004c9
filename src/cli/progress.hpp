// A progress line on stderr for long reads, only on a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace heapdump {

/// Writes one message line to stderr, first erasing a progress line if one
/// is showing (it is redrawn at its next update). Thread-safe.
void write_stderr_line(const std::string& line);

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

}  // namespace heapdump
