// What `path` and `retained` share: loading the object graph, timing, text.
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

/// Renders `path` (rows of one path in a hop table) for the text output:
/// at most the first and last kPathEndHops hops, with a line
/// "… 4,999,980 hops …" for those between (left out here, or by
/// add_path_rows: a gap in the hop numbers).
void render_path_text(const Table& hops, uint64_t key, std::string* out);

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

/// "12.3 kB"-free exact figure with a percentage, e.g. "1234 (12.5%)".
std::string with_share(uint128 part, uint128 whole);

}  // namespace heapdump
