#include "cli/graph_common.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace heapdump {

bool load_graph(const std::string& file, const CommonOptions& options,
                std::shared_ptr<const LoadedGraph>* out) {
  PhaseTimer timer;
  StderrReporter reporter(options);
  std::vector<std::string> notes;
  const Status s = read_graph(file, options.read_options(options.thread_count()), reporter, out,
                              &notes, [&timer](const char* what) { timer.lap(what); });
  if (!s.ok()) {
    print_error(s.message());
    return false;
  }
  if (std::getenv("HEAPDUMP_TIMING") != nullptr) print_error(graph_memory_line(**out));
  for (const std::string& note : notes) print_error(note);
  return true;
}

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

PhaseTimer::PhaseTimer() : on_(std::getenv("HEAPDUMP_TIMING") != nullptr), last_(now_seconds()) {}

void PhaseTimer::lap(const char* what) {
  if (!on_) return;
  const double t = now_seconds();
  // Peak and current resident memory so far, from /proc (Linux).
  std::string hwm, rss;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      std::string_view l(line);
      while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.remove_suffix(1);
      if (l.rfind("VmHWM:", 0) == 0) hwm = std::string(l.substr(6));
      if (l.rfind("VmRSS:", 0) == 0) rss = std::string(l.substr(6));
    }
    std::fclose(f);
  }
  print_error(fmt::format("timing: {} {:.3f}s (peak{}, now{})", what, t - last_, hwm, rss));
  last_ = t;
}

}  // namespace heapdump
