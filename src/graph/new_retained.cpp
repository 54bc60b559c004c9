#include "heapdump/new_retained.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "analyze/flat_map.hpp"
#include "analyze/keyed_hash.hpp"
#include "graph/dominators.hpp"
#include "graph/loaded_graph.hpp"
#include "graph/shortest_paths.hpp"
#include "graph/why_alive.hpp"
#include "heapdump/names.hpp"

namespace heapdump {

std::vector<Table> new_retained_tables(std::shared_ptr<const LoadedGraph> graph,
                                       std::vector<uint64_t> new_addresses, uint64_t lines,
                                       bool include_tracer) {
  const LoadedGraph& lg = *graph;
  const ObjectGraph& g = lg.graph;
  const uint32_t n = g.size();
  std::vector<uint8_t> is_new(n, 0);
  for (uint64_t a : new_addresses) {
    const uint32_t v = g.find(a);
    if (v != kNoNode && (include_tracer || !g.is_tracer(v))) is_new[v] = 1;
  }
  std::vector<uint64_t>().swap(new_addresses);
  const DominatorTree t = compute_dominators(g);
  const DominatorChildren kids = dominator_children(t);

  // Class groups of the new objects (one per name, the tracer apart), and
  // what each retains, each byte once: a member counts when no dominator
  // above it is a new member of its group.
  struct Group {
    Cell name;
    uint64_t objects = 0;
    uint128 shallow = 0, retained = 0;
    uint32_t first = kNoNode;
  };
  std::vector<Group> groups;
  std::vector<uint32_t> group_of(n, kNoNode);
  {
    std::vector<FlatMap<uint64_t, uint32_t, U64KeyOps>> ids;
    std::unordered_map<std::string, uint32_t, KeyedStringHash> by_name;
    for (uint32_t v = 0; v < n; ++v) {
      if (!is_new[v]) continue;
      const uint32_t type = g.type_id(v);
      if (type >= ids.size()) ids.resize(type + 1);
      bool inserted = false;
      uint32_t& id = ids[type].find_or_insert(g.is_tracer(v) ? UINT64_MAX : g.class_address(v), &inserted);
      if (inserted) {
        std::string name = lg.class_of(v);
        auto [it, added] = by_name.try_emplace(name, static_cast<uint32_t>(groups.size()));
        if (added) groups.push_back({Cell{std::move(name)}, 0, 0, 0, v});
        id = it->second;
      }
      group_of[v] = id;
      Group& grp = groups[id];
      ++grp.objects;
      grp.shallow += g.memsize(v);
    }
  }
  uint64_t objects = 0, unreachable = 0;
  uint128 bytes = 0, retained_once = 0;
  {
    std::vector<uint32_t> active(groups.size(), 0);
    uint32_t new_above = 0;  // new objects among the dominators of the node
    constexpr uint64_t kExit = uint64_t{1} << 32;
    std::vector<uint64_t> stack(kids.begin(t.super_root), kids.end(t.super_root));
    while (!stack.empty()) {
      const uint64_t e = stack.back();
      stack.pop_back();
      const auto v = static_cast<uint32_t>(e);
      if (!is_new[v]) {
        if (!(e & kExit)) {
          for (const uint32_t* c = kids.begin(v); c != kids.end(v); ++c) stack.push_back(*c);
        }
        continue;
      }
      const uint32_t id = group_of[v];
      if (e & kExit) {
        --active[id];
        --new_above;
        continue;
      }
      if (active[id]++ == 0) groups[id].retained += t.retained[v];
      if (new_above++ == 0) retained_once += t.retained[v];
      stack.push_back(e | kExit);
      for (const uint32_t* c = kids.begin(v); c != kids.end(v); ++c) stack.push_back(*c);
    }
  }
  std::vector<uint32_t> order;  // the new reachable objects
  for (uint32_t v = 0; v < n; ++v) {
    if (!is_new[v]) continue;
    ++objects;
    bytes += g.memsize(v);
    if (t.reachable(v)) {
      order.push_back(v);
    } else {
      ++unreachable;
    }
  }
  const size_t k = std::min<size_t>(order.size(), lines);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](uint32_t a, uint32_t b) {
    if (t.retained[a] != t.retained[b]) return t.retained[a] > t.retained[b];
    return a < b;
  });
  order.resize(k);

  std::vector<Table> tables;
  Table top;
  top.name = "new_retainers";
  top.columns = {{"address", Column::Kind::kText},  {"type", Column::Kind::kText},
                 {"class", Column::Kind::kText},    {"name", Column::Kind::kText},
                 {"location", Column::Kind::kText}, {"shallow", Column::Kind::kBytes},
                 {"retained", Column::Kind::kBytes}};
  for (uint32_t v : order) {
    top.rows.push_back(make_row(format_address(g.address(v)), std::string(g.type(v)),
                                lg.class_of(v), lg.name_of(v), lg.location_of(v), g.memsize(v),
                                int_cell(t.retained[v])));
  }
  top.totals = {{"objects", objects},
                {"bytes", bytes},
                {"retained", retained_once},
                {"unreachable_objects", unreachable},
                {"heap_bytes", g.total_bytes()}};
  tables.push_back(std::move(top));

  Table by_class;
  by_class.name = "new_retained_by_class";
  by_class.columns = {{"class", Column::Kind::kText},
                      {"objects", Column::Kind::kCount},
                      {"shallow", Column::Kind::kBytes},
                      {"retained", Column::Kind::kBytes}};
  std::vector<uint32_t> ids(groups.size());
  for (uint32_t i = 0; i < ids.size(); ++i) ids[i] = i;
  std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
    if (groups[a].retained != groups[b].retained) return groups[a].retained > groups[b].retained;
    return groups[a].first < groups[b].first;
  });
  for (size_t i = 0; i < ids.size() && i < lines; ++i) {
    const Group& grp = groups[ids[i]];
    by_class.rows.push_back(
        make_row(grp.name, grp.objects, int_cell(grp.shallow), int_cell(grp.retained)));
  }
  by_class.totals = {{"groups", uint64_t{groups.size()}}};
  tables.push_back(std::move(by_class));

  const ShortestPaths sp = shortest_paths(g);
  tables.push_back(why_alive_table(lg, sp, t.retained, order));
  return tables;
}

}  // namespace heapdump
