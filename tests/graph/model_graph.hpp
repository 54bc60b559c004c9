// A model of a dump's objects fed to a GraphLoader as the reader would:
// what the naive reference tests of the graph analyses start from.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "heapdump/graph.hpp"
#include "heapdump/record.hpp"
#include "heapdump/sink.hpp"

namespace heapdump::test {

/// An object of the model. Node i has address 0x10000 + 0x28 i, so the
/// graph numbers it i.
struct Obj {
  std::string type;  // "CLASS" (a named class, no class of its own) or another type
  int cls = -1;      // the node of its class (a CLASS), or -1: none
  std::string file;  // allocation site
  uint64_t line = 0;
  uint64_t size = 0;
  std::vector<int> refs;
  std::string name;  // a CLASS's name
};

inline uint64_t addr(int i) { return 0x10000 + 0x28 * static_cast<uint64_t>(i); }

struct Model {
  std::vector<Obj> objs;
  std::vector<int> roots;
};

/// Appends the next node of a random model: nodes 0 and 1 are the classes
/// C0 and C1, GC roots; any other is an OBJECT of one of them (rng() % 2),
/// which the caller links. Each has 1 + rng() % max_size bytes, file "a.rb".
inline void add_random_node(std::mt19937& rng, uint64_t max_size, Model* m) {
  const int i = static_cast<int>(m->objs.size());
  Obj o;
  o.file = "a.rb";
  o.size = 1 + rng() % max_size;
  if (i < 2) {
    o.type = "CLASS";
    o.name = "C" + std::to_string(i);
    m->roots.push_back(i);
  } else {
    o.type = "OBJECT";
    o.cls = static_cast<int>(rng() % 2);
  }
  m->objs.push_back(o);
}

/// Feeds the model to a GraphLoader as the reader would (records in reverse
/// order over two threads' sinks, then one ROOT record).
inline std::shared_ptr<const LoadedGraph> load(const Model& m) {
  GraphLoader loader(2);
  const SinkForWorker sinks = loader.sinks();
  for (int i = static_cast<int>(m.objs.size()) - 1; i >= 0; --i) {
    const Obj& o = m.objs[static_cast<size_t>(i)];
    std::vector<uint64_t> refs;
    for (int e : o.refs) refs.push_back(addr(e));
    ObjectRecord r;
    r.kind = RecordKind::kObject;
    r.type = o.type;
    r.address = addr(i);
    r.has_address = true;
    r.has_class = o.cls >= 0;
    r.class_address = o.cls >= 0 ? addr(o.cls) : 0;
    r.memsize = o.size;
    r.file = o.file;
    r.has_file = true;
    r.line = o.line;
    r.has_line = true;
    r.name = o.name;
    r.has_name = !o.name.empty();
    r.references = refs.data();
    r.references_decoded = refs.size();
    r.reference_count = refs.size();
    r.has_references = !refs.empty();
    r.byte_offset = 1000 + 100 * static_cast<uint64_t>(i);
    sinks(static_cast<unsigned>(i) % 2).on_record(r);
  }
  std::vector<uint64_t> roots;
  for (int r : m.roots) roots.push_back(addr(r));
  ObjectRecord root;
  root.kind = RecordKind::kRoot;
  root.type = "ROOT";
  root.root_name = "vm";
  root.references = roots.data();
  root.references_decoded = roots.size();
  root.reference_count = roots.size();
  root.has_references = !roots.empty();
  sinks(0).on_record(root);
  std::vector<std::string> notes;
  return loader.finish("model", &notes);
}

}  // namespace heapdump::test
