// Which new objects retain the most: retained sizes over the graph of the
// last dump of `report BEFORE AFTER [RETAINED]`, for the objects that diff
// finds new (docs/output-formats.md, report).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "heapdump/graph.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// `graph` is the last dump's; `new_addresses` the addresses of its new
/// objects (DiffAggregator::keep_new_addresses(); any order, repeats
/// ignored, addresses not in the graph ignored); Ruby's allocation tracer
/// is not one of them unless `include_tracer`. Tables, in this order:
/// "new_retainers" (the `lines` new objects retaining the most, ties by
/// address: address, type, class, name, location, shallow, retained;
/// totals objects, bytes: their memsize, retained: what the new objects
/// retain, each byte once, unreachable_objects, heap_bytes),
/// "new_retained_by_class" (class, objects, shallow, retained: each byte
/// once per class; the `lines` largest; totals groups) and "why_alive"
/// (the shortest paths to the listed new retainers, src/graph/why_alive.hpp).
/// The tables may refer to `graph` until they are rendered.
std::vector<Table> new_retained_tables(std::shared_ptr<const LoadedGraph> graph,
                                       std::vector<uint64_t> new_addresses, uint64_t lines,
                                       bool include_tracer);

}  // namespace heapdump
