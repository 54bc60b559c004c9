// Shortest paths from the GC roots (breadth-first, iterative).
#pragma once

#include <cstdint>
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
  /// Per node a ROOT references: the kind of the first such ROOT record.
  /// Indexed like parent; meaningful only where parent == kRootParent.
  std::vector<uint16_t> root_kind;
  /// Reachable nodes in BFS order: a node's parent comes before it.
  std::vector<uint32_t> order;

  static constexpr uint32_t kRootParent = UINT32_MAX - 1;
  bool reachable(uint32_t n) const { return parent[n] != kNoNode; }
  /// The path root-side first: path[0] is referenced by a ROOT, back() is `n`.
  /// Empty when `n` is unreachable.
  std::vector<uint32_t> path_to(uint32_t n) const;
};

ShortestPaths shortest_paths(const ObjectGraph& graph);

}  // namespace heapdump
