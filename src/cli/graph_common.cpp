#include "cli/graph_common.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "render/terminal_text.hpp"
namespace heapdump {

bool load_graph(const std::string& file, const CommonOptions& options,
                std::shared_ptr<const LoadedGraph>* out) {
  PhaseTimer timer;
  StderrReporter reporter(options);
  const unsigned threads = options.thread_count();
  GraphLoader loader(threads);
  ReadOptions read_options = options.read_options(threads);
  read_options.decode_references = true;
  if (!read_file_parallel(file, loader.sinks(), read_options, reporter)) return false;
  timer.lap("parse");
  std::vector<std::string> notes;
  *out = loader.finish(file, &notes);
  timer.lap("build");
  if (std::getenv("HEAPDUMP_TIMING") != nullptr) print_error(graph_memory_line(**out));
  for (const std::string& note : notes) print_error(note);
  return true;
}

namespace {
/// 4999980 -> "4,999,980".
std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
}  // namespace

void render_path_text(const Table& hops, uint64_t key, std::string* out) {
  // This path's rows (in hop order), at most kPathEndHops at each end.
  std::vector<const std::vector<Cell>*> rows;
  for (const auto& r : hops.rows) {
    if (as_int(r[0]) == key) rows.push_back(&r);
  }
  if (rows.size() > 2 * kPathEndHops) {
    rows.erase(rows.begin() + kPathEndHops, rows.end() - kPathEndHops);
  }
  // Aligned columns over the rows shown; the root kind first.
  std::vector<std::vector<std::string>> cells;
  std::vector<uint64_t> sizes;
  std::vector<uint64_t> left_out;  // hops left out before each row
  uint64_t next_hop = 0;
  for (const std::vector<Cell>* row : rows) {
    const auto& r = *row;
    if (cells.empty()) *out += fmt::format("  ROOT {}\n", terminal_text(as_text(r[2])));
    std::string cls = terminal_text(as_text(r[5]));
    if (!is_null(r[6])) cls += " " + terminal_text(as_text(r[6]));
    cells.push_back({decimal(as_int(r[1])), terminal_text(as_text(r[3])),
                     terminal_text(as_text(r[4])), cls,
                     is_null(r[7]) ? std::string("-") : terminal_text(as_text(r[7]))});
    sizes.push_back(as_int(r[8]));
    left_out.push_back(as_int(r[1]) - next_hop);
    next_hop = as_int(r[1]) + 1;
  }
  std::vector<std::string> head = {"hop", "address", "type", "class", "location"};
  std::vector<size_t> w(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    w[c] = head[c].size();
    for (const auto& row : cells) w[c] = std::max(w[c], row[c].size());
  }
  *out += fmt::format("  {:>{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>8}\n", head[0], w[0], head[1],
                      w[1], head[2], w[2], head[3], w[3], head[4], w[4], "memsize");
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& row = cells[i];
    if (left_out[i] > 0) {
      *out += fmt::format("  {:>{}}  \u2026 {} hops \u2026\n", "", w[0], with_commas(left_out[i]));
    }
    *out += fmt::format("  {:>{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>8}\n", row[0], w[0], row[1],
                        w[1], row[2], w[2], row[3], w[3], row[4], w[4], sizes[i]);
  }
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

std::string with_share(uint128 part, uint128 whole) {
  const double pct = whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  return fmt::format("{} ({:.1f}%)", part, pct);
}

}  // namespace heapdump
