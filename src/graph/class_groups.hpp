// Objects grouped by the name of their class (one group per name).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/object_graph.hpp"

namespace heapdump {

struct ClassGroups {
  std::vector<uint32_t> of;         ///< per node: its group
  std::vector<std::string> names;   ///< per group: the class name, in order of first node
};

/// Groups the nodes of `graph` by `class_of(node)` (README "One name per
/// class"; the allocation tracer is a group of its own). Names are asked
/// once per (type, class address), so the cost is one hash lookup a node.
ClassGroups class_groups(const ObjectGraph& graph,
                         const std::function<std::string(uint32_t)>& class_of);

}  // namespace heapdump
