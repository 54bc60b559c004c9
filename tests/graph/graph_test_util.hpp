// Hand-built object graphs for the graph tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "graph/object_graph.hpp"

namespace heapdump::test {

/// A graph spec: node i has address addr(i), memsize sizes[i] and edges to
/// the listed nodes; `roots` lists root-referenced nodes; `missing` adds
/// references to addresses not in the graph.
struct Spec {
  std::vector<uint64_t> sizes;
  std::vector<std::vector<int>> edges;  // -1 = a reference to a missing object
  std::vector<int> roots;               // -1 = a root reference to a missing object
  static uint64_t addr(int i) { return 0x10000 + 0x28 * static_cast<uint64_t>(i); }
};

/// Builds through `parts` collectors, spreading nodes round-robin (so the
/// merge is exercised), nodes added in reverse order.
inline ObjectGraph build(const Spec& spec, int parts = 1) {
  std::vector<GraphCollector> cs(static_cast<size_t>(parts));
  for (int i = static_cast<int>(spec.sizes.size()) - 1; i >= 0; --i) {
    std::vector<uint64_t> refs;
    for (int e : spec.edges[static_cast<size_t>(i)]) refs.push_back(e < 0 ? 0xdead0 : Spec::addr(e));
    cs[static_cast<size_t>(i % parts)].add_object(Spec::addr(i), "OBJECT", 0x99990, spec.sizes[static_cast<size_t>(i)],
                                                  "a.rb", true, static_cast<uint64_t>(i), true,
                                                  refs.data(), refs.size());
  }
  std::vector<uint64_t> roots;
  for (int r : spec.roots) roots.push_back(r < 0 ? 0xbeef0 : Spec::addr(r));
  cs[0].add_root("vm", 0, roots.data(), roots.size());
  std::vector<GraphCollector*> ptrs;
  for (auto& c : cs) ptrs.push_back(&c);
  return ObjectGraph::build(ptrs);
}

}  // namespace heapdump::test
