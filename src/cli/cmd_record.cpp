#include "cli/cmd_record.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "cli/common.hpp"
#include "heapdump/stderr.hpp"
#include "record/recording.hpp"

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

void print_line(const std::string& line) { write_stderr_line(line + "\n"); }

std::string plural(size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

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
  const RecordPlan plan{cmd.dir, cmd.every, cmd.signal, cmd.at_exit, cmd.gzip, cmd.max_dumps,
                        cmd.command};
  int code = 0;
  Status s = prepare_recording(plan, &code);
  if (!s.ok()) {
    print_error(s.message());
    return code;
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
  Recording rec;
  s = run_recording(plan, on_start, &rec, &code);
  if (!s.ok()) {
    print_error(s.message());
    return code;
  }

  const std::string ended =
      rec.child.signaled ? fmt::format("{} was ended by {}", name, signal_name(rec.child.code))
                         : fmt::format("{} exited with status {}", name, rec.child.code);
  if (!rec.list_error.empty()) {
    print_error(fmt::format("{}; cannot list the dumps in {}: {}", ended, shown_dir,
                            rec.list_error));
    return code;
  }
  for (const std::string& temp : rec.cut_short) {
    print_line(fmt::format("heapdump: {}: a dump cut short (its process ended while writing it)",
                           shell_word(join_path(cmd.dir, temp))));
  }
  if (rec.dumps.empty()) {
    print_line(fmt::format(
        "heapdump: {}; no dumps were written to {}: it ended before a dump was due, or it did "
        "not run Ruby with RUBYOPT (ruby --disable=rubyopt ignores it)",
        ended, shown_dir));
    return code;
  }
  std::string list = fmt::format("heapdump: {}; {} in {}:\n", ended,
                                 plural(rec.dumps.size(), "dump"), shown_dir);
  for (const DumpName& d : rec.dumps) list += "  " + shell_word(join_path(cmd.dir, d.name)) + "\n";
  list += rec.chosen.size() == 1 ? "heapdump: next: heapdump read" : "heapdump: next: heapdump diff";
  for (const DumpName& d : rec.chosen) list += " " + shell_word(join_path(cmd.dir, d.name));
  if (rec.chosen.size() == 1) list += " all";
  write_stderr_line(list + "\n");
  return code;
}

}  // namespace heapdump
