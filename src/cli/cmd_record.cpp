#include "cli/cmd_record.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "cli/child_process.hpp"
#include "cli/common.hpp"
#include "cli/record_files.hpp"
#include "cli/progress.hpp"

namespace heapdump {
namespace {

/// The signals --on-signal accepts: those Ruby lets a program trap, less
/// SIGINT and SIGTERM (heapdump forwards them to end the program).
constexpr const char* kSignals[] = {"USR1", "USR2", "HUP", "QUIT", "ALRM", "WINCH", "TTIN", "TTOU"};

/// "USR2", "SIGUSR2" -> "USR2"; "none" -> "none"; anything else -> "".
std::string signal_option(std::string value) {
  if (value == "none") return value;
  if (value.rfind("SIG", 0) == 0) value.erase(0, 3);
  for (const char* s : kSignals) {
    if (value == s) return value;
  }
  return "";
}

const CLI::Validator& signal_validator() {
  static const CLI::Validator validator(
      [](std::string& value) -> std::string {
        const std::string name = signal_option(value);
        if (name.empty()) {
          std::string names;
          for (const char* s : kSignals) names += std::string(names.empty() ? "" : ", ") + s;
          return "Value " + value + " is not one of " + names + " (with or without SIG) or none";
        }
        value = name;
        return "";
      },
      "SIG");
  return validator;
}

const CLI::Validator& seconds_validator() {
  static const CLI::Validator validator(
      [](std::string& value) -> std::string {
        const size_t dot = value.find('.');
        const std::string whole = value.substr(0, dot);
        const std::string fraction = dot == std::string::npos ? "1" : value.substr(dot + 1);
        const bool digits = !whole.empty() && !fraction.empty() &&
                            whole.find_first_not_of("0123456789") == std::string::npos &&
                            fraction.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || whole.size() > 9 || std::strtod(value.c_str(), nullptr) <= 0) {
          return "Value " + value + " is not a number of seconds > 0 (such as 30 or 0.5)";
        }
        return "";
      },
      "SECONDS");
  return validator;
}

/// The directory of the running binary.
std::string exe_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// Where record.rb is: next to the binary in a build tree
/// (BUILD/share/heapdump/record.rb, copied there by CMake), or in the
/// installed share directory (BINDIR/HEAPDUMP_RECORD_RB_FROM_BINDIR).
bool find_preload(std::string* path, std::string* looked) {
  const std::string dir = exe_dir();
  const std::string installed = HEAPDUMP_RECORD_RB_FROM_BINDIR;
  const std::string candidates[] = {
      dir + "/share/heapdump/record.rb",
      installed.front() == '/' ? installed : dir + "/" + installed,
  };
  for (const std::string& c : candidates) {
    if (::access(c.c_str(), R_OK) == 0) {
      char resolved[PATH_MAX];
      *path = ::realpath(c.c_str(), resolved) != nullptr ? resolved : c;
      return true;
    }
    *looked += (looked->empty() ? "" : " and ") + c;
  }
  return false;
}

/// DIR must be an existing, writable directory; returns "" or the reason.
std::string check_dir(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return std::strerror(ENOTDIR);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return std::strerror(errno);
  return "";
}

void print_line(const std::string& line) { write_stderr_line(line + "\n"); }

std::string plural(size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string append_rubyopt(const char* existing, const std::string& preload) {
  std::string opt = existing != nullptr ? existing : "";
  if (!opt.empty() && opt.back() != ' ') opt += ' ';
  return opt + "-r" + preload;
}

CLI::App* setup_record(CLI::App& app, RecordCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "record",
      "Run a Ruby program with allocation tracing on, writing heap dumps into DIR "
      "(heap-PID-N.json) on a timer, on a signal and at exit");
  sub->add_option("-o,--dir", cmd->dir,
                  "Existing, writable directory for the dumps (default: the current directory)");
  sub->add_option("--every", cmd->every, "Write a dump every SECONDS seconds (such as 60 or 0.5)")
      ->check(seconds_validator());
  sub->add_option("--on-signal", cmd->signal,
                  "Write a dump when the program gets this signal (default USR2; none for no "
                  "signal)")
      ->check(signal_validator());
  sub->add_flag("--at-exit", cmd->at_exit, "Write a dump when the program exits");
  sub->add_flag("--gzip", cmd->gzip, "Write heap-PID-N.json.gz, compressed by Ruby's Zlib");
  sub->add_option("--max-dumps", cmd->max_dumps, "At most N dumps per process")
      ->check(whole_number(1, UINT64_MAX));
  sub->add_option("COMMAND", cmd->command,
                  "The program and its arguments (ruby app.rb, bundle exec rspec, ...); "
                  "everything from the first of them on is the program's")
      ->required();
  // `record -o d ruby -e '...'`: options after COMMAND are the program's.
  sub->positionals_at_end();
  return sub;
}

int run_record(const RecordCommand& cmd) {
  if (cmd.signal == "none" && cmd.every.empty() && !cmd.at_exit) {
    print_error("record: nothing would write a dump: give --every, --at-exit or a signal "
                "(see 'heapdump record --help')");
    return kExitUsage;
  }
  const std::string dir_reason = check_dir(cmd.dir);
  if (!dir_reason.empty()) {
    print_error(fmt::format("{}: {}", cmd.dir, dir_reason));
    return kExitIoError;
  }
  std::string preload, looked;
  if (!find_preload(&preload, &looked)) {
    print_error(fmt::format("record: cannot find the preload record.rb (looked for {}); "
                            "reinstall heapdump with cmake --install",
                            looked));
    return kExitIoError;
  }
  std::string why;
  if (const int code = find_command(cmd.command[0], &why); code != 0) {
    print_error(fmt::format("{}: {}", cmd.command[0], why));
    return code;
  }
  char resolved[PATH_MAX];
  if (::realpath(cmd.dir.c_str(), resolved) == nullptr) {
    print_error(fmt::format("{}: {}", cmd.dir, std::strerror(errno)));
    return kExitIoError;
  }

  // RUBYOPT splits on white space and has no quoting: a preload path with
  // white space is reached through RUBYLIB (split on ':') instead, as the
  // feature heapdump/record of its share directory.
  std::string rubyopt_entry = preload;
  if (preload.find_first_of(" \t\n\v\f\r") != std::string::npos) {
    const std::string suffix = "/heapdump/record.rb";
    if (preload.find(':') != std::string::npos || preload.size() <= suffix.size() ||
        preload.compare(preload.size() - suffix.size(), suffix.size(), suffix) != 0) {
      print_error(fmt::format("record: the preload's path {} cannot be put in RUBYOPT or RUBYLIB "
                              "(it has both white space and ':'); install heapdump elsewhere",
                              preload));
      return kExitIoError;
    }
    const std::string lib = preload.substr(0, preload.size() - suffix.size());
    const char* old = std::getenv("RUBYLIB");
    ::setenv("RUBYLIB", (old != nullptr && *old != '\0' ? lib + ":" + old : lib).c_str(), 1);
    rubyopt_entry = "heapdump/record";
  }
  ::setenv("RUBYOPT", append_rubyopt(std::getenv("RUBYOPT"), rubyopt_entry).c_str(), 1);
  ::setenv("HEAPDUMP_RECORD_DIR", resolved, 1);
  ::setenv("HEAPDUMP_RECORD_EVERY", cmd.every.c_str(), 1);
  ::setenv("HEAPDUMP_RECORD_SIGNAL", cmd.signal == "none" ? "" : cmd.signal.c_str(), 1);
  ::setenv("HEAPDUMP_RECORD_AT_EXIT", cmd.at_exit ? "1" : "", 1);
  ::setenv("HEAPDUMP_RECORD_GZIP", cmd.gzip ? "1" : "", 1);
  ::setenv("HEAPDUMP_RECORD_MAX_DUMPS",
           cmd.max_dumps ? std::to_string(*cmd.max_dumps).c_str() : "", 1);
  ::unsetenv("HEAPDUMP_RECORD_NEXT");

  std::vector<DirEntryId> before, after;
  if (!list_dump_entries(cmd.dir, &before, &why)) {
    print_error(fmt::format("{}: {}", cmd.dir, why));
    return kExitIoError;
  }
  // The lines below are not print_error()'s: names go out as shell words,
  // safe on a terminal and ready to paste.
  const std::string name = shell_word(cmd.command[0]);
  const std::string shown_dir = shell_word(cmd.dir);
  const auto on_start = [&](pid_t pid) {
    std::string when;
    const auto add = [&when](const std::string& s) { when += (when.empty() ? "" : ", ") + s; };
    if (!cmd.every.empty()) add("every " + cmd.every + " s");
    if (cmd.signal != "none") add(fmt::format("on SIG{} (kill -{} {})", cmd.signal, cmd.signal, pid));
    if (cmd.at_exit) add("at exit");
    print_line(fmt::format("heapdump: recording {} (PID {}) into {}: {}", name, pid, shown_dir,
                           when));
  };
  ChildExit child;
  int code = 0;
  if (!run_child(cmd.command, on_start, &child, &why, &code)) {
    print_error(fmt::format("{}: {}", cmd.command[0], why));
    return code;
  }

  const std::string ended =
      child.signaled ? fmt::format("{} was ended by {}", name, signal_name(child.code))
                     : fmt::format("{} exited with status {}", name, child.code);
  if (!list_dump_entries(cmd.dir, &after, &why)) {
    print_error(fmt::format("{}; cannot list the dumps in {}: {}", ended, shown_dir, why));
    return child.status();
  }
  const auto pid = static_cast<uint64_t>(child.pid);
  const std::vector<DumpName> dumps = new_dumps(before, after, pid);
  for (const std::string& temp : new_temp_files(before, after)) {
    print_line(fmt::format("heapdump: {}: a dump cut short (its process ended while writing it)",
                           shell_word(join_path(cmd.dir, temp))));
  }
  if (dumps.empty()) {
    print_line(fmt::format(
        "heapdump: {}; no dumps were written to {}: it ended before a dump was due, or it did "
        "not run Ruby with RUBYOPT (ruby --disable=rubyopt ignores it)",
        ended, shown_dir));
    return child.status();
  }
  std::string list = fmt::format("heapdump: {}; {} in {}:\n", ended,
                                 plural(dumps.size(), "dump"), shown_dir);
  for (const DumpName& d : dumps) list += "  " + shell_word(join_path(cmd.dir, d.name)) + "\n";
  const std::vector<DumpName> chosen = dumps_to_compare(dumps, pid);
  list += chosen.size() == 1 ? "heapdump: next: heapdump read" : "heapdump: next: heapdump diff";
  for (const DumpName& d : chosen) list += " " + shell_word(join_path(cmd.dir, d.name));
  if (chosen.size() == 1) list += " all";
  write_stderr_line(list + "\n");
  return child.status();
}

}  // namespace heapdump
