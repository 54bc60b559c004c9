#include "heapdump/path.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "analyze/flat_map.hpp"
#include "analyze/keyed_hash.hpp"
#include "graph/hop_table.hpp"
#include "graph/loaded_graph.hpp"
#include "graph/shortest_paths.hpp"
#include "graph/wide_sizes.hpp"
#include "heapdump/names.hpp"
#include "parse/address.hpp"

namespace heapdump {
namespace {

constexpr Column::Kind kText = Column::Kind::kText;
constexpr Column::Kind kCount = Column::Kind::kCount;
constexpr Column::Kind kBytes = Column::Kind::kBytes;
constexpr Column::Kind kInteger = Column::Kind::kInteger;

/// One node of the merged view: the paths' objects grouped by class, level
/// by level from the root kind down.
struct TrieNode {
  uint32_t parent;
  uint32_t depth;
  std::string key;       // class (or "ROOT kind" at depth 0)
  uint64_t objects = 0;  // distinct objects on the paths at this place
  uint64_t targets = 0;  // targets whose path goes through here
  uint128 target_bytes = 0;  // exact: crafted memsizes add up past 2^64
  uint32_t first = kNoNode;  // the object, when objects == 1
  std::vector<uint32_t> children;
};

struct TrieKey {
  uint32_t parent;
  std::string_view key;
};
struct TrieKeyOps {
  static uint64_t hash(const TrieKey& k) { return mix64(k.parent) ^ hash_bytes(k.key); }
  static bool equal(const TrieKey& a, const TrieKey& b) {
    return a.parent == b.parent && a.key == b.key;
  }
};

/// Splits a location name "FILE:LINE" (or "FILE:") at its last ':'.
void split_location(std::string_view name, std::string_view* file, std::string_view* line) {
  const size_t colon = name.rfind(':');
  *file = colon == std::string_view::npos ? name : name.substr(0, colon);
  *line = colon == std::string_view::npos ? std::string_view() : name.substr(colon + 1);
}

/// Marks in `hit` (by location id) the locations that `query` names:
/// "FILE:LINE" or "FILE:" exactly as printed; else FILE may be the end of
/// one file's path (after a '/'), and without ":LINE" it names every line
/// of the file. Status::invalid_argument when FILE ends several paths.
Status match_locations(const ObjectGraph& g, std::string_view query, std::vector<uint8_t>* hit) {
  hit->assign(g.location_count(), 0);
  bool exact = false;
  for (uint32_t l = 1; l < g.location_count(); ++l) {
    if (g.location_name(l) == query) (*hit)[l] = exact = true;
  }
  if (exact) return Status();
  std::string_view qfile = query, qline;
  bool by_line = false;
  const size_t colon = query.rfind(':');
  if (colon != std::string_view::npos &&
      query.find_first_not_of("0123456789", colon + 1) == std::string_view::npos) {
    qfile = query.substr(0, colon);
    qline = query.substr(colon + 1);
    by_line = true;
  }
  if (qfile.empty()) return Status();
  // The files whose path is qfile or ends with "/" + qfile (qfile itself wins).
  std::vector<std::string_view> files;
  bool whole = false;
  for (uint32_t l = 1; l < g.location_count(); ++l) {
    std::string_view file, line;
    split_location(g.location_name(l), &file, &line);
    const bool same = file == qfile;
    const bool suffix = file.size() > qfile.size() &&
                        file.compare(file.size() - qfile.size(), qfile.size(), qfile) == 0 &&
                        file[file.size() - qfile.size() - 1] == '/';
    if (same && !whole) {
      whole = true;
      files.clear();
    }
    if ((same || (suffix && !whole)) &&
        std::find(files.begin(), files.end(), file) == files.end()) {
      files.push_back(file);
    }
  }
  if (files.size() > 1) {
    std::sort(files.begin(), files.end());
    std::string list;
    for (size_t i = 0; i < files.size() && i < 8; ++i) {
      list += (i == 0 ? "" : ", ") + std::string(files[i]);
    }
    if (files.size() > 8) list += fmt::format(", and {} more", files.size() - 8);
    return Status::invalid_argument(fmt::format(
        "--location {} ends the path of {} files: {}; give more of the path", query,
        files.size(), list));
  }
  if (files.empty()) return Status();
  for (uint32_t l = 1; l < g.location_count(); ++l) {
    std::string_view file, line;
    split_location(g.location_name(l), &file, &line);
    if (file == files[0] && (!by_line || line == qline)) (*hit)[l] = 1;
  }
  return Status();
}

}  // namespace

std::string describe(const PathTarget& target) {
  if (target.by_address) return format_address(target.address);
  if (!target.class_name.empty()) return "class " + target.class_name;
  return "location " + target.location;
}

Status path_tables(std::shared_ptr<const LoadedGraph> graph, const PathTarget& target,
                   const PathOptions& options, std::vector<Table>* tables) {
  const LoadedGraph& lg = *graph;
  const ObjectGraph& g = lg.graph;
  const uint32_t n = g.size();

  // The targets, in node (address) order.
  std::vector<uint8_t> is_target(n, 0);
  std::vector<uint32_t> targets;
  const std::string what = describe(target);
  if (target.by_address) {
    const uint32_t v = g.find(target.address);
    if (v != kNoNode) targets.push_back(v);
  } else if (!target.class_name.empty()) {
    // Every name a command prints: ObjectNamer's, compare's sums of the
    // classes named by an address, and "#<Class:0xADDRESS>" for the
    // objects whose class is at ADDRESS (as the drill-down names them).
    uint64_t class_address = 0;
    const std::string_view q = target.class_name;
    const bool by_address = q.size() > 9 && q.rfind("#<Class:", 0) == 0 && q.back() == '>' &&
                            parse_address(q.substr(8, q.size() - 9), &class_address);
    // Per type id (IMEMO types apart), class address -> 1 match, 2 no.
    std::vector<FlatMap<uint64_t, uint8_t, U64KeyOps>> match;
    std::vector<std::string> seen_names;  // distinct names, in node order
    for (uint32_t v = 0; v < n; ++v) {
      const uint32_t t = g.type_id(v);
      if (t >= match.size()) match.resize(t + 1);
      const uint64_t c = g.class_address(v);
      // The tracer is named apart from the other objects of its class.
      const uint64_t key = g.is_tracer(v) ? UINT64_MAX : c;
      bool inserted = false;
      uint8_t& m = match[t].find_or_insert(key, &inserted);
      if (inserted) {
        const ObjectName name = lg.class_name_of(v);
        bool hit = name.text == q ||
                   (name.kind == NameKind::kAnonymousClass && q == kAnonymousClassesGroup) ||
                   (name.kind == NameKind::kUnnamedSingleton && q == kUnnamedSingletonsGroup) ||
                   (by_address && name.kind != NameKind::kTracer && name.kind != NameKind::kNoClass &&
                    c == class_address);
        m = hit ? 1 : 2;
        if (!hit) seen_names.push_back(name.text);
      }
      if (m == 1) targets.push_back(v);
    }
    if (targets.empty()) {
      std::sort(seen_names.begin(), seen_names.end());
      seen_names.erase(std::unique(seen_names.begin(), seen_names.end()), seen_names.end());
      seen_names.emplace_back(kAnonymousClassesGroup);
      seen_names.emplace_back(kUnnamedSingletonsGroup);
      const std::vector<std::string> close = close_names(q, seen_names, 8);
      std::string list;
      for (const std::string& c : close) list += (list.empty() ? "" : ", ") + c;
      return Status::not_found(fmt::format(
          "no object matches {}{}", what, close.empty() ? std::string() : "; close names: " + list));
    }
  } else {
    std::vector<uint8_t> hit;
    const Status s = match_locations(g, target.location, &hit);
    if (!s.ok()) return s;
    for (uint32_t v = 0; v < n; ++v) {
      if (hit[g.location_id(v)]) targets.push_back(v);
    }
  }
  if (targets.empty()) {
    return Status::not_found(fmt::format("no object matches {}", what));
  }
  for (uint32_t v : targets) is_target[v] = 1;

  const auto shared_sp = std::make_shared<const ShortestPaths>(shortest_paths(g));
  const ShortestPaths& sp = *shared_sp;
  // Depth of every reachable node, and per node the targets below it in the BFS tree.
  std::vector<uint32_t> depth(n, 0);
  std::vector<uint64_t> below(n, 0);
  WideSizes below_bytes(n);  // exact: crafted memsizes add up past 2^64
  for (uint32_t v : sp.order) {
    const uint32_t p = sp.parent[v];
    if (p != ShortestPaths::kRootParent) depth[v] = depth[p] + 1;
  }
  uint64_t reachable_targets = 0;
  uint128 target_bytes = 0;
  for (uint32_t v : targets) {
    target_bytes += g.memsize(v);
    if (!sp.reachable(v)) continue;
    ++reachable_targets;
    below[v] = 1;
    below_bytes.set(v, g.memsize(v));
  }
  for (size_t i = sp.order.size(); i-- > 0;) {
    const uint32_t v = sp.order[i];
    const uint32_t p = sp.parent[v];
    if (p != ShortestPaths::kRootParent && below[v] > 0) {
      below[p] += below[v];
      below_bytes.add(p, below_bytes[v]);
    }
  }

  // Accumulation point: the deepest object on the paths of at least half
  // the reachable targets (and of two at least).
  Table acc;
  acc.name = "accumulation_point";
  acc.columns = {{"address", kText}, {"type", kText},     {"class", kText},
                 {"name", kText},    {"location", kText}, {"memsize", kBytes},
                 {"depth", kInteger}, {"targets", kCount}, {"target_bytes", kBytes}};
  uint32_t best = kNoNode;
  if (reachable_targets >= 2) {
    for (uint32_t v : sp.order) {
      if (below[v] >= 2 && below[v] * 2 >= reachable_targets &&
          (best == kNoNode || depth[v] > depth[best])) {
        best = v;
      }
    }
    if (best != kNoNode) {
      acc.rows.push_back(make_row(format_address(g.address(best)), std::string(g.type(best)),
                                  lg.class_of(best), lg.name_of(best), lg.location_of(best),
                                  g.memsize(best), uint64_t{depth[best]}, below[best],
                                  int_cell(below_bytes[best])));
    }
  }

  // Merged view: BFS-tree nodes on a target's path, grouped by class per level.
  Table merged;
  merged.name = "merged_paths";
  merged.columns = {{"depth", kInteger},        {"class", kText},   {"objects", kCount},
                    {"address", kText},         {"targets", kCount}, {"target_bytes", kBytes}};
  std::vector<uint32_t> trie_of(n, kNoNode);  // BFS-tree node -> merged-view node
  {
    std::vector<TrieNode> trie;
    FlatMap<TrieKey, uint32_t, TrieKeyOps> index;
    std::vector<std::unique_ptr<std::string>> keep;  // keys outlive the map's views
    auto child = [&](uint32_t parent, std::string key) -> uint32_t {
      keep.push_back(std::make_unique<std::string>(std::move(key)));
      bool inserted = false;
      uint32_t& id = index.find_or_insert({parent, *keep.back()}, &inserted);
      if (inserted) {
        id = static_cast<uint32_t>(trie.size());
        trie.push_back({parent, parent == kNoNode ? 0 : trie[parent].depth + 1, *keep.back(), 0, 0, 0, kNoNode, {}});
        if (parent != kNoNode) trie[parent].children.push_back(id);
      } else {
        keep.pop_back();
      }
      return id;
    };
    std::vector<uint32_t> tops;
    for (uint32_t v : sp.order) {
      if (below[v] == 0) continue;
      const uint32_t p = sp.parent[v];
      uint32_t id;
      if (p == ShortestPaths::kRootParent) {
        const uint32_t root = child(kNoNode, "ROOT " + g.root_kind(sp.root_kind_of(v)));
        if (trie[root].objects == 0) tops.push_back(root);
        trie[root].objects = 1;
        trie[root].targets += below[v];
        trie[root].target_bytes += below_bytes[v];
        id = child(root, merged_path_key(lg, v));
      } else {
        id = child(trie_of[p], merged_path_key(lg, v));
      }
      trie_of[v] = id;
      TrieNode& t = trie[id];
      if (t.objects++ == 0) t.first = v;
      t.targets += below[v];
      t.target_bytes += below_bytes[v];
    }
    // Pre-order, children by targets (ties: first seen), at most `lines` rows.
    auto by_targets = [&](std::vector<uint32_t>* ids) {
      std::stable_sort(ids->begin(), ids->end(),
                       [&](uint32_t a, uint32_t b) { return trie[a].targets > trie[b].targets; });
    };
    by_targets(&tops);
    std::vector<uint32_t> stack(tops.rbegin(), tops.rend());
    while (!stack.empty() && merged.rows.size() < options.lines) {
      const uint32_t id = stack.back();
      stack.pop_back();
      TrieNode& t = trie[id];
      const bool root = t.parent == kNoNode;
      merged.rows.push_back(make_row(uint64_t{t.depth}, t.key, t.objects,
                                     !root && t.objects == 1
                                         ? Cell{format_address(g.address(t.first))}
                                         : Cell{},
                                     t.targets, int_cell(t.target_bytes)));
      by_targets(&t.children);
      for (auto it = t.children.rbegin(); it != t.children.rend(); ++it) stack.push_back(*it);
    }
  }

  // Routes: the reachable targets grouped by the place their shortest path
  // ends in the merged view (the same root kind and the same class at every
  // hop). One representative path per route, the shortest (ties: lowest
  // address), taken among the route's targets below the accumulation point
  // when it has any; routes through the accumulation point first, then by
  // targets, hops and address.
  std::vector<uint8_t> under_best(n, 0);
  if (best != kNoNode) {
    for (uint32_t v : sp.order) {
      const uint32_t p = sp.parent[v];
      under_best[v] = v == best || (p != ShortestPaths::kRootParent && under_best[p]);
    }
  }
  struct Route {
    uint32_t rep = kNoNode;
    uint64_t targets = 0, via_best = 0;
    uint128 target_bytes = 0;
  };
  std::vector<Route> routes;
  FlatMap<uint64_t, uint32_t, U64KeyOps> route_of;  // merged-view node -> route
  for (uint32_t v : targets) {
    if (!sp.reachable(v)) continue;
    bool inserted = false;
    uint32_t& r = route_of.find_or_insert(trie_of[v], &inserted);
    if (inserted) {
      r = static_cast<uint32_t>(routes.size());
      routes.emplace_back();
    }
    Route& route = routes[r];
    ++route.targets;
    route.target_bytes += g.memsize(v);
    if (under_best[v]) ++route.via_best;
    const auto better = [&](uint32_t a, uint32_t b) {  // a before b (b: kNoNode or earlier)
      if (b == kNoNode) return true;
      if (under_best[a] != under_best[b]) return under_best[a] > under_best[b];
      return depth[a] < depth[b];  // ties: b, seen first, has the lower address
    };
    if (better(v, route.rep)) route.rep = v;
  }
  std::sort(routes.begin(), routes.end(), [&](const Route& a, const Route& b) {
    if ((a.via_best > 0) != (b.via_best > 0)) return a.via_best > 0;
    if (a.targets != b.targets) return a.targets > b.targets;
    if (depth[a.rep] != depth[b.rep]) return depth[a.rep] < depth[b.rep];
    return a.rep < b.rep;  // node order is address order
  });
  const size_t shown = std::min<size_t>(routes.size(), options.paths);

  Table paths;
  paths.name = "paths";
  paths.columns = hop_columns("path");
  for (size_t i = 0; i < shown; ++i) {
    add_path_rows(graph, shared_sp, sp.path_to(routes[i].rep), i + 1, options.every_hop, &paths);
  }
  paths.totals = {{"targets", targets.size()},
                  {"reachable_targets", reachable_targets},
                  {"unreachable_targets", targets.size() - reachable_targets},
                  {"target_bytes", target_bytes},
                  {"paths", shown}};

  Table route_table;
  route_table.name = "routes";
  route_table.columns = {{"path", kCount},   {"hops", kInteger},         {"targets", kCount},
                         {"target_bytes", kBytes}, {"via_accumulation_point", kCount}};
  for (size_t i = 0; i < shown; ++i) {
    const Route& r = routes[i];
    route_table.rows.push_back(make_row(uint64_t{i + 1}, uint64_t{depth[r.rep]}, r.targets,
                                        int_cell(r.target_bytes), r.via_best));
  }
  route_table.totals = {{"routes", routes.size()}};

  tables->push_back(std::move(paths));
  tables->push_back(std::move(acc));
  tables->push_back(std::move(merged));
  tables->push_back(std::move(route_table));
  return Status();
}

}  // namespace heapdump
