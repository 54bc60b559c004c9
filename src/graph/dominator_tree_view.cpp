#include "graph/dominator_tree_view.hpp"

#include <algorithm>
#include <queue>
#include <utility>

namespace heapdump {
namespace {

/// A class group among the children of one view node, while it is built.
struct Pending {
  uint32_t group = 0;
  uint64_t objects = 0;
  uint128 shallow = 0;
  uint128 retained = 0;
  uint32_t first = kNoNode;  // smallest node id: breaks ties
  std::vector<uint32_t> members;
};

}  // namespace

std::vector<TreeViewNode> dominator_tree_view(const ObjectGraph& graph, const DominatorTree& tree,
                                              const DominatorChildren& children,
                                              const std::vector<uint32_t>& group_of,
                                              const TreeViewLimits& limits) {
  using Kind = TreeViewNode::Kind;
  const uint128 heap = graph.total_bytes();
  uint32_t group_count = 0;
  for (uint32_t g : group_of) group_count = std::max(group_count, g + 1);

  std::vector<TreeViewNode> nodes;             // in the order they are made
  std::vector<std::vector<uint32_t>> members;  // per node, until it is expanded
  std::vector<std::vector<uint32_t>> kids;     // per node: view children, in order

  TreeViewNode root;
  root.kind = Kind::kRoot;
  root.objects = graph.size();
  root.retained = heap;
  nodes.push_back(root);
  members.emplace_back();
  kids.emplace_back();

  auto big = [&](uint128 retained) {
    return limits.min_share_divisor == 0 || retained * limits.min_share_divisor >= heap;
  };

  // Largest retained first; ties by the order nodes were made.
  using Entry = std::pair<uint128, uint32_t>;
  auto later = [](const Entry& a, const Entry& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second > b.second;
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(later)> queue(later);

  std::vector<uint32_t> slot(group_count, kNoNode);  // group -> index in `pending`
  // The dominator children of the objects being expanded, in order. The
  // objects and their children are spread over the whole graph, so they are
  // gathered first and read kAhead entries after their memory was
  // prefetched (the loop was waiting on memory, not computing).
  std::vector<uint32_t> gathered;
  constexpr size_t kAhead = 16;
  // Makes the children of node p from the dominator children of the objects
  // [first, last) (and `extra`, if given, last); false (and nothing made)
  // when they do not fit in max_nodes.
  auto expand = [&](uint32_t p, const uint32_t* first, const uint32_t* last,
                    const TreeViewNode* extra) -> bool {
    std::vector<Pending> pending;
    gathered.clear();
    const size_t m = static_cast<size_t>(last - first);
    for (size_t i = 0; i < m; ++i) {
      if (i + 2 * kAhead < m) __builtin_prefetch(&children.offset[first[i + 2 * kAhead]]);
      if (i + kAhead < m) __builtin_prefetch(children.begin(first[i + kAhead]));
      gathered.insert(gathered.end(), children.begin(first[i]), children.end(first[i]));
    }
    for (size_t i = 0; i < gathered.size(); ++i) {
      if (i + kAhead < gathered.size()) {
        const uint32_t ahead = gathered[i + kAhead];
        __builtin_prefetch(&group_of[ahead]);
        graph.prefetch_memsize(ahead);
        tree.retained.prefetch(ahead);
      }
      const uint32_t c = gathered[i];
      const uint32_t g = group_of[c];
      if (slot[g] == kNoNode) {
        slot[g] = static_cast<uint32_t>(pending.size());
        pending.emplace_back().group = g;
      }
      Pending& q = pending[slot[g]];
      ++q.objects;
      q.shallow += graph.memsize(c);
      q.retained += tree.retained[c];
      q.first = std::min(q.first, c);
      q.members.push_back(c);
    }
    for (const Pending& q : pending) slot[q.group] = kNoNode;
    std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
      if (a.retained != b.retained) return a.retained > b.retained;
      return a.first < b.first;
    });
    size_t kept = 0;
    while (kept < pending.size() && kept < limits.max_children && big(pending[kept].retained)) {
      ++kept;
    }
    const bool rest = kept < pending.size();
    const size_t made = kept + (rest ? 1 : 0) + (extra != nullptr ? 1 : 0);
    if (nodes.size() + made > limits.max_nodes) return false;
    const uint32_t depth = nodes[p].depth + 1;
    for (size_t i = 0; i < kept; ++i) {
      Pending& q = pending[i];
      TreeViewNode n;
      n.parent = p;
      n.depth = depth;
      n.kind = Kind::kClass;
      n.group = q.group;
      n.groups = 1;
      n.objects = q.objects;
      n.shallow = q.shallow;
      n.retained = q.retained;
      const auto id = static_cast<uint32_t>(nodes.size());
      nodes.push_back(n);
      kids[p].push_back(id);
      kids.emplace_back();
      if (depth < limits.max_depth) {
        members.push_back(std::move(q.members));
        queue.push({n.retained, id});
      } else {
        members.emplace_back();
      }
    }
    if (rest) {
      TreeViewNode n;
      n.parent = p;
      n.depth = depth;
      n.kind = Kind::kOther;
      for (size_t i = kept; i < pending.size(); ++i) {
        const Pending& q = pending[i];
        if (big(q.retained)) n.kind = Kind::kMore;
        ++n.groups;
        n.objects += q.objects;
        n.shallow += q.shallow;
        n.retained += q.retained;
      }
      kids[p].push_back(static_cast<uint32_t>(nodes.size()));
      nodes.push_back(n);
      members.emplace_back();
      kids.emplace_back();
    }
    if (extra != nullptr) {
      TreeViewNode n = *extra;
      n.parent = p;
      n.depth = depth;
      kids[p].push_back(static_cast<uint32_t>(nodes.size()));
      nodes.push_back(n);
      members.emplace_back();
      kids.emplace_back();
    }
    return true;
  };

  // The root: the groups of what the GC roots reference, and the unreachable.
  TreeViewNode unreachable;
  unreachable.kind = Kind::kUnreachable;
  for (uint32_t v = 0; v < graph.size(); ++v) {
    if (tree.reachable(v)) continue;
    ++unreachable.objects;
    unreachable.shallow += graph.memsize(v);
  }
  unreachable.retained = unreachable.shallow;
  const uint32_t super = tree.super_root;
  if (limits.max_depth > 0) {
    expand(0, &super, &super + 1, unreachable.objects > 0 ? &unreachable : nullptr);
  }
  while (!queue.empty()) {
    const uint32_t p = queue.top().second;
    queue.pop();
    std::vector<uint32_t> m = std::move(members[p]);
    members[p].clear();
    expand(p, m.data(), m.data() + m.size(), nullptr);
  }

  // Renumber in preorder.
  std::vector<TreeViewNode> out;
  out.reserve(nodes.size());
  std::vector<uint32_t> new_id(nodes.size(), kNoNode);
  std::vector<uint32_t> stack = {0};
  while (!stack.empty()) {
    const uint32_t v = stack.back();
    stack.pop_back();
    new_id[v] = static_cast<uint32_t>(out.size());
    TreeViewNode n = nodes[v];
    if (n.parent != kNoNode) n.parent = new_id[n.parent];
    out.push_back(n);
    for (auto it = kids[v].rbegin(); it != kids[v].rend(); ++it) stack.push_back(*it);
  }
  return out;
}

Table dominator_tree_table(const std::vector<TreeViewNode>& view,
                           const std::vector<std::string>& group_names) {
  using Kind = TreeViewNode::Kind;
  constexpr Column::Kind kText = Column::Kind::kText;
  constexpr Column::Kind kCount = Column::Kind::kCount;
  constexpr Column::Kind kBytes = Column::Kind::kBytes;
  Table t;
  t.name = "dominator_tree";
  t.columns = {{"node", kCount},    {"parent", kCount},  {"depth", kCount},
               {"kind", kText},     {"class", kText},    {"groups", kCount},
               {"objects", kCount}, {"shallow", kBytes}, {"retained", kBytes}};
  for (size_t i = 0; i < view.size(); ++i) {
    const TreeViewNode& n = view[i];
    const char* kind = n.kind == Kind::kRoot    ? "root"
                       : n.kind == Kind::kClass ? "class"
                       : n.kind == Kind::kOther ? "other"
                       : n.kind == Kind::kMore  ? "more"
                                                : "unreachable";
    t.rows.push_back(make_row(uint64_t{i}, n.parent == kNoNode ? Cell{} : Cell{uint64_t{n.parent}},
                              uint64_t{n.depth}, std::string(kind),
                              n.kind == Kind::kClass ? Cell{group_names.at(n.group)} : Cell{},
                              n.groups, n.objects, int_cell(n.shallow), int_cell(n.retained)));
  }
  t.totals = {{"nodes", view.size()}, {"heap_bytes", view.empty() ? 0 : view[0].retained}};
  return t;
}

}  // namespace heapdump
