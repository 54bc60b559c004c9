// Shortest paths from the GC roots (breadth-first, iterative).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "graph/object_graph.hpp"

namespace heapdump {

/// BFS from every root at once, roots in file order: each reachable node's
/// parent on one shortest path from a root. Ties go to the root listed
/// first and then to the edge listed first.
struct ShortestPaths {
  /// Per node: the node before it on its path; kRootParent for a node a
  /// ROOT record references; kNoNode when unreachable.
  std::vector<uint32_t> parent;
  /// (node, kind) for each node a ROOT references, by node: the kind of the
  /// first such ROOT record (see root_kind_of()).
  std::vector<std::pair<uint32_t, uint32_t>> root_kinds;
  /// Reachable nodes in BFS order: a node's parent comes before it.
  std::vector<uint32_t> order;

  static constexpr uint32_t kRootParent = UINT32_MAX - 1;
  bool reachable(uint32_t n) const { return parent[n] != kNoNode; }
  /// The kind (ObjectGraph::root_kind()) of the first ROOT record that
  /// references `n`; only for a node whose parent is kRootParent.
  uint32_t root_kind_of(uint32_t n) const {
    auto it = std::lower_bound(root_kinds.begin(), root_kinds.end(), std::make_pair(n, uint32_t{0}));
    return it != root_kinds.end() && it->first == n ? it->second : 0;
  }
  /// The path root-side first: path[0] is referenced by a ROOT, back() is `n`.
  /// Empty when `n` is unreachable.
  std::vector<uint32_t> path_to(uint32_t n) const;
};

ShortestPaths shortest_paths(const ObjectGraph& graph);

}  // namespace heapdump
