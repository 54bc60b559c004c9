// The object graph of one dump (references between objects, GC roots), as
// `path`, `retained` and `report` load it. docs/graph.md describes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/pipeline.hpp"
#include "heapdump/reader.hpp"
#include "heapdump/status.hpp"

namespace heapdump {

/// The graph, the class names of the dump and the namer built on them.
/// Defined in src/graph/loaded_graph.hpp; callers outside src/graph/ hold
/// it through a shared pointer and hand it to the analyses
/// (heapdump/retained.hpp, heapdump/path.hpp).
struct LoadedGraph;

/// Builds the graph from one read of a dump. Feed sinks() to the reader with
/// ReadOptions::decode_references set (alone, or beside other sinks through
/// a TeeSink), then call finish(). Prints nothing.
class GraphLoader {
 public:
  /// One sink per parsing thread, `threads` of them.
  explicit GraphLoader(unsigned threads);
  ~GraphLoader();
  GraphLoader(const GraphLoader&) = delete;
  GraphLoader& operator=(const GraphLoader&) = delete;

  /// The sink of parsing thread i (read_dump_parallel's SinkForWorker).
  SinkForWorker sinks();

  /// After the read: merges what the threads saw and builds the graph.
  /// Appends to `notes` one line per doubt about the dump (references to
  /// objects that are not in it, repeated addresses, no usable GC root),
  /// each starting with `source` ("FILE: ..."). The loader is spent after.
  std::shared_ptr<const LoadedGraph> finish(std::string_view source,
                                            std::vector<std::string>* notes);

 private:
  struct Work;
  std::vector<std::unique_ptr<Work>> work_;
};

/// Reads `path` once (a ReadPipeline with references decoded, `options`
/// otherwise) into a GraphLoader and builds the graph into `out`; the
/// loader's notes, named by `path` as given, are appended to `notes`. Not ok
/// when the read is not. `on_phase` (may be empty) is called with "parse"
/// after the read and "build" after the graph, for HEAPDUMP_TIMING.
Status read_graph(const std::string& path, const ReadOptions& options, ReadListener& listener,
                  std::shared_ptr<const LoadedGraph>* out, std::vector<std::string>* notes,
                  const std::function<void(const char*)>& on_phase = {});

/// "graph: N nodes, E edges, B bytes: X per node + 4 per edge": what the
/// graph takes in memory (for HEAPDUMP_TIMING).
std::string graph_memory_line(const LoadedGraph& graph);

/// Whether the dump holds Ruby's allocation tracer (its "(allocation
/// tracer)" object).
bool has_allocation_tracer(const LoadedGraph& graph);

/// Hops shown at each end of a long path in the text output; the ones
/// between are one line "… N hops …". A hop table built for text holds
/// only these (see `every_hop` in RetainedOptions and PathOptions).
inline constexpr size_t kPathEndHops = 10;

}  // namespace heapdump
