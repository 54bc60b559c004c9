#include "graph/hop_table.hpp"

#include "heapdump/names.hpp"

namespace heapdump {

std::string merged_path_key(const LoadedGraph& lg, uint32_t v) {
  std::string key = lg.class_of(v);
  const Cell name = lg.name_of(v);
  if (!is_null(name)) key += " " + as_text(name);
  return key;
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
                           const std::vector<uint32_t>& path, size_t i, uint64_t key) {
  const uint32_t n = path[i];
  Cell root = i == 0 ? Cell{lg.graph.root_kind(sp.root_kind_of(n))} : Cell{};
  return {key, uint64_t{i}, root, format_address(lg.graph.address(n)),
          std::string(lg.graph.type(n)), lg.class_of(n), lg.name_of(n),
          lg.location_of(n), lg.graph.memsize(n)};
}
}  // namespace

void add_path_rows(const std::shared_ptr<const LoadedGraph>& lg,
                   const std::shared_ptr<const ShortestPaths>& sp, std::vector<uint32_t> path,
                   uint64_t key, bool every_hop, Table* table) {
  if (!every_hop) {
    for (size_t i = 0; i < path.size(); ++i) {
      if (i == kPathEndHops && path.size() > 2 * kPathEndHops) i = path.size() - kPathEndHops;
      table->rows.push_back(path_row(*lg, *sp, path, i, key));
    }
    return;
  }
  auto hops = std::make_shared<const std::vector<uint32_t>>(std::move(path));
  table->row_source = [earlier = std::move(table->row_source), hops, key, lg,
                       sp](const Table::RowSink& emit) {
    if (earlier) earlier(emit);
    for (size_t i = 0; i < hops->size(); ++i) emit(path_row(*lg, *sp, *hops, i, key));
  };
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

}  // namespace heapdump
