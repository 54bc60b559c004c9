#include "graph/why_alive.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>

#include "graph/hop_table.hpp"
#include "heapdump/names.hpp"

namespace heapdump {
namespace {

/// One place of the merged tree.
struct Place {
  uint32_t parent;
  uint32_t depth;
  uint8_t kind;  // 0 root, 1 class, 2 hops
  std::string key;
  uint64_t hops = 0;
  uint64_t objects = 0;
  uint32_t first = kNoNode;
  uint64_t targets = 0;
  uint128 retained = 0;
  std::vector<uint32_t> children;
};

/// One step of a target's path: a place's kind and key, and its object
/// (kNoNode for the root kind and the hops left out).
struct Step {
  uint8_t kind;
  std::string key;
  uint32_t object;
  uint64_t hops;
};

}  // namespace

Table why_alive_table(const LoadedGraph& lg, const ShortestPaths& sp, const WideSizes& retained,
                      const std::vector<uint32_t>& targets, const WhyAliveLimits& limits) {
  const ObjectGraph& g = lg.graph;
  std::vector<Place> places;
  std::map<std::pair<uint32_t, std::string>, uint32_t> index;  // (parent, kind + key) -> place
  std::unordered_set<uint64_t> seen;                           // (place, object) counted
  std::unordered_set<uint32_t> done;                           // targets taken
  uint64_t shown = 0, left_out = 0;
  auto lookup = [&](uint32_t parent, const Step& s) {
    const auto it = index.find({parent, std::string(1, char('0' + s.kind)) + s.key});
    return it == index.end() ? kNoNode : it->second;
  };
  for (uint32_t t : targets) {
    if (!sp.reachable(t) || !done.insert(t).second) continue;
    const std::vector<uint32_t> path = sp.path_to(t);
    std::vector<Step> steps;
    steps.push_back({0, g.root_kind(sp.root_kind_of(path[0])), kNoNode, 0});
    const size_t k = limits.end_hops;
    const bool cut = path.size() > 2 * k + 1;
    for (size_t i = 0; i < path.size(); ++i) {
      if (cut && i == k) {
        steps.push_back({2, std::to_string(path.size() - 2 * k), kNoNode, path.size() - 2 * k});
        i = path.size() - k - 1;
        continue;
      }
      steps.push_back({1, merged_path_key(lg, path[i]), path[i], 0});
    }
    // The places this path would add.
    uint32_t at = kNoNode;
    size_t matched = 0;
    while (matched < steps.size()) {
      const uint32_t next = lookup(at, steps[matched]);
      if (next == kNoNode) break;
      at = next;
      ++matched;
    }
    if (places.size() + (steps.size() - matched) > limits.max_nodes) {
      ++left_out;
      continue;
    }
    ++shown;
    at = kNoNode;
    for (const Step& s : steps) {
      uint32_t id = lookup(at, s);
      if (id == kNoNode) {
        id = static_cast<uint32_t>(places.size());
        index[{at, std::string(1, char('0' + s.kind)) + s.key}] = id;
        places.push_back({at, at == kNoNode ? 0 : places[at].depth + 1, s.kind,
                          s.kind == 2 ? std::string() : s.key, s.hops, 0, kNoNode, 0, 0, {}});
        if (at != kNoNode) places[at].children.push_back(id);
      }
      Place& p = places[id];
      ++p.targets;
      if (s.object != kNoNode && seen.insert((uint64_t{id} << 32) | s.object).second) {
        if (p.objects++ == 0) p.first = s.object;
        p.retained += retained[s.object];
      }
      at = id;
    }
  }
  // A root kind: the objects directly under it, and what they retain.
  std::vector<uint32_t> tops;
  for (uint32_t id = 0; id < places.size(); ++id) {
    Place& p = places[id];
    if (p.kind != 0) continue;
    tops.push_back(id);
    p.objects = 0;
    p.retained = 0;
    for (uint32_t c : p.children) {
      p.objects += places[c].objects;
      p.retained += places[c].retained;
    }
  }
  auto order = [&](std::vector<uint32_t>* ids) {
    std::sort(ids->begin(), ids->end(), [&](uint32_t a, uint32_t b) {
      if (places[a].targets != places[b].targets) return places[a].targets > places[b].targets;
      if (places[a].retained != places[b].retained) return places[a].retained > places[b].retained;
      return a < b;
    });
  };

  Table t;
  t.name = "why_alive";
  t.columns = {{"node", Column::Kind::kCount},      {"parent", Column::Kind::kCount},
               {"depth", Column::Kind::kCount},     {"kind", Column::Kind::kText},
               {"class", Column::Kind::kText},      {"hops", Column::Kind::kCount},
               {"objects", Column::Kind::kCount},   {"address", Column::Kind::kText},
               {"targets", Column::Kind::kCount},   {"retained", Column::Kind::kBytes}};
  std::vector<uint32_t> row_of(places.size(), kNoNode);
  order(&tops);
  std::vector<uint32_t> stack(tops.rbegin(), tops.rend());
  while (!stack.empty()) {
    const uint32_t id = stack.back();
    stack.pop_back();
    Place& p = places[id];
    row_of[id] = static_cast<uint32_t>(t.rows.size());
    static const char* const kKinds[] = {"root", "class", "hops"};
    const bool hops = p.kind == 2;
    t.rows.push_back(make_row(
        uint64_t{row_of[id]}, p.parent == kNoNode ? Cell{} : Cell{uint64_t{row_of[p.parent]}},
        uint64_t{p.depth}, std::string(kKinds[p.kind]), hops ? Cell{} : Cell{p.key},
        hops ? Cell{p.hops} : Cell{}, hops ? Cell{} : Cell{p.objects},
        p.kind == 1 && p.objects == 1 ? Cell{format_address(g.address(p.first))} : Cell{},
        p.targets, hops ? Cell{} : int_cell(p.retained)));
    order(&p.children);
    for (auto it = p.children.rbegin(); it != p.children.rend(); ++it) stack.push_back(*it);
  }
  t.totals = {{"targets", shown}, {"left_out", left_out}, {"nodes", uint64_t{t.rows.size()}}};
  return t;
}

}  // namespace heapdump
