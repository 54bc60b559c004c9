// What `path` and `retained` share: loading the object graph, naming nodes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "graph/object_graph.hpp"
#include "graph/paths.hpp"
#include "heapdump/allocation_tracer.hpp"
#include "heapdump/class_names.hpp"
#include "heapdump/names.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

struct LoadedGraph {
  LoadedGraph() = default;
  LoadedGraph(const LoadedGraph&) = delete;  // namer points into names
  LoadedGraph& operator=(const LoadedGraph&) = delete;

  ObjectGraph graph;
  ClassNames names;
  std::unique_ptr<ObjectNamer> namer;  ///< set by load_graph()
  ReadStats stats;

  /// The class of node n, as every command names it (heapdump/names.hpp).
  std::string class_of(uint32_t n) const { return class_name_of(n).text; }
  ObjectName class_name_of(uint32_t n) const;
  /// The name of a CLASS/MODULE node, or null.
  Cell name_of(uint32_t n) const;
  Cell location_of(uint32_t n) const;
};

/// Reads `file` with references decoded and builds the graph. Prints notes
/// about dangling references and missing roots to stderr. False on I/O error.
bool load_graph(const std::string& file, const CommonOptions& options, LoadedGraph* out);

/// Columns shared by every table that lists path hops.
std::vector<Column> hop_columns(const std::string& first);
/// Hops shown at each end of a long path in the text output; the ones
/// between are one line "… N hops …".
inline constexpr size_t kPathEndHops = 10;

/// Appends one row per hop of `path` to `table`, starting with `key`
/// (the path/suspect number). With `ends_only`, only the first and last
/// kPathEndHops hops (all the text output shows), so that a path of
/// millions of hops takes no memory to speak of.
void add_path_rows(const LoadedGraph& lg, const ShortestPaths& sp,
                   const std::vector<uint32_t>& path, uint64_t key, Table* table,
                   bool ends_only = false);

/// Like add_path_rows, but the rows are made only when the table is
/// rendered (Table::row_source, after the rows of earlier calls): JSON and
/// CSV get every hop of a path of millions without holding them as cells.
/// `lg` and `sp` must outlive the table's rendering.
void add_path_rows_on_demand(const LoadedGraph& lg, const ShortestPaths& sp,
                             std::vector<uint32_t> path, uint64_t key, Table* table);

/// Renders `path` (rows of one path in a hop table) for the text output:
/// at most the first and last kPathEndHops hops, with a line
/// "… 4,999,980 hops …" for those between (left out here, or by
/// add_path_rows: a gap in the hop numbers).
void render_path_text(const Table& hops, uint64_t key, std::string* out);

/// A table with only totals, describing the graph.
Table graph_table(const LoadedGraph& lg, uint64_t reachable_objects, uint128 reachable_bytes);

/// With HEAPDUMP_TIMING=1 in the environment, prints the time of each phase
/// to stderr (for benchmarking; off otherwise).
class PhaseTimer {
 public:
  PhaseTimer();
  void lap(const char* what);

 private:
  bool on_;
  double last_;
};

/// "12.3 kB"-free exact figure with a percentage, e.g. "1234 (12.5%)".
std::string with_share(uint128 part, uint128 whole);

}  // namespace heapdump
