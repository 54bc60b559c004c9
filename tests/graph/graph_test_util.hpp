// Hand-built object graphs for the graph tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "graph/object_graph.hpp"
#include "heapdump/record.hpp"

namespace heapdump::test {

/// A graph spec: node i has address addr(i), memsize sizes[i] and edges to
/// the listed nodes; `roots` lists root-referenced nodes; `missing` adds
/// references to addresses not in the graph. Optionally, per node, a class
/// (`classes`), a type (`types`, "OBJECT" otherwise) and an IMEMO type.
struct Spec {
  std::vector<uint64_t> sizes;
  std::vector<std::vector<int>> edges;  // -1 = a reference to a missing object
  std::vector<int> roots;               // -1 = a root reference to a missing object
  // kNoClass: no "class"; -1: a class address not in the dump; else a node.
  // Empty: every node's class is an address not in the dump.
  std::vector<int> classes;
  std::vector<std::string> types;
  std::vector<std::string> imemo_types;
  static constexpr int kNoClass = -2;
  static uint64_t addr(int i) { return 0x10000 + 0x28 * static_cast<uint64_t>(i); }
};

/// Builds through `parts` collectors, spreading nodes round-robin (so the
/// merge is exercised), nodes added in reverse order. Objects are fed as
/// records, as the reader feeds them.
inline ObjectGraph build(const Spec& spec, int parts = 1) {
  std::vector<GraphCollector> cs(static_cast<size_t>(parts));
  for (int i = static_cast<int>(spec.sizes.size()) - 1; i >= 0; --i) {
    const size_t k = static_cast<size_t>(i);
    std::vector<uint64_t> refs;
    for (int e : spec.edges[k]) refs.push_back(e < 0 ? 0xdead0 : Spec::addr(e));
    ObjectRecord r;
    r.kind = RecordKind::kObject;
    r.address = Spec::addr(i);
    r.has_address = true;
    r.type = k < spec.types.size() ? std::string_view(spec.types[k]) : std::string_view("OBJECT");
    if (k < spec.imemo_types.size()) r.imemo_type = spec.imemo_types[k];
    const int cls = k < spec.classes.size() ? spec.classes[k] : -1;
    r.has_class = cls != Spec::kNoClass;
    r.class_address = cls == Spec::kNoClass ? 0 : cls < 0 ? 0x8 : Spec::addr(cls);
    r.memsize = spec.sizes[k];
    r.file = "a.rb";
    r.has_file = true;
    r.line = static_cast<uint64_t>(i);
    r.has_line = true;
    r.references = refs.data();
    r.references_decoded = refs.size();
    r.reference_count = refs.size();
    r.has_references = !refs.empty();
    cs[static_cast<size_t>(i % parts)].on_record(r);
  }
  std::vector<uint64_t> roots;
  for (int r : spec.roots) roots.push_back(r < 0 ? 0xbeef0 : Spec::addr(r));
  cs[0].add_root("vm", 0, roots.data(), roots.size());
  std::vector<GraphCollector*> ptrs;
  for (auto& c : cs) ptrs.push_back(&c);
  return ObjectGraph::build(ptrs);
}

}  // namespace heapdump::test
