// Why objects are alive: their shortest paths from the GC roots merged into
// one tree, for the page of `heapdump report` (section "Why alive").
#pragma once

#include <cstdint>
#include <vector>

#include "graph/loaded_graph.hpp"
#include "graph/shortest_paths.hpp"
#include "graph/wide_sizes.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// How big the tree may grow.
struct WhyAliveLimits {
  /// A path longer than 2 * end_hops + 1 objects keeps its first and last
  /// end_hops objects; the ones between are one node of kind "hops".
  uint32_t end_hops = 10;
  /// Nodes in all: a target whose path would pass this is left out.
  uint32_t max_nodes = 1000;
};

/// Table "why_alive": the shortest paths (`sp`) from the GC roots to each
/// reachable node of `targets` (in the order given, repeats ignored) merged
/// level by level as `path`'s merged view merges them: the root kind, then
/// per hop the class (with the name of a CLASS/MODULE). Rows in preorder, a
/// node's parent before it; siblings by targets, then retained, both
/// descending, then first seen. Columns: node (its row index), parent (null
/// for a root kind), depth, kind ("root", "class" or "hops"), class (the
/// root kind, the class, or null for "hops"), hops (for "hops": the objects
/// left out of each path; else null), objects (distinct objects at this
/// place; for "root" those directly under it; null for "hops"), address
/// (when one object), targets (targets whose path passes here or ends
/// here), retained (what those objects retain, exact and counted once:
/// objects at one depth of shortest paths never dominate one another; a
/// root kind retains what its children do; null for "hops"). `retained`
/// gives every node's retained size. Totals: targets (reachable, shown),
/// left_out (reachable targets left out by max_nodes), nodes.
Table why_alive_table(const LoadedGraph& lg, const ShortestPaths& sp, const WideSizes& retained,
                      const std::vector<uint32_t>& targets, const WhyAliveLimits& limits = {});

}  // namespace heapdump
