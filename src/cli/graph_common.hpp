// What `path` and `retained` share: loading the object graph, timing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "heapdump/graph.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Reads `file` with references decoded and builds the graph. Prints the
/// read's errors and warnings and the graph's notes (dangling references,
/// missing roots) to stderr. False on I/O error.
bool load_graph(const std::string& file, const CommonOptions& options,
                std::shared_ptr<const LoadedGraph>* out);

/// With HEAPDUMP_TIMING=1 in the environment, prints the time of each phase
/// to stderr (for benchmarking; off otherwise).
class PhaseTimer {
 public:
  PhaseTimer();
  void lap(const char* what);

 private:
  bool on_;
  double last_;
};

}  // namespace heapdump
