#include "heapdump/retained.hpp"

#include <algorithm>
#include <future>
#include <numeric>
#include <string>
#include <unordered_map>

#include "analyze/flat_map.hpp"
#include "analyze/keyed_hash.hpp"
#include "graph/dominator_tree_view.hpp"
#include "graph/dominators.hpp"
#include "graph/hop_table.hpp"
#include "graph/loaded_graph.hpp"
#include "graph/shortest_paths.hpp"
#include "graph/why_alive.hpp"
#include "heapdump/gem.hpp"

namespace heapdump {
namespace {

constexpr Column::Kind kText = Column::Kind::kText;
constexpr Column::Kind kCount = Column::Kind::kCount;
constexpr Column::Kind kBytes = Column::Kind::kBytes;

/// Objects of one class (location, gem): how many, their own bytes, and the
/// bytes they retain together, each byte counted once.
struct RetainedGroup {
  uint64_t objects = 0;
  uint128 shallow = 0;  // exact: crafted memsizes add up past 2^64
  uint128 retained = 0;
  uint32_t first = kNoNode;  // first member by node id
  uint32_t biggest = kNoNode;  // member retaining the most
};

/// Group ids per node for one way of grouping, and the groups.
struct Grouping {
  std::vector<uint32_t> of;  // per node
  std::vector<RetainedGroup> groups;
};

/// Sums retained sizes per group over the dominator tree: a node counts for
/// its group only when no dominator above it belongs to the same group, so
/// the group's figure is the union of its members' retained sets.
void sum_groups(const ObjectGraph& g, const DominatorTree& t, const DominatorChildren& kids,
                std::vector<Grouping*> groupings) {
  for (Grouping* gr : groupings) {
    for (uint32_t v : t.preorder) {
      RetainedGroup& grp = gr->groups[gr->of[v]];
      ++grp.objects;
      grp.shallow += g.memsize(v);
      if (grp.first == kNoNode || v < grp.first) grp.first = v;
      if (grp.biggest == kNoNode || t.retained[v] > t.retained[grp.biggest] ||
          (t.retained[v] == t.retained[grp.biggest] && v < grp.biggest)) {
        grp.biggest = v;
      }
    }
  }
  std::vector<std::vector<uint32_t>> active;
  for (Grouping* gr : groupings) active.emplace_back(gr->groups.size(), 0);
  constexpr uint64_t kExit = uint64_t{1} << 32;
  std::vector<uint64_t> stack;
  for (const uint32_t* c = kids.begin(t.super_root); c != kids.end(t.super_root); ++c) {
    stack.push_back(*c);
  }
  while (!stack.empty()) {
    const uint64_t e = stack.back();
    stack.pop_back();
    const uint32_t v = static_cast<uint32_t>(e);
    if (e & kExit) {
      for (size_t k = 0; k < groupings.size(); ++k) --active[k][groupings[k]->of[v]];
      continue;
    }
    for (size_t k = 0; k < groupings.size(); ++k) {
      const uint32_t id = groupings[k]->of[v];
      if (active[k][id]++ == 0) groupings[k]->groups[id].retained += t.retained[v];
    }
    stack.push_back(e | kExit);
    for (const uint32_t* c = kids.begin(v); c != kids.end(v); ++c) stack.push_back(*c);
  }
}

/// Group ids in order of first appearance by node id, so ties are stable.
std::vector<uint32_t> ranked(const Grouping& gr, uint64_t limit) {
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < gr.groups.size(); ++i) {
    if (gr.groups[i].objects > 0) ids.push_back(i);
  }
  std::stable_sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
    const RetainedGroup& x = gr.groups[a];
    const RetainedGroup& y = gr.groups[b];
    if (x.retained != y.retained) return x.retained > y.retained;
    return x.first < y.first;
  });
  if (ids.size() > limit) ids.resize(limit);
  return ids;
}

Table group_table(const std::string& name, const std::string& key, const Grouping& gr,
                  const std::vector<Cell>& keys, uint64_t limit) {
  Table t;
  t.name = name;
  t.columns = {{key, kText}, {"objects", kCount}, {"shallow", kBytes}, {"retained", kBytes}};
  for (uint32_t id : ranked(gr, limit)) {
    const RetainedGroup& grp = gr.groups[id];
    t.rows.push_back(make_row(keys[id], grp.objects, int_cell(grp.shallow), int_cell(grp.retained)));
  }
  t.totals = {{"groups", static_cast<uint64_t>(std::count_if(
                             gr.groups.begin(), gr.groups.end(),
                             [](const RetainedGroup& x) { return x.objects > 0; }))}};
  return t;
}

/// Where a suspect's memory piles up: go down the dominator tree while one
/// child holds at least 80% of its parent's retained size (`retained`: the
/// sizes to use, with the allocation tracer's left out unless it counts).
uint32_t accumulation_point(const DominatorChildren& kids, const WideSizes& retained,
                            uint32_t v) {
  for (;;) {
    uint32_t best = kNoNode;
    for (const uint32_t* c = kids.begin(v); c != kids.end(v); ++c) {
      if (best == kNoNode || retained[*c] > retained[best]) best = *c;
    }
    if (best == kNoNode || retained[best] == 0 || retained[best] * 5 < retained[v] * 4) return v;
    v = best;
  }
}

/// A class group's accumulation point: from the super-root, go down to the
/// child holding the most of the group's retained bytes while it holds at
/// least 80% of them. kNoNode when they are spread over the roots.
uint32_t group_accumulation_point(const ObjectGraph& g, const DominatorTree& t,
                                  const DominatorChildren& kids, const Grouping& gr,
                                  uint32_t group) {
  const size_t n = g.size();
  WideSizes below(n);
  std::vector<uint8_t> covered(n, 0);
  for (uint32_t v : t.preorder) {  // dominators first
    const uint32_t d = t.idom[v];
    covered[v] = gr.of[v] == group || (d != t.super_root && covered[d]);
    if (covered[v]) below.set(v, g.memsize(v));
  }
  uint128 total = 0;
  for (size_t i = t.preorder.size(); i-- > 0;) {
    const uint32_t v = t.preorder[i];
    const uint32_t d = t.idom[v];
    if (d == t.super_root) {
      total += below[v];
    } else {
      below.add(d, below[v]);
    }
  }
  uint32_t at = kNoNode;
  uint128 at_bytes = total;
  for (;;) {
    const uint32_t from = at == kNoNode ? t.super_root : at;
    uint32_t best = kNoNode;
    for (const uint32_t* c = kids.begin(from); c != kids.end(from); ++c) {
      if (best == kNoNode || below[*c] > below[best]) best = *c;
    }
    if (best == kNoNode || below[best] * 5 < at_bytes * 4 || below[best] == 0) return at;
    // Stop at the object that holds the group, not inside one member.
    if (gr.of[best] == group) return at == kNoNode ? best : at;
    at = best;
    at_bytes = below[best];
  }
}

}  // namespace

std::vector<Table> retained_tables(std::shared_ptr<const LoadedGraph> graph,
                                   const RetainedOptions& options) {
  const LoadedGraph& lg = *graph;
  auto lap = [&options](const char* what) {
    if (options.on_phase) options.on_phase(what);
  };
  const ObjectGraph& g = lg.graph;
  const DominatorTree t = compute_dominators(g);
  lap("dominators");
  const DominatorChildren kids = dominator_children(t);
  const uint128 heap = g.total_bytes();
  const uint64_t n = g.size();

  // Groupings: class, location, gem.
  Grouping by_class, by_location, by_gem;
  std::vector<Cell> class_keys, location_keys, gem_keys;
  {
    // Per type id (IMEMO types apart), class address -> group; one group
    // per name (class_of), so addresses of one name are summed.
    std::vector<FlatMap<uint64_t, uint32_t, U64KeyOps>> ids;
    std::unordered_map<std::string, uint32_t, KeyedStringHash> by_name;  // names from the dump: keyed
    by_class.of.resize(n);
    for (uint32_t v = 0; v < n; ++v) {
      const uint32_t type = g.type_id(v);
      if (type >= ids.size()) ids.resize(type + 1);
      // The allocation tracer is a group of its own.
      const uint64_t key = g.is_tracer(v) ? UINT64_MAX : g.class_address(v);
      bool inserted = false;
      uint32_t& id = ids[type].find_or_insert(key, &inserted);
      if (inserted) {
        std::string name = lg.class_of(v);
        auto [it, added] = by_name.try_emplace(name, static_cast<uint32_t>(class_keys.size()));
        if (added) class_keys.push_back(std::move(name));
        id = it->second;
      }
      by_class.of[v] = id;
    }
    by_class.groups.resize(class_keys.size());
  }
  {
    // Gems as `read --by gem` names them (heapdump/gem.hpp): "NAME-VERSION",
    // "ruby/lib", "app", ...; objects without allocation info: "(no file)".
    FlatMap<std::string_view, uint32_t, StringKeyOps> gems;
    std::vector<uint32_t> gem_of_location(g.location_count());
    std::vector<std::string> names_of_location(g.location_count());
    for (uint32_t l = 0; l < g.location_count(); ++l) {
      location_keys.push_back(l == 0 ? Cell{} : Cell{std::string(g.location_name(l))});
      names_of_location[l] =
          l == 0 ? std::string(kNoFileGroup) : gem_of(location_file(g.location_name(l)));
    }
    for (uint32_t l = 0; l < g.location_count(); ++l) {
      bool inserted = false;
      uint32_t& id = gems.find_or_insert(names_of_location[l], &inserted);
      if (inserted) {
        id = static_cast<uint32_t>(gem_keys.size());
        gem_keys.push_back(Cell{names_of_location[l]});
      }
      gem_of_location[l] = id;
    }
    by_location.of.resize(n);
    by_gem.of.resize(n);
    for (uint32_t v = 0; v < n; ++v) {
      by_location.of[v] = g.location_id(v);
      by_gem.of[v] = gem_of_location[g.location_id(v)];
    }
    by_location.groups.resize(location_keys.size());
    by_gem.groups.resize(gem_keys.size());
  }
  sum_groups(g, t, kids, {&by_class, &by_location, &by_gem});
  lap("groups");
  // The report's tree view needs only the dominator tree and the class
  // groups: it is built on a second thread beside the tables below.
  // (std::async: its future waits for the thread if the tables below throw,
  // and get() passes on what the thread threw.)
  std::future<Table> tree;
  if (options.tree_view) {
    tree = std::async(std::launch::async, [&] {
      std::vector<std::string> names;
      for (const Cell& c : class_keys) names.push_back(as_text(c));
      return dominator_tree_table(dominator_tree_view(g, t, kids, by_class.of), names);
    });
  }

  std::vector<Table> tables;
  tables.push_back(graph_table(lg, t.reachable_count(), t.reachable_bytes));

  // Ruby's allocation tracer: what it retains, and the sizes the leak
  // suspects are judged by, with its memory left out (unless
  // --include-tracer): each of its dominators retains that much less, and
  // it and what it dominates are never suspects.
  std::vector<uint8_t> in_tracer(n, 0);
  uint128 tracer_bytes = 0;
  for (uint32_t v : t.preorder) {  // dominators first
    const uint32_t d = t.idom[v];
    const bool under = d != t.super_root && in_tracer[d];
    in_tracer[v] = under || g.is_tracer(v);
    if (in_tracer[v] && !under) tracer_bytes += t.retained[v];
  }
  WideSizes judged(t.retained);
  if (!options.include_tracer) {
    for (uint32_t x : g.tracers()) {
      if (!t.reachable(x) || (t.idom[x] != t.super_root && in_tracer[t.idom[x]])) continue;
      for (uint32_t d = t.idom[x]; d != t.super_root; d = t.idom[d]) judged.sub(d, t.retained[x]);
    }
    for (uint32_t v = 0; v < n; ++v) {
      if (in_tracer[v]) judged.set(v, 0);
    }
  }
  tables[0].totals.push_back({"allocation_tracer_bytes", tracer_bytes});

  // Top retainers.
  std::vector<uint32_t> top_nodes;  // in rank order
  auto object_columns = [] {
    return std::vector<Column>{{"address", kText},  {"type", kText},     {"class", kText},
                               {"name", kText},     {"location", kText}, {"shallow", kBytes},
                               {"retained", kBytes}};
  };
  auto object_row = [&](uint32_t v) -> std::vector<Cell> {
    return make_row(format_address(g.address(v)), std::string(g.type(v)), lg.class_of(v),
                    lg.name_of(v), lg.location_of(v), g.memsize(v), int_cell(t.retained[v]));
  };
  {
    Table top;
    top.name = "top_retainers";
    top.columns = object_columns();
    std::vector<uint32_t> order(t.preorder);
    const size_t k = std::min<size_t>(order.size(), options.lines);
    auto by_retained = [&](uint32_t a, uint32_t b) {
      if (t.retained[a] != t.retained[b]) return t.retained[a] > t.retained[b];
      return a < b;
    };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), by_retained);
    for (size_t i = 0; i < k; ++i) top.rows.push_back(object_row(order[i]));
    top_nodes.assign(order.begin(), order.begin() + k);
    tables.push_back(std::move(top));
  }
  tables.push_back(
      group_table("retained_by_class", "class", by_class, class_keys, options.lines));
  tables.push_back(
      group_table("retained_by_location", "location", by_location, location_keys, options.lines));
  tables.push_back(group_table("retained_by_gem", "gem", by_gem, gem_keys, options.lines));

  // Leak suspects: the deepest objects retaining >= threshold% of the heap
  // (no dominated object does too), then classes that do.
  const auto sp = std::make_shared<const ShortestPaths>(shortest_paths(g));
  lap("paths");
  Table suspects;
  suspects.name = "leak_suspects";
  suspects.columns = {{"suspect", kCount},
                      {"kind", kText},
                      {"class", kText},
                      {"address", kText},
                      {"objects", kCount},
                      {"retained", kBytes},
                      {"accumulation_address", kText},
                      {"accumulation_type", kText},
                      {"accumulation_class", kText},
                      {"accumulation_location", kText},
                      {"accumulation_retained", kBytes}};
  Table suspect_paths;
  suspect_paths.name = "suspect_paths";
  suspect_paths.columns = hop_columns("suspect");
  // 128-bit products: bytes < 2^96 and the threshold is at most 100.
  std::vector<uint32_t> why_targets;  // the suspects' accumulation points, then top retainers
  auto big = [&](uint128 bytes) { return heap > 0 && bytes * 100 >= heap * options.threshold; };
  auto add_suspect = [&](const std::string& kind, const Cell& cls, const Cell& address,
                         uint64_t objects, uint128 retained, uint32_t acc) {
    const uint64_t key = suspects.rows.size() + 1;
    if (acc == kNoNode) {
      suspects.rows.push_back(make_row(key, kind, cls, address, objects, int_cell(retained), Cell{},
                                       Cell{}, Cell{}, Cell{}, Cell{}));
      return;
    }
    why_targets.push_back(acc);
    suspects.rows.push_back(make_row(key, kind, cls, address, objects, int_cell(retained),
                                     format_address(g.address(acc)), std::string(g.type(acc)),
                                     lg.class_of(acc), lg.location_of(acc),
                                     int_cell(t.retained[acc])));
    add_path_rows(graph, sp, sp->path_to(acc), key, options.every_hop, &suspect_paths);
  };
  {
    std::vector<uint32_t> objs;
    for (uint32_t v : t.preorder) {
      if (!big(judged[v])) continue;
      bool deeper = false;
      for (const uint32_t* c = kids.begin(v); c != kids.end(v) && !deeper; ++c) {
        deeper = big(judged[*c]);
      }
      if (!deeper) objs.push_back(v);
    }
    std::stable_sort(objs.begin(), objs.end(),
                     [&](uint32_t a, uint32_t b) { return t.retained[a] > t.retained[b]; });
    for (uint32_t v : objs) {
      add_suspect("object", lg.class_of(v), format_address(g.address(v)), 1, t.retained[v],
                  accumulation_point(kids, judged, v));
    }
    for (uint32_t id : ranked(by_class, by_class.groups.size())) {
      const RetainedGroup& grp = by_class.groups[id];
      if (!big(grp.retained)) break;
      if (!options.include_tracer && grp.first != kNoNode && g.is_tracer(grp.first)) continue;
      // A group that one member dominates is that member's story (listed
      // above when it is big enough); list groups whose memory is spread.
      if (t.retained[grp.biggest] * 5 >= grp.retained * 4) continue;
      add_suspect("class", class_keys[id], Cell{}, grp.objects, grp.retained,
                  group_accumulation_point(g, t, kids, by_class, id));
    }
  }
  tables.push_back(std::move(suspects));
  tables.push_back(std::move(suspect_paths));

  // Unreachable objects, largest first.
  {
    Table un;
    un.name = "unreachable";
    un.columns = {{"address", kText}, {"type", kText},     {"class", kText},
                  {"name", kText},    {"location", kText}, {"memsize", kBytes}};
    std::vector<uint32_t> order;
    uint128 bytes = 0;
    for (uint32_t v = 0; v < n; ++v) {
      if (t.reachable(v)) continue;
      order.push_back(v);
      bytes += g.memsize(v);
    }
    const uint64_t count = order.size();
    const size_t k = std::min<size_t>(order.size(), options.lines);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](uint32_t a, uint32_t b) {
      if (g.memsize(a) != g.memsize(b)) return g.memsize(a) > g.memsize(b);
      return a < b;
    });
    for (size_t i = 0; i < k; ++i) {
      const uint32_t v = order[i];
      un.rows.push_back({format_address(g.address(v)), std::string(g.type(v)), lg.class_of(v),
                         lg.name_of(v), lg.location_of(v), g.memsize(v)});
    }
    un.totals = {{"objects", count}, {"bytes", bytes}};
    tables.push_back(std::move(un));
  }

  lap("tables");
  if (options.tree_view) {
    tables.push_back(tree.get());
    lap("tree");
  }
  if (options.why_alive) {
    why_targets.insert(why_targets.end(), top_nodes.begin(), top_nodes.end());
    tables.push_back(why_alive_table(lg, *sp, t.retained, why_targets));
    lap("why alive");
  }
  return tables;
}

}  // namespace heapdump
