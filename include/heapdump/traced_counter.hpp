// How many objects a dump has, how many carry allocation info and of which
// generations: what `read` says when a selection finds nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "heapdump/drill_down.hpp"
#include "heapdump/record.hpp"
#include "heapdump/sink.hpp"

namespace heapdump {

/// Counts objects, those that carry allocation info and the generations
/// they have, to explain an empty selection, and (with a selection) those the
/// selection picks.
class TracedCounter final : public RecordSink {
 public:
  /// With a selection, also counts the traced objects it matches.
  explicit TracedCounter(std::optional<Selection> selection = std::nullopt)
      : selection_(selection) {}
  void on_record(const ObjectRecord& r) override;
  /// Adds another thread's counts.
  void merge(const TracedCounter& other);

  uint64_t objects = 0;   ///< every object record
  uint64_t traced = 0;    ///< those with allocation info (a string "file")
  uint64_t selected = 0;  ///< traced ones the selection matches
  std::set<uint64_t> generations;  ///< of the objects with allocation info

 private:
  std::optional<Selection> selection_;
};

}  // namespace heapdump
