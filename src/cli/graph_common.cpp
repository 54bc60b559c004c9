#include "cli/graph_common.hpp"

#include <fmt/format.h>

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "render/terminal_text.hpp"
namespace heapdump {

ObjectName LoadedGraph::class_name_of(uint32_t n) const {
  const uint64_t c = graph.class_address(n);
  return namer->name(graph.type(n), graph.imemo_type(n), graph.is_tracer(n), c != 0, c);
}

Cell LoadedGraph::name_of(uint32_t n) const {
  const std::string_view t = graph.type(n);
  if (t != "CLASS" && t != "MODULE") return Cell{};
  if (const std::string* name = names.find(graph.address(n))) return Cell{*name};
  return Cell{};
}

Cell LoadedGraph::location_of(uint32_t n) const {
  const std::string_view loc = graph.location(n);
  return loc.empty() ? Cell{} : Cell{std::string(loc)};
}

namespace {
struct GraphWork {
  GraphCollector collector;
  ClassNames names;
  TeeSink tee;
  GraphWork() {
    tee.add(collector);
    tee.add(names);
  }
};
}  // namespace

bool load_graph(const std::string& file, const CommonOptions& options, LoadedGraph* out) {
  // The graph commands allocate and free arrays of tens of MB one after the
  // other. With glibc's default, the mmap threshold climbs to 32 MB after the
  // first such free and later arrays come from the heap, where freed space is
  // seldom given back; a fixed 1 MB threshold keeps resident memory equal to
  // live memory.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  PhaseTimer timer;
  StderrReporter reporter(options);
  const unsigned threads = options.thread_count();
  std::vector<std::unique_ptr<GraphWork>> work;
  for (unsigned i = 0; i < threads; ++i) work.push_back(std::make_unique<GraphWork>());
  ReadOptions read_options = options.read_options(threads);
  read_options.decode_references = true;
  if (!read_file_parallel(
          file, [&](unsigned i) -> RecordSink& { return work[i]->tee; }, read_options, reporter,
          &out->stats)) {
    return false;
  }
  timer.lap("parse");
  std::vector<GraphCollector*> collectors;
  for (auto& w : work) {
    collectors.push_back(&w->collector);
    if (w != work.front()) out->names.merge(w->names);
  }
  out->names.merge(work.front()->names);
  out->graph = ObjectGraph::build(collectors);
  out->namer = std::make_unique<ObjectNamer>(out->names);
  work.clear();
  timer.lap("build");
  if (std::getenv("HEAPDUMP_TIMING") != nullptr) {
    const ObjectGraph& g = out->graph;
    const size_t edge_bytes = g.edge_count() * 4;
    print_error(fmt::format("graph: {} nodes, {} edges, {} bytes: {:.1f} per node + 4 per edge",
                            g.size(), g.edge_count(), g.memory_bytes(),
                            g.size() == 0 ? 0.0
                                          : static_cast<double>(g.memory_bytes() - edge_bytes) /
                                                static_cast<double>(g.size())));
  }
  const GraphStats& st = out->graph.stats();
  if (st.dangling_references + st.dangling_root_references > 0) {
    print_error(fmt::format("{}: {} references to objects that are not in the dump "
                            "(a partial dump?); they are left out",
                            file, st.dangling_references + st.dangling_root_references));
  }
  if (st.duplicate_addresses > 0) {
    print_error(fmt::format("{}: {} {} an address already seen (not a sound dump); the object "
                            "graph keeps one record per address and leaves the {} out",
                            file, st.duplicate_addresses,
                            st.duplicate_addresses == 1 ? "record repeats" : "records repeat",
                            st.duplicate_addresses == 1 ? "other" : "others"));
  }
  if (out->graph.size() > 0 && out->graph.roots().empty()) {
    if (st.root_records == 0) {
      print_error(fmt::format("{}: no ROOT records (a partial dump, dump_all(since:)?): "
                              "no object is reachable from a GC root",
                              file));
    } else {
      // ROOT records exist but lead nowhere: say which way.
      const bool one = st.root_records == 1;
      print_error(fmt::format(
          "{}: {} ROOT {}, but {}: no object is reachable from a GC root", file, st.root_records,
          one ? "record" : "records",
          st.dangling_root_references == 0
              ? (one ? "its references are empty" : "all their references are empty")
              : (one ? "it references only objects that are not in the dump"
                     : "they reference only objects that are not in the dump")));
    }
  }
  return true;
}

std::vector<Column> hop_columns(const std::string& first) {
  return {{first, Column::Kind::kCount},  {"hop", Column::Kind::kInteger},
          {"root", Column::Kind::kText},  {"address", Column::Kind::kText},
          {"type", Column::Kind::kText},  {"class", Column::Kind::kText},
          {"name", Column::Kind::kText},  {"location", Column::Kind::kText},
          {"memsize", Column::Kind::kBytes}};
}

namespace {
/// The row of hop i of `path`.
std::vector<Cell> path_row(const LoadedGraph& lg, const ShortestPaths& sp,
                           const std::vector<uint32_t>& path, size_t i, uint64_t key);
}  // namespace

void add_path_rows(const LoadedGraph& lg, const ShortestPaths& sp,
                   const std::vector<uint32_t>& path, uint64_t key, Table* table,
                   bool ends_only) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (ends_only && i == kPathEndHops && path.size() > 2 * kPathEndHops) {
      i = path.size() - kPathEndHops;
    }
    table->rows.push_back(path_row(lg, sp, path, i, key));
  }
}

void add_path_rows_on_demand(const LoadedGraph& lg, const ShortestPaths& sp,
                             std::vector<uint32_t> path, uint64_t key, Table* table) {
  auto hops = std::make_shared<const std::vector<uint32_t>>(std::move(path));
  table->row_source = [earlier = std::move(table->row_source), hops, key, &lg,
                       &sp](const Table::RowSink& emit) {
    if (earlier) earlier(emit);
    for (size_t i = 0; i < hops->size(); ++i) emit(path_row(lg, sp, *hops, i, key));
  };
}

namespace {
std::vector<Cell> path_row(const LoadedGraph& lg, const ShortestPaths& sp,
                           const std::vector<uint32_t>& path, size_t i, uint64_t key) {
  const uint32_t n = path[i];
  Cell root = i == 0 ? Cell{lg.graph.root_kind(sp.root_kind_of(n))} : Cell{};
  return {key, uint64_t{i}, root, format_address(lg.graph.address(n)),
          std::string(lg.graph.type(n)), lg.class_of(n), lg.name_of(n),
          lg.location_of(n), lg.graph.memsize(n)};
}
}  // namespace

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

Table graph_table(const LoadedGraph& lg, uint64_t reachable_objects, uint128 reachable_bytes) {
  const ObjectGraph& g = lg.graph;
  Table t;
  t.name = "graph";
  t.totals = {{"objects", g.size()},
              {"bytes", g.total_bytes()},
              {"edges", g.edge_count()},
              {"class_edges", g.stats().class_edges},
              {"root_references", g.stats().root_references},
              {"dangling_references",
               g.stats().dangling_references + g.stats().dangling_root_references},
              {"reachable_objects", reachable_objects},
              {"reachable_bytes", reachable_bytes},
              {"unreachable_objects", g.size() - reachable_objects},
              {"unreachable_bytes", g.total_bytes() - reachable_bytes}};
  return t;
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
