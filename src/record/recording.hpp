// The steps of record_program() (heapdump/recording.hpp): checks the dump
// directory, finds the preload share/heapdump/record.rb and the program,
// hands the preload and the settings to the program through its
// environment (RUBYOPT, RUBYLIB, HEAPDUMP_RECORD_*), runs it, and lists the
// dumps that appeared. Analyses nothing; prints nothing.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "heapdump/recording.hpp"
#include "heapdump/status.hpp"
#include "record/child_process.hpp"
#include "record/record_files.hpp"

namespace heapdump {

/// What a run left in the directory.
struct Recording {
  ChildExit child;
  std::vector<DumpName> dumps;         ///< new_dumps() order
  std::vector<std::string> cut_short;  ///< temporary files left: dumps cut short
  std::vector<DumpName> chosen;        ///< dumps_to_compare()
  /// Why the directory could not be listed after the run ("" if it could;
  /// then `dumps` and the others are empty).
  std::string list_error;
};

/// Checks plan.dir, finds the preload and the program, and sets this
/// process's environment for the child. Not ok with the message for the
/// user and *exit_code: 3, or a shell's 126 or 127 for the program.
Status prepare_recording(const RecordPlan& plan, int* exit_code);

/// Runs plan.command (after prepare_recording()), calling on_start(pid) once
/// it runs, and lists the dumps it wrote. Not ok, with *exit_code, when the
/// directory cannot be listed before or the program cannot be executed.
Status run_recording(const RecordPlan& plan, const std::function<void(pid_t)>& on_start,
                     Recording* out, int* exit_code);

/// RUBYOPT with `-r<preload>` appended to what it already holds.
std::string append_rubyopt(const char* existing, const std::string& preload);

}  // namespace heapdump
