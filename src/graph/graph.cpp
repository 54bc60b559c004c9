#include "graph/loaded_graph.hpp"

#include <fmt/format.h>

#include <malloc.h>

#include "heapdump/sink.hpp"

namespace heapdump {

ObjectName LoadedGraph::class_name_of(uint32_t n) const {
  const uint64_t c = graph.class_address(n);
  return namer->name(graph.type(n), graph.imemo_type(n), graph.is_tracer(n), c != 0, c);
}

Cell LoadedGraph::name_of(uint32_t n) const {
  const std::string_view t = graph.type(n);
  if (t != "CLASS" && t != "MODULE") return Cell{};
  if (const std::string* name = names.find(graph.address(n))) return Cell{*name};
  return Cell{};
}

Cell LoadedGraph::location_of(uint32_t n) const {
  const std::string_view loc = graph.location(n);
  return loc.empty() ? Cell{} : Cell{std::string(loc)};
}

/// One parsing thread's share: the graph's records and the class names.
struct GraphLoader::Work {
  GraphCollector collector;
  ClassNames names;
  TeeSink tee;
  Work() {
    tee.add(collector);
    tee.add(names);
  }
};

GraphLoader::GraphLoader(unsigned threads) {
  // The graph commands allocate and free arrays of tens of MB one after the
  // other. With glibc's default, the mmap threshold climbs to 32 MB after the
  // first such free and later arrays come from the heap, where freed space is
  // seldom given back; a fixed 1 MB threshold keeps resident memory equal to
  // live memory.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  for (unsigned i = 0; i < threads; ++i) work_.push_back(std::make_unique<Work>());
}

GraphLoader::~GraphLoader() = default;

SinkForWorker GraphLoader::sinks() {
  return [this](unsigned i) -> RecordSink& { return work_[i]->tee; };
}

std::shared_ptr<const LoadedGraph> GraphLoader::finish(std::string_view source,
                                                       std::vector<std::string>* notes) {
  auto out = std::make_shared<LoadedGraph>();
  std::vector<GraphCollector*> collectors;
  for (auto& w : work_) {
    collectors.push_back(&w->collector);
    if (w != work_.front()) out->names.merge(w->names);
  }
  out->names.merge(work_.front()->names);
  out->graph = ObjectGraph::build(collectors);
  out->namer = std::make_unique<ObjectNamer>(out->names);
  work_.clear();

  const GraphStats& st = out->graph.stats();
  if (st.dangling_references + st.dangling_root_references > 0) {
    notes->push_back(fmt::format("{}: {} references to objects that are not in the dump "
                                 "(a partial dump?); they are left out",
                                 source, st.dangling_references + st.dangling_root_references));
  }
  if (st.duplicate_addresses > 0) {
    notes->push_back(fmt::format(
        "{}: {} {} an address already seen (not a sound dump); the object "
        "graph keeps one record per address and leaves the {} out",
        source, st.duplicate_addresses,
        st.duplicate_addresses == 1 ? "record repeats" : "records repeat",
        st.duplicate_addresses == 1 ? "other" : "others"));
  }
  if (out->graph.size() > 0 && out->graph.roots().empty()) {
    if (st.root_records == 0) {
      notes->push_back(fmt::format("{}: no ROOT records (a partial dump, dump_all(since:)?): "
                                   "no object is reachable from a GC root",
                                   source));
    } else {
      // ROOT records exist but lead nowhere: say which way.
      const bool one = st.root_records == 1;
      notes->push_back(fmt::format(
          "{}: {} ROOT {}, but {}: no object is reachable from a GC root", source,
          st.root_records, one ? "record" : "records",
          st.dangling_root_references == 0
              ? (one ? "its references are empty" : "all their references are empty")
              : (one ? "it references only objects that are not in the dump"
                     : "they reference only objects that are not in the dump")));
    }
  }
  return out;
}

std::string graph_memory_line(const LoadedGraph& lg) {
  const ObjectGraph& g = lg.graph;
  const size_t edge_bytes = g.edge_count() * 4;
  return fmt::format("graph: {} nodes, {} edges, {} bytes: {:.1f} per node + 4 per edge",
                     g.size(), g.edge_count(), g.memory_bytes(),
                     g.size() == 0 ? 0.0
                                   : static_cast<double>(g.memory_bytes() - edge_bytes) /
                                         static_cast<double>(g.size()));
}

bool has_allocation_tracer(const LoadedGraph& lg) { return !lg.graph.tracers().empty(); }

Status read_graph(const std::string& path, const ReadOptions& options, ReadListener& listener,
                  std::shared_ptr<const LoadedGraph>* out, std::vector<std::string>* notes,
                  const std::function<void(const char*)>& on_phase) {
  ReadOptions read = options;
  read.decode_references = true;
  GraphLoader loader(read.threads);
  ReadPipeline pipeline(read);
  pipeline.add(loader.sinks());
  pipeline.then([&](std::string_view, std::vector<std::string>* read_notes) {
    if (on_phase) on_phase("parse");
    *out = loader.finish(path, read_notes);
    if (on_phase) on_phase("build");
  });
  InputRead result;
  const Status s = pipeline.run(path, listener, &result);
  for (std::string& note : result.notes) notes->push_back(std::move(note));
  return s;
}

}  // namespace heapdump
