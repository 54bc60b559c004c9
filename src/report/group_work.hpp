// What one parsing thread folds a dump into for `compare` and `report`:
// memory per group for some keys, the class names that name the groups,
// the size of Ruby's allocation tracer and, for `report`, the generations.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "heapdump/allocation_tracer.hpp"
#include "heapdump/class_names.hpp"
#include "heapdump/generation_summary.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/sink.hpp"

namespace heapdump {

struct GroupWork {
  /// `leave_out_tracer`: the groups leave Ruby's allocation tracer out;
  /// `tracer` counts it either way.
  GroupWork(const std::vector<GroupKey>& keys, bool leave_out_tracer, bool with_generations) {
    if (with_generations) {
      generations = std::make_unique<GenerationSummary>();
      tee.add(*generations);
    }
    for (GroupKey key : keys) {
      groups.push_back(std::make_unique<GroupBy>(key, std::nullopt, leave_out_tracer));
      tee.add(*groups.back());
    }
    tee.add(names);
    tee.add(tracer);
  }
  RecordSink& sink() { return tee; }
  void merge(const GroupWork& o) {
    if (generations) generations->merge(*o.generations);
    for (size_t i = 0; i < groups.size(); ++i) groups[i]->merge(*o.groups[i]);
    names.merge(o.names);
    tracer.merge(o.tracer);
  }
  std::unique_ptr<GenerationSummary> generations;
  std::vector<std::unique_ptr<GroupBy>> groups;  ///< one per key, in order
  ClassNames names;
  AllocationTracerTally tracer;
  TeeSink tee;
};

/// compare_groups() of `a`'s and `b`'s groups of key i, for each key, with
/// what Ruby's allocation tracer holds in each dump (counted or not) as the
/// totals "allocation_tracer_bytes_a" and "_b".
std::vector<Table> compare_tables(const std::vector<GroupKey>& keys, const GroupWork& a,
                                  const GroupWork& b, uint64_t lines);

}  // namespace heapdump
