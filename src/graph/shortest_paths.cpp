#include "graph/shortest_paths.hpp"

#include <algorithm>

namespace heapdump {

ShortestPaths shortest_paths(const ObjectGraph& g) {
  const uint32_t n = g.size();
  ShortestPaths p;
  p.parent.assign(n, kNoNode);
  std::vector<uint32_t>& queue = p.order;
  for (const GraphRoot& r : g.roots()) {
    if (p.parent[r.node] != kNoNode) continue;
    p.parent[r.node] = ShortestPaths::kRootParent;
    p.root_kinds.emplace_back(r.node, r.kind);
    queue.push_back(r.node);
  }
  std::sort(p.root_kinds.begin(), p.root_kinds.end());
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t v = queue[head];
    for (const uint32_t* e = g.edges_begin(v); e != g.edges_end(v); ++e) {
      if (p.parent[*e] != kNoNode) continue;
      p.parent[*e] = v;
      queue.push_back(*e);
    }
  }
  return p;
}

std::vector<uint32_t> ShortestPaths::path_to(uint32_t n) const {
  std::vector<uint32_t> path;
  if (parent[n] == kNoNode) return path;
  for (uint32_t v = n; v != kRootParent; v = parent[v]) path.push_back(v);
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace heapdump
