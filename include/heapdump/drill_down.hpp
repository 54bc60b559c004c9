// `read FILE GEN|all`: where the selected objects were allocated.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "heapdump/class_names.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/table.hpp"
#include "heapdump/value_sightings.hpp"

namespace heapdump {

/// Which objects a drill-down looks at.
struct Selection {
  bool all = true;          ///< every object...
  uint64_t generation = 0;  ///< ...or only those of this generation
  bool range = false;       ///< ...or of generations generation..last (inclusive)
  uint64_t last = 0;
  bool matches(const ObjectRecord& r) const {
    if (all) return true;
    if (!r.has_generation) return false;
    return range ? r.generation >= generation && r.generation <= last : r.generation == generation;
  }
};

/// Folds the selected objects that have a string "file" into per-location
/// memory, counts and reference sums, per-class counts and duplicate strings.
/// Every ranking is descending, ties in order of first appearance.
///
/// String values: only values seen at least twice are shown, so a value's
/// first sighting is kept in `sightings` as a fingerprint (value_sightings.hpp)
/// and its text is copied only by the DrillDown that sees it again. The
/// DrillDowns of one parallel read share one `sightings` (each parsing
/// thread's, merged into one after the read); merge() requires that.
class DrillDown final : public RecordSink {
 public:
  explicit DrillDown(Selection selection,
                     std::shared_ptr<ValueSightings> sightings = make_value_sightings());
  ~DrillDown() override;
  DrillDown(const DrillDown&) = delete;
  DrillDown& operator=(const DrillDown&) = delete;

  void on_record(const ObjectRecord& record) override;
  /// Adds what another DrillDown with the same selection and the same
  /// sightings folded (from another parsing thread; std::invalid_argument if
  /// the sightings differ). First appearances are compared by byte offset,
  /// so the result does not depend on how the input was split.
  void merge(const DrillDown& other);

  /// Objects selected so far.
  uint64_t selected_objects() const;

  /// Five tables, each cut to the top `top_n` rows:
  ///  "memory_by_location"  (location, bytes)       totals: bytes
  ///  "objects_by_location" (location, objects)     totals: objects
  ///  "objects_by_class"    (class, objects)        names resolved with `names`
  ///  "references_by_location" (location, references)
  ///  "duplicate_strings"   (value, count, location, location_count): one row
  ///      per (value, location), grouped by value; values seen at least twice
  ///      by this DrillDown and those merged into it.
  std::vector<Table> to_tables(uint64_t top_n, const ClassNames& names) const;

 private:
  struct State;
  Selection selection_;
  std::unique_ptr<State> state_;
};

}  // namespace heapdump
