// Tables that list the hops of shortest paths, and the graph's totals:
// what `path` and `retained` share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/loaded_graph.hpp"
#include "graph/shortest_paths.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Columns of every table that lists path hops: `first` (the path or
/// suspect number), hop, root, address, type, class, name, location, memsize.
std::vector<Column> hop_columns(const std::string& first);

/// Appends one row per hop of `path` to `table`, starting with `key`.
/// Without `every_hop`, only the first and last kPathEndHops hops (all the
/// text output shows), so that a path of millions of hops takes no memory
/// to speak of. With it, the rows are made only when the table is rendered
/// (Table::row_source, after the rows of earlier calls): JSON and CSV get
/// every hop without holding them as cells. The table keeps `lg` and `sp`.
void add_path_rows(const std::shared_ptr<const LoadedGraph>& lg,
                   const std::shared_ptr<const ShortestPaths>& sp, std::vector<uint32_t> path,
                   uint64_t key, bool every_hop, Table* table);

/// The key of a merged view of paths (`path`'s merged_paths, the report's
/// why_alive): the class of node v, plus the name of a CLASS/MODULE.
std::string merged_path_key(const LoadedGraph& lg, uint32_t v);

/// A table "graph" with only totals, describing the graph.
Table graph_table(const LoadedGraph& lg, uint64_t reachable_objects, uint128 reachable_bytes);

}  // namespace heapdump
