// A small, exact picture of the dominator tree for `heapdump report`: the
// objects that one class group of objects dominates, merged by class, pruned
// to a size a browser draws at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/dominators.hpp"
#include "graph/object_graph.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// How far the view is pruned.
struct TreeViewLimits {
  uint32_t max_children = 15;  ///< class nodes per parent; the rest go to one aggregate node
  uint32_t max_depth = 32;     ///< nodes at this depth are not expanded (the root is depth 0)
  uint32_t max_nodes = 20000;  ///< in all, aggregate nodes included
  /// A class node is kept only when it retains at least heap / min_share_divisor
  /// bytes (1000: 0.1 % of the heap); 0 keeps every node.
  uint64_t min_share_divisor = 1000;
};

/// One node of the view. A class node stands for sibling objects of the
/// dominator tree (all immediately dominated by the objects of its parent)
/// that share a class group; an aggregate node for the parent's remaining
/// groups. Sums are exact: for a node with children, shallow + the
/// children's retained = retained; a node without children may retain more
/// than its shallow size (it was not expanded).
struct TreeViewNode {
  enum class Kind : uint8_t {
    kRoot,         ///< every object of the dump: the GC roots' groups and the unreachable
    kClass,        ///< objects of one class group
    kOther,        ///< groups under the share threshold, merged
    kMore,         ///< groups past max_children (and any under the threshold), merged
    kUnreachable,  ///< objects no GC root reaches (a leaf under the root)
  };
  uint32_t parent = kNoNode;  ///< index of the parent in the view; kNoNode for the root
  uint32_t depth = 0;
  Kind kind = Kind::kClass;
  uint32_t group = 0;       ///< kClass: the class group id
  uint64_t groups = 0;      ///< how many class groups the node holds (1 for kClass)
  uint64_t objects = 0;
  uint128 shallow = 0;      ///< sum of memsize of its objects
  uint128 retained = 0;     ///< sum of their retained sizes
};

/// Builds the view over `tree` (of `graph`), nodes in preorder (a parent
/// before its children; children by retained size, descending, ties by their
/// first object's node id; an aggregate node, then the unreachable node,
/// last). `group_of` gives each graph node its class group. Deterministic:
/// the result depends only on the graph, not on how it was read. Nodes are
/// expanded largest first while max_nodes allows; each object is looked at
/// a bounded number of times (O(nodes + edges of the dominator tree)).
std::vector<TreeViewNode> dominator_tree_view(const ObjectGraph& graph, const DominatorTree& tree,
                                              const DominatorChildren& children,
                                              const std::vector<uint32_t>& group_of,
                                              const TreeViewLimits& limits = {});

/// Table "dominator_tree": node, parent (null for the root), depth, kind
/// ("root", "class", "other", "more", "unreachable"), class (the group's
/// name from `group_names`; null for the others), groups, objects, shallow,
/// retained. Totals: nodes, heap_bytes (the root's retained).
Table dominator_tree_table(const std::vector<TreeViewNode>& view,
                           const std::vector<std::string>& group_names);

}  // namespace heapdump
