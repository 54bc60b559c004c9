// Running one command as a child process for `heapdump record`: finding it
// as execvp would, starting it, forwarding SIGINT and SIGTERM to it, and
// waiting for it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace heapdump {

/// Exit statuses of a command that could not be run, as POSIX shells use them.
enum CommandExit : int {
  kExitCannotExecute = 126,  ///< found, but not executable (or not a program)
  kExitNotFound = 127,       ///< no such file, or not in PATH
};

/// Looks `name` up as execvp() would: a name with a '/' is a path, any other
/// is searched in $PATH (or "/bin:/usr/bin" without PATH). Returns 0 when an
/// executable regular file is found; otherwise kExitNotFound or
/// kExitCannotExecute with the reason in *error ("command not found",
/// "Permission denied", "Is a directory").
int find_command(const std::string& name, std::string* error);

/// How a child ended.
struct ChildExit {
  pid_t pid = -1;
  bool signaled = false;  ///< killed by a signal
  int code = 0;           ///< exit status, or the signal number if `signaled`
  /// What `heapdump record` exits with: the status, or 128 + the signal.
  int status() const { return signaled ? 128 + code : code; }
};

/// Runs argv (argv[0] looked up in PATH) with this process's environment,
/// calling on_start(pid) once the program runs (after its exec). SIGINT and SIGTERM sent to this
/// process while it runs are sent on to the child, except those that a
/// terminal sent to the whole foreground process group (which the child got
/// too); a signal that was ignored when heapdump started stays ignored.
/// Returns false with *error set (and *exit_code 126 or 127) when the
/// program could not be executed; then no child is left behind.
bool run_child(const std::vector<std::string>& argv, const std::function<void(pid_t)>& on_start,
               ChildExit* result, std::string* error, int* exit_code);

/// "SIGINT", "SIGKILL", ... ("signal N" for a number without a name).
std::string signal_name(int signal);

}  // namespace heapdump
