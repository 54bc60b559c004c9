#include "cli/cmd_retained.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "analyze/flat_map.hpp"
#include "analyze/keyed_hash.hpp"
#include "cli/graph_common.hpp"
#include "graph/dominators.hpp"
#include "graph/paths.hpp"
#include "heapdump/gem.hpp"
#include "heapdump/render.hpp"
#include "render/terminal_text.hpp"

namespace heapdump {
namespace {

constexpr Column::Kind kText = Column::Kind::kText;
constexpr Column::Kind kCount = Column::Kind::kCount;
constexpr Column::Kind kBytes = Column::Kind::kBytes;

/// Objects of one class (location, gem): how many, their own bytes, and the
/// bytes they retain together, each byte counted once.
struct Group {
  uint64_t objects = 0;
  uint128 shallow = 0;  // exact: crafted memsizes add up past 2^64
  uint128 retained = 0;
  uint32_t first = kNoNode;  // first member by node id
  uint32_t biggest = kNoNode;  // member retaining the most
};

/// Group ids per node for one way of grouping, and the groups.
struct Grouping {
  std::vector<uint32_t> of;  // per node
  std::vector<Group> groups;
};

/// Sums retained sizes per group over the dominator tree: a node counts for
/// its group only when no dominator above it belongs to the same group, so
/// the group's figure is the union of its members' retained sets.
void sum_groups(const ObjectGraph& g, const DominatorTree& t, const DominatorChildren& kids,
                std::vector<Grouping*> groupings) {
  for (Grouping* gr : groupings) {
    for (uint32_t v : t.preorder) {
      Group& grp = gr->groups[gr->of[v]];
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
    const Group& x = gr.groups[a];
    const Group& y = gr.groups[b];
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
    const Group& grp = gr.groups[id];
    t.rows.push_back(make_row(keys[id], grp.objects, int_cell(grp.shallow), int_cell(grp.retained)));
  }
  t.totals = {{"groups", static_cast<uint64_t>(std::count_if(
                             gr.groups.begin(), gr.groups.end(),
                             [](const Group& x) { return x.objects > 0; }))}};
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

std::string text_or(const Cell& c, const char* dflt) {
  return is_null(c) ? std::string(dflt) : terminal_text(as_text(c));
}

}  // namespace

CLI::App* setup_retained(CLI::App& app, RetainedCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "retained", "Retained sizes from the dominator tree: what keeps the most memory alive");
  add_dump_file(sub, &cmd->file);
  add_lines_option(sub, &cmd->lines, "Rows per section");
  sub->add_option("--threshold", cmd->threshold,
                  "Leak suspect: an object or class retaining at least this % of the heap")
      ->check(whole_number(1, 100))
      ->capture_default_str();
  sub->add_flag("--include-tracer", cmd->include_tracer,
                "Let Ruby's allocation tracer (named '(allocation tracer)') be a leak suspect "
                "like any object");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_retained(const RetainedCommand& cmd) {
  PhaseTimer timer;
  LoadedGraph lg;
  if (!load_graph(cmd.file, cmd.common, &lg)) return kExitIoError;
  timer.lap("read+build");
  const ObjectGraph& g = lg.graph;
  const DominatorTree t = compute_dominators(g);
  timer.lap("dominators");
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
  timer.lap("groups");

  Report report{"retained",
                {{"file", cmd.file}, {"lines", cmd.lines}, {"threshold", cmd.threshold}},
                {}};
  report.tables.push_back(graph_table(lg, t.reachable_count(), t.reachable_bytes));

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
  if (!cmd.include_tracer) {
    for (uint32_t x : g.tracers()) {
      if (!t.reachable(x) || (t.idom[x] != t.super_root && in_tracer[t.idom[x]])) continue;
      for (uint32_t d = t.idom[x]; d != t.super_root; d = t.idom[d]) judged.sub(d, t.retained[x]);
    }
    for (uint32_t v = 0; v < n; ++v) {
      if (in_tracer[v]) judged.set(v, 0);
    }
  }
  report.tables[0].totals.push_back({"allocation_tracer_bytes", tracer_bytes});

  // Top retainers.
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
    const size_t k = std::min<size_t>(order.size(), cmd.lines);
    auto by_retained = [&](uint32_t a, uint32_t b) {
      if (t.retained[a] != t.retained[b]) return t.retained[a] > t.retained[b];
      return a < b;
    };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), by_retained);
    for (size_t i = 0; i < k; ++i) top.rows.push_back(object_row(order[i]));
    report.tables.push_back(std::move(top));
  }
  report.tables.push_back(
      group_table("retained_by_class", "class", by_class, class_keys, cmd.lines));
  report.tables.push_back(
      group_table("retained_by_location", "location", by_location, location_keys, cmd.lines));
  report.tables.push_back(group_table("retained_by_gem", "gem", by_gem, gem_keys, cmd.lines));

  // Leak suspects: the deepest objects retaining >= threshold% of the heap
  // (no dominated object does too), then classes that do.
  const ShortestPaths sp = shortest_paths(g);
  timer.lap("paths");
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
  auto big = [&](uint128 bytes) { return heap > 0 && bytes * 100 >= heap * cmd.threshold; };
  auto add_suspect = [&](const std::string& kind, const Cell& cls, const Cell& address,
                         uint64_t objects, uint128 retained, uint32_t acc) {
    const uint64_t key = suspects.rows.size() + 1;
    if (acc == kNoNode) {
      suspects.rows.push_back(make_row(key, kind, cls, address, objects, int_cell(retained), Cell{},
                                       Cell{}, Cell{}, Cell{}, Cell{}));
      return;
    }
    suspects.rows.push_back(make_row(key, kind, cls, address, objects, int_cell(retained),
                                     format_address(g.address(acc)), std::string(g.type(acc)),
                                     lg.class_of(acc), lg.location_of(acc),
                                     int_cell(t.retained[acc])));
    // Text shows only the ends of a long path; JSON and CSV get every hop,
    // made as they are written out.
    if (cmd.common.format == "text") {
      add_path_rows(lg, sp, sp.path_to(acc), key, &suspect_paths, /*ends_only=*/true);
    } else {
      add_path_rows_on_demand(lg, sp, sp.path_to(acc), key, &suspect_paths);
    }
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
      const Group& grp = by_class.groups[id];
      if (!big(grp.retained)) break;
      if (!cmd.include_tracer && grp.first != kNoNode && g.is_tracer(grp.first)) continue;
      // A group that one member dominates is that member's story (listed
      // above when it is big enough); list groups whose memory is spread.
      if (t.retained[grp.biggest] * 5 >= grp.retained * 4) continue;
      add_suspect("class", class_keys[id], Cell{}, grp.objects, grp.retained,
                  group_accumulation_point(g, t, kids, by_class, id));
    }
  }
  report.tables.push_back(std::move(suspects));
  report.tables.push_back(std::move(suspect_paths));

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
    const size_t k = std::min<size_t>(order.size(), cmd.lines);
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
    report.tables.push_back(std::move(un));
  }

  timer.lap("tables");
  std::string out;
  if (cmd.common.format == "text") {
    const Table& gt = report.tables[0];
    out += fmt::format("Retained memory (dominator tree) of {}\n", terminal_text(cmd.file));
    out += "-------------------------------\n\n";
    out += fmt::format("objects {}, references {} ({} of them class links), GC root references {}\n",
                       gt.total("objects"), gt.total("edges"), gt.total("class_edges"),
                       gt.total("root_references"));
    out += fmt::format("heap {} bytes; reachable from roots {} in {} objects; unreachable {} in {} objects\n",
                       heap, with_share(gt.total("reachable_bytes"), heap), gt.total("reachable_objects"),
                       with_share(gt.total("unreachable_bytes"), heap), gt.total("unreachable_objects"));
    if (gt.total("dangling_references") > 0) {
      out += fmt::format("references to objects not in the dump (left out): {}\n",
                         gt.total("dangling_references"));
    }
    if (!g.tracers().empty()) {
      const uint128 tb = gt.total("allocation_tracer_bytes");
      out += fmt::format("allocation tracing itself holds {} bytes ({:.1f}%){}\n", tb,
                         heap == 0 ? 0.0 : 100.0 * static_cast<double>(tb) / static_cast<double>(heap),
                         cmd.include_tracer ? "" : " (never a leak suspect; --include-tracer counts it)");
    }
    auto section = [&](const std::string& title) {
      out += fmt::format("\n{}\n==============================\n", title);
    };
    const Table& sus = report.tables[5];
    section(fmt::format("Leak suspects (retaining >= {}% of the heap)", cmd.threshold));
    if (sus.rows.empty()) out += "  none\n";
    for (const auto& r : sus.rows) {
      const uint64_t key = as_int(r[0]);
      if (as_text(r[1]) == "object") {
        out += fmt::format("{}. {} {} retains {}\n", key, terminal_text(as_text(r[2])),
                           terminal_text(as_text(r[3])),
                           with_share(as_int(r[5]), heap));
      } else {
        out += fmt::format("{}. class {} ({} objects) retains {}\n", key,
                           terminal_text(as_text(r[2])),
                           as_int(r[4]), with_share(as_int(r[5]), heap));
      }
      if (is_null(r[6])) {
        out += "   accumulation point: none, spread over the roots\n";
        continue;
      }
      out += fmt::format("   accumulation point: {} {} {} at {}, retaining {}\n",
                         terminal_text(as_text(r[8])), terminal_text(as_text(r[7])),
                         terminal_text(as_text(r[6])), text_or(r[9], "-"),
                         with_share(as_int(r[10]), heap));
      out += "   shortest path from a GC root:\n";
      render_path_text(report.tables[6], key, &out);
    }
    section("Top retainers (retained bytes, own bytes)");
    for (const auto& r : report.tables[1].rows) {
      std::string cls = terminal_text(as_text(r[2]));
      if (!is_null(r[3])) cls += " " + terminal_text(as_text(r[3]));
      out += fmt::format("  {:>12} {:>10}  {} {} {}  {}\n", as_int(r[6]), as_int(r[5]),
                         terminal_text(as_text(r[0])), terminal_text(as_text(r[1])), cls,
                         text_or(r[4], "-"));
    }
    auto groups = [&](const Table& tb, const std::string& title, const char* null_text) {
      section(title);
      for (const auto& r : tb.rows) {
        out += fmt::format("  {:>12} {:>10} {:>9}  {}\n", as_int(r[3]), as_int(r[2]), as_int(r[1]),
                           text_or(r[0], null_text));
      }
    };
    out += "\n(columns: retained bytes, own bytes, objects)";
    groups(report.tables[2], "Retained by class", "-");
    groups(report.tables[3], "Retained by location", "(no allocation info)");
    groups(report.tables[4], "Retained by gem", "-");
    const Table& un = report.tables[7];
    section(fmt::format("Unreachable from any GC root: {} objects, {} bytes", un.total("objects"),
                        un.total("bytes")));
    for (const auto& r : un.rows) {
      std::string cls = terminal_text(as_text(r[2]));
      if (!is_null(r[3])) cls += " " + terminal_text(as_text(r[3]));
      out += fmt::format("  {:>10}  {} {} {}  {}\n", as_int(r[5]), terminal_text(as_text(r[0])),
                         terminal_text(as_text(r[1])), cls, text_or(r[4], "-"));
    }
  }
  return emit_report(cmd.common, report, out);
}

}  // namespace heapdump
