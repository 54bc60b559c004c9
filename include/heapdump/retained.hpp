// What keeps memory alive: retained sizes from the dominator tree (the
// tables of `heapdump retained`; docs/graph.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "heapdump/graph.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

struct RetainedOptions {
  uint64_t lines = 20;      ///< rows of each ranking (top retainers, groups, unreachable)
  uint64_t threshold = 10;  ///< leak suspect: retains >= this % of the heap (1..100)
  /// Count Ruby's allocation tracer like any object (by default it is never
  /// a leak suspect: it is the tool's own table, not the program's memory).
  bool include_tracer = false;
  /// Every hop of each suspect's path, made only when the table is rendered
  /// (JSON, CSV); otherwise the first and last kPathEndHops hops, all the
  /// text output shows.
  bool every_hop = false;
  /// Also the table "dominator_tree": the dominator tree merged by class and
  /// pruned for drawing (src/graph/dominator_tree_view.hpp; `report`).
  bool tree_view = false;
  /// Also the table "why_alive": the shortest paths from the roots to the
  /// leak suspects' accumulation points and the top retainers, merged into
  /// one tree (src/graph/why_alive.hpp; `report`).
  bool why_alive = false;
  /// Called after each phase with its name ("dominators", "groups",
  /// "paths", "tables", then "tree" and "why alive" when asked for), for
  /// HEAPDUMP_TIMING; may be empty.
  std::function<void(const char*)> on_phase;
};

/// The tables of `retained`, in this order (columns: docs/output-formats.md):
/// "graph" (totals only, with "allocation_tracer_bytes"), "top_retainers",
/// "retained_by_class", "retained_by_location", "retained_by_gem",
/// "leak_suspects", "suspect_paths", "unreachable", with `tree_view`
/// "dominator_tree", and with `why_alive` "why_alive".
/// Group sums count each byte once: a member counts for its group only when
/// no dominator above it belongs to the same group. An object suspect is a
/// deepest object retaining >= threshold % of the heap; a class suspect a
/// class whose members together do, when no one member holds 80 % of it.
/// The tables may refer to `graph` until they are rendered (it is kept).
std::vector<Table> retained_tables(std::shared_ptr<const LoadedGraph> graph,
                                   const RetainedOptions& options);

}  // namespace heapdump
