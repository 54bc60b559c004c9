// record_program(): the steps of recording.hpp, and what `heapdump record`
// tells the user about them.
#include <fmt/format.h>

#include "heapdump/recording.hpp"
#include "record/recording.hpp"

namespace heapdump {
namespace {

std::string plural(size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

Status record_program(const RecordPlan& plan, const std::function<void(const std::string&)>& say,
                      int* exit_code) {
  Status s = prepare_recording(plan, exit_code);
  if (!s.ok()) return s;
  // The lines below are not print_error()'s: names go out as shell words,
  // safe on a terminal and ready to paste.
  const std::string name = shell_word(plan.command[0]);
  const std::string shown_dir = shell_word(plan.dir);
  const auto on_start = [&](pid_t pid) {
    std::string when;
    const auto add = [&when](const std::string& s) { when += (when.empty() ? "" : ", ") + s; };
    if (!plan.every.empty()) add("every " + plan.every + " s");
    if (plan.signal != "none") {
      add(fmt::format("on SIG{} (kill -{} {})", plan.signal, plan.signal, pid));
    }
    if (plan.at_exit) add("at exit");
    say(fmt::format("heapdump: recording {} (PID {}) into {}: {}\n", name, pid, shown_dir, when));
  };
  Recording rec;
  s = run_recording(plan, on_start, &rec, exit_code);
  if (!s.ok()) return s;

  const std::string ended =
      rec.child.signaled ? fmt::format("{} was ended by {}", name, signal_name(rec.child.code))
                         : fmt::format("{} exited with status {}", name, rec.child.code);
  if (!rec.list_error.empty()) {
    return Status::io_error(
        fmt::format("{}; cannot list the dumps in {}: {}", ended, shown_dir, rec.list_error));
  }
  for (const std::string& temp : rec.cut_short) {
    say(fmt::format("heapdump: {}: a dump cut short (its process ended while writing it)\n",
                    shell_word(join_path(plan.dir, temp))));
  }
  if (rec.dumps.empty()) {
    say(fmt::format(
        "heapdump: {}; no dumps were written to {}: it ended before a dump was due, or it did "
        "not run Ruby with RUBYOPT (ruby --disable=rubyopt ignores it)\n",
        ended, shown_dir));
    return Status::ok_status();
  }
  std::string list = fmt::format("heapdump: {}; {} in {}:\n", ended,
                                 plural(rec.dumps.size(), "dump"), shown_dir);
  for (const DumpName& d : rec.dumps) list += "  " + shell_word(join_path(plan.dir, d.name)) + "\n";
  list += rec.chosen.size() == 1 ? "heapdump: next: heapdump read" : "heapdump: next: heapdump diff";
  for (const DumpName& d : rec.chosen) list += " " + shell_word(join_path(plan.dir, d.name));
  if (rec.chosen.size() == 1) list += " all";
  say(list + "\n");
  return Status::ok_status();
}

}  // namespace heapdump
