// Why an object is still alive: shortest paths from the GC roots to an
// object or a group of objects (the tables of `heapdump path`; docs/graph.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "heapdump/graph.hpp"
#include "heapdump/status.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// What the paths lead to: exactly one of the three.
struct PathTarget {
  bool by_address = false;
  uint64_t address = 0;     ///< with by_address: the object at this address
  std::string class_name;   ///< every object of a class, named as any command names it
  std::string location;     ///< every object allocated at "FILE:LINE"
};

struct PathOptions {
  uint64_t paths = 3;   ///< representative paths (the shortest, ties by address)
  uint64_t lines = 30;  ///< rows of the merged view
  /// Every hop of each path, made only when the table is rendered (JSON,
  /// CSV); otherwise the first and last kPathEndHops hops, all the text
  /// output shows.
  bool every_hop = false;
};

/// "0x7f3a1c2b4d50", "class NAME" or "location FILE:LINE": how messages
/// and the text output name the target.
std::string describe(const PathTarget& target);

/// Fills `tables` with "paths" (hops of the representative paths; totals
/// targets, reachable_targets, unreachable_targets, target_bytes, paths),
/// "accumulation_point" (the deepest object on the paths of at least half
/// the reachable targets, and of two at least; no row when none) and
/// "merged_paths" (the BFS-tree nodes on the targets' paths grouped by
/// class, level by level). Columns: docs/output-formats.md.
/// Status::not_found when no object matches (its message, e.g. "no object
/// matches class Fo; close names: Foo", does not name the file). The
/// tables may refer to `graph` until they are rendered (it is kept).
Status path_tables(std::shared_ptr<const LoadedGraph> graph, const PathTarget& target,
                   const PathOptions& options, std::vector<Table>* tables);

}  // namespace heapdump
