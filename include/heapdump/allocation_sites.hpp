// `heapdump report FILE`, sections "Generations" and "Allocation sites":
// where the dump's objects were allocated, as `read FILE --by KEY` and
// `read FILE --strings` count them, and the same per generation.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "heapdump/class_names.hpp"
#include "heapdump/generation_groups.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/string_report.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Generations kept in "generation_groups" (those with the most bytes) and
/// rows per key and generation there (at most; fewer with a smaller --lines):
/// at most 30 × 6 × 11 rows, so the page stays small.
inline constexpr uint64_t kSiteGenerations = 30;
inline constexpr uint64_t kSiteGenerationRows = 10;
/// A string value longer than this many bytes is cut (at a character
/// boundary) and ends in "…" in the report's string tables, which list at
/// most this many locations under each value.
inline constexpr size_t kSiteValueBytes = 120;
inline constexpr uint64_t kSiteValueLocations = 5;

/// Folds every object of a dump by generation and group key, and its
/// strings by value, for the report's allocation tables.
class AllocationSites final : public RecordSink {
 public:
  /// Every object of one read on N parsing threads goes to N of these,
  /// merged into one after the read: they share `sightings` (see
  /// StringReport), and tables() shows up to `max_lines` rows a table.
  AllocationSites(uint64_t max_lines, const std::shared_ptr<StringSightings>& sightings);
  /// One alone (any number of rows).
  AllocationSites() : AllocationSites(UINT64_MAX, make_string_sightings()) {}
  void on_record(const ObjectRecord& record) override;
  /// Adds another AllocationSites' counts (from another parsing thread).
  void merge(const AllocationSites& other);

  /// The report's tables, in this order:
  ///  allocated_by_class, allocated_by_location, allocated_by_gem,
  ///  allocated_by_file, allocated_by_type, allocated_by_method: the rows
  ///      and totals of `read FILE --by KEY --lines N` (GroupBy::to_table,
  ///      every object), with one more total, "groups" (before the cut);
  ///  strings_by_memory, strings_by_copies, frozen_string_candidates: those
  ///      of `read FILE --strings --lines N`, values longer than
  ///      kSiteValueBytes cut; the two strings_by_* tables keep the first
  ///      kSiteValueLocations locations of each value (read's first rows of
  ///      it) and get one more total, "values" (distinct values counted);
  ///  generation_groups: GenerationGroups::to_table with
  ///      min(N, kSiteGenerationRows) rows per key, kSiteGenerations
  ///      generations, the keys in the order above.
  std::vector<Table> tables(const ClassNames& names, uint64_t lines) const;

 private:
  GenerationGroups generations_;
  StringReport strings_;
};

}  // namespace heapdump
