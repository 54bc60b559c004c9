#include "cli/cmd_path.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "analyze/flat_map.hpp"
#include "cli/graph_common.hpp"
#include "graph/paths.hpp"
#include "graph/wide_sizes.hpp"
#include "parse/address.hpp"
#include "render/terminal_text.hpp"

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

/// The merged view's key: the class, plus the name of a CLASS/MODULE.
std::string merged_key(const LoadedGraph& lg, uint32_t v) {
  std::string key = lg.class_of(v);
  const Cell name = lg.name_of(v);
  if (!is_null(name)) key += " " + as_text(name);
  return key;
}

}  // namespace

CLI::App* setup_path(CLI::App& app, PathCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "path", "Why is it still alive: shortest paths from GC roots to an object or a group");
  add_dump_file(sub, &cmd->file);
  sub->add_option("TARGET", cmd->address, "Address of the object, e.g. 0x7f3a1c2b4d50");
  sub->add_option("--class", cmd->class_name, "Every object of this class (e.g. Hash, Foo::Bar)");
  sub->add_option("--location", cmd->location,
                  "Every object allocated at FILE:LINE (as `read` shows it)");
  sub->add_option("--paths", cmd->paths, "Representative paths shown for a group")
      ->check(whole_number(1, UINT64_MAX))
      ->capture_default_str();
  add_lines_option(sub, &cmd->lines, "Rows of the merged view");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_path(const PathCommand& cmd) {
  const int given = !cmd.address.empty() + !cmd.class_name.empty() + !cmd.location.empty();
  if (given != 1) {
    print_error("give exactly one TARGET: an address, --class NAME or --location FILE:LINE "
                "(see 'heapdump path --help')");
    return kExitUsage;
  }
  uint64_t address = 0;
  if (!cmd.address.empty() && !parse_address(cmd.address, &address)) {
    print_error(fmt::format("TARGET must be an address like 0x7f3a1c2b4d50, not '{}' "
                            "(see 'heapdump path --help')",
                            cmd.address));
    return kExitUsage;
  }

  LoadedGraph lg;
  if (!load_graph(cmd.file, cmd.common, &lg)) return kExitIoError;
  const ObjectGraph& g = lg.graph;
  const uint32_t n = g.size();

  // The targets, in node (address) order.
  std::vector<uint8_t> is_target(n, 0);
  std::vector<uint32_t> targets;
  std::string what;
  if (!cmd.address.empty()) {
    what = format_address(address);
    const uint32_t v = g.find(address);
    if (v != kNoNode) targets.push_back(v);
  } else if (!cmd.class_name.empty()) {
    what = "class " + cmd.class_name;
    // Every name a command prints: ObjectNamer's, compare's sums of the
    // classes named by an address, and "#<Class:0xADDRESS>" for the
    // objects whose class is at ADDRESS (as the drill-down names them).
    uint64_t class_address = 0;
    const std::string_view q = cmd.class_name;
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
      print_error(fmt::format("{}: no object matches {}{}", cmd.file, what,
                              close.empty() ? std::string() : "; close names: " + list));
      return kExitNoObjects;
    }
  } else {
    what = "location " + cmd.location;
    for (uint32_t l = 1; l < g.location_count(); ++l) {
      if (g.location_name(l) != cmd.location) continue;
      for (uint32_t v = 0; v < n; ++v) {
        if (g.location_id(v) == l) targets.push_back(v);
      }
    }
  }
  if (targets.empty()) {
    print_error(fmt::format("{}: no object matches {}", cmd.file, what));
    return kExitNoObjects;
  }
  for (uint32_t v : targets) is_target[v] = 1;

  const ShortestPaths sp = shortest_paths(g);
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

  Report report{"path",
                {{"file", cmd.file},
                 {"target", cmd.address.empty() ? Cell{} : Cell{format_address(address)}},
                 {"class", cmd.class_name.empty() ? Cell{} : Cell{cmd.class_name}},
                 {"location", cmd.location.empty() ? Cell{} : Cell{cmd.location}},
                 {"paths", cmd.paths},
                 {"lines", cmd.lines}},
                {}};

  // Representative paths: the shortest, ties by address.
  Table paths;
  paths.name = "paths";
  paths.columns = hop_columns("path");
  std::vector<uint32_t> reps;
  for (uint32_t v : targets) {
    if (sp.reachable(v)) reps.push_back(v);
  }
  std::stable_sort(reps.begin(), reps.end(),
                   [&](uint32_t a, uint32_t b) { return depth[a] < depth[b]; });
  if (reps.size() > cmd.paths) reps.resize(cmd.paths);
  // Text shows the ends of a long path (and says how many hops it has);
  // JSON and CSV get every hop, made as they are written out.
  std::vector<uint64_t> path_hops;
  for (size_t i = 0; i < reps.size(); ++i) {
    std::vector<uint32_t> path = sp.path_to(reps[i]);
    path_hops.push_back(path.size() - 1);
    if (cmd.common.format == "text") {
      add_path_rows(lg, sp, path, i + 1, &paths, /*ends_only=*/true);
    } else {
      add_path_rows_on_demand(lg, sp, std::move(path), i + 1, &paths);
    }
  }
  paths.totals = {{"targets", targets.size()},
                  {"reachable_targets", reachable_targets},
                  {"unreachable_targets", targets.size() - reachable_targets},
                  {"target_bytes", target_bytes},
                  {"paths", reps.size()}};

  // Accumulation point: the deepest object on the paths of at least half
  // the reachable targets (and of two at least).
  Table acc;
  acc.name = "accumulation_point";
  acc.columns = {{"address", kText}, {"type", kText},     {"class", kText},
                 {"name", kText},    {"location", kText}, {"memsize", kBytes},
                 {"depth", kInteger}, {"targets", kCount}, {"target_bytes", kBytes}};
  if (reachable_targets >= 2) {
    uint32_t best = kNoNode;
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
  {
    std::vector<TrieNode> trie;
    std::vector<uint32_t> trie_of(n, kNoNode);
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
        id = child(root, merged_key(lg, v));
      } else {
        id = child(trie_of[p], merged_key(lg, v));
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
    while (!stack.empty() && merged.rows.size() < cmd.lines) {
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

  report.tables.push_back(std::move(paths));
  report.tables.push_back(std::move(acc));
  report.tables.push_back(std::move(merged));

  std::string out;
  if (cmd.common.format == "text") {
    const Table& pt = report.tables[0];
    out += fmt::format("Paths from GC roots to {} in {}\n", terminal_text(what),
                       terminal_text(cmd.file));
    out += "-------------------------------\n\n";
    out += fmt::format("targets: {} objects, {} bytes; reachable from a root: {}; unreachable: {}\n",
                       pt.total("targets"), pt.total("target_bytes"), pt.total("reachable_targets"),
                       pt.total("unreachable_targets"));
    for (uint64_t i = 1; i <= pt.total("paths"); ++i) {
      const uint64_t hops = path_hops[i - 1] + 1;  // nodes on the path
      out += fmt::format("\nPath {} of {} ({} hops)\n==============================\n", i,
                         pt.total("paths"), hops - 1);
      render_path_text(pt, i, &out);
    }
    const Table& at = report.tables[1];
    if (!at.rows.empty()) {
      const auto& r = at.rows[0];
      std::string cls = terminal_text(as_text(r[2]));
      if (!is_null(r[3])) cls += " " + terminal_text(as_text(r[3]));
      out += fmt::format(
          "\nAccumulation point\n==============================\n"
          "  {} {} {} at {} (depth {}): on the paths of {} of {} reachable targets ({} bytes)\n",
          terminal_text(as_text(r[0])), terminal_text(as_text(r[1])), cls,
          is_null(r[4]) ? "-" : terminal_text(as_text(r[4])), as_int(r[6]),
          as_int(r[7]), pt.total("reachable_targets"), as_int(r[8]));
    }
    const Table& mt = report.tables[2];
    if (!mt.rows.empty()) {
      out += "\nMerged shortest paths (by class)\n==============================\n";
      out += "  targets    bytes  objects  class\n";
      for (const auto& r : mt.rows) {
        out += fmt::format("  {:>7} {:>8} {:>8}  {:{}}{}{}\n", as_int(r[4]), as_int(r[5]),
                           as_int(r[2]), "", 2 * as_int(r[0]), terminal_text(as_text(r[1])),
                           is_null(r[3]) ? std::string() : " " + terminal_text(as_text(r[3])));
      }
    }
  }
  const int code = emit_report(cmd.common, report, out);
  if (code == kExitOk && reachable_targets == 0) {
    print_error(fmt::format("{}: no GC root reaches {} ({} objects): they are garbage not yet "
                            "collected, or the dump is partial",
                            cmd.file, what, targets.size()));
    return kExitNoObjects;
  }
  return code;
}

}  // namespace heapdump
