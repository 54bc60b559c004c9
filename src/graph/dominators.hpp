// Dominator tree and retained sizes of an ObjectGraph.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/object_graph.hpp"
#include "graph/wide_sizes.hpp"

namespace heapdump {

/// The dominator tree over a virtual super-root whose children are every
/// node a ROOT record references. Computed with Lengauer-Tarjan (simple
/// version, path compression), every step iterative.
struct DominatorTree {
  /// The virtual super-root's id: graph.size().
  uint32_t super_root = 0;
  /// Per node: its immediate dominator (a node, or super_root), or kNoNode
  /// when the node is unreachable from every root.
  std::vector<uint32_t> idom;
  /// Per node: memsize of the node plus every node it dominates; 0 when
  /// unreachable. Exact: 128 bits (8 bytes a node, see WideSizes).
  WideSizes retained;
  /// Reachable nodes in DFS preorder from the super-root (super-root excluded):
  /// a node's dominator comes before it.
  std::vector<uint32_t> preorder;
  uint128 reachable_bytes = 0;  ///< retained size of the super-root

  bool reachable(uint32_t n) const { return idom[n] != kNoNode; }
  uint64_t reachable_count() const { return preorder.size(); }
};

DominatorTree compute_dominators(const ObjectGraph& graph);

/// Children lists of the dominator tree, in CSR form (super-root included
/// as index graph.size()). Children are in preorder.
struct DominatorChildren {
  std::vector<uint32_t> offset;  // size()+2
  std::vector<uint32_t> child;
  const uint32_t* begin(uint32_t n) const { return child.data() + offset[n]; }
  const uint32_t* end(uint32_t n) const { return child.data() + offset[n + 1]; }
};
DominatorChildren dominator_children(const DominatorTree& tree);

}  // namespace heapdump
