// The loaded graph with the names every command gives its nodes
// (heapdump/graph.hpp declares it for callers outside src/graph/).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "graph/object_graph.hpp"
#include "heapdump/class_names.hpp"
#include "heapdump/graph.hpp"
#include "heapdump/names.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

struct LoadedGraph {
  LoadedGraph() = default;
  LoadedGraph(const LoadedGraph&) = delete;  // namer points into names
  LoadedGraph& operator=(const LoadedGraph&) = delete;

  ObjectGraph graph;
  ClassNames names;
  std::unique_ptr<ObjectNamer> namer;  ///< set by GraphLoader::finish()

  /// The class of node n, as every command names it (heapdump/names.hpp).
  std::string class_of(uint32_t n) const { return class_name_of(n).text; }
  ObjectName class_name_of(uint32_t n) const;
  /// The name of a CLASS/MODULE node, or null.
  Cell name_of(uint32_t n) const;
  Cell location_of(uint32_t n) const;
};

}  // namespace heapdump
