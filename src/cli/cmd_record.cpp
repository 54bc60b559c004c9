// `heapdump record [-o DIR] [--every SECONDS] [--on-signal SIG] [--at-exit]
//                  [--gzip] [--max-dumps N] -- COMMAND [ARGS...]`
// Runs a Ruby program with share/heapdump/record.rb preloaded through
// RUBYOPT, so that it writes heap dumps into DIR; analyses nothing.
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "heapdump/recording.hpp"
#include "heapdump/stderr.hpp"

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

int run_record(const RecordPlan& plan) {
  if (plan.signal == "none" && plan.every.empty() && !plan.at_exit) {
    print_error("record: nothing would write a dump: give --every, --at-exit or a signal "
                "(see 'heapdump record --help')");
    return kExitUsage;
  }
  int code = 0;
  const Status s = record_program(plan, write_stderr_line, &code);
  if (!s.ok()) print_error(s.message());
  return code;
}

}  // namespace

Command add_record(CLI::App& app) {
  auto plan = std::make_shared<RecordPlan>();
  CLI::App* sub = app.add_subcommand(
      "record",
      "Run a Ruby program with allocation tracing on, writing heap dumps into DIR "
      "(heap-PID-N.json) on a timer, on a signal and at exit");
  sub->add_option("-o,--dir", plan->dir,
                  "Existing, writable directory for the dumps (default: the current directory)");
  sub->add_option("--every", plan->every, "Write a dump every SECONDS seconds (such as 60 or 0.5)")
      ->check(seconds_validator());
  sub->add_option("--on-signal", plan->signal,
                  "Write a dump when the program gets this signal (default USR2; none for no "
                  "signal)")
      ->check(signal_validator());
  sub->add_flag("--at-exit", plan->at_exit, "Write a dump when the program exits");
  sub->add_flag("--gzip", plan->gzip, "Write heap-PID-N.json.gz, compressed by Ruby's Zlib");
  sub->add_option("--max-dumps", plan->max_dumps, "At most N dumps per process")
      ->check(whole_number(1, UINT64_MAX));
  sub->add_option("COMMAND", plan->command,
                  "The program and its arguments (ruby app.rb, bundle exec rspec, ...); "
                  "everything from the first of them on is the program's")
      ->required();
  // `record -o d ruby -e '...'`: options after COMMAND are the program's.
  sub->positionals_at_end();
  return {sub, [plan] { return run_record(*plan); }};
}

}  // namespace heapdump
