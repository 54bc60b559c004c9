// `heapdump record` without its command line: runs a Ruby program with
// share/heapdump/record.rb preloaded, so that it writes heap dumps into a
// directory, and tells the user what it did. Analyses nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "heapdump/status.hpp"

namespace heapdump {

/// What to record (the options of `heapdump record`).
struct RecordPlan {
  std::string dir = ".";
  std::string every;            ///< seconds between dumps; "" for none
  std::string signal = "USR2";  ///< without "SIG"; "none" for no signal
  bool at_exit = false;
  bool gzip = false;
  std::optional<uint64_t> max_dumps;
  std::vector<std::string> command;  ///< the program and its arguments
};

/// Prepares and runs plan.command (src/record/recording.cpp) and lists the
/// dumps it wrote. `say` gets the lines for the user, each ending in '\n',
/// with names as shell words (safe on a terminal, ready to paste): once the
/// program runs, "heapdump: recording NAME (PID N) into DIR: WHEN"; once it
/// has ended, the dumps cut short, then the dumps written and the next
/// command to run (or why there are none). *exit_code is the program's exit
/// status (128 + signal when a signal ended it). Not ok, with the message
/// and *exit_code, when it could not run (3, or a shell's 126 or 127) or the
/// directory could not be listed after it ended.
Status record_program(const RecordPlan& plan, const std::function<void(const std::string&)>& say,
                      int* exit_code);

}  // namespace heapdump
