// `read FILE [GEN] --strings`: the strings that cost the most, and where.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "heapdump/drill_down.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Folds STRING objects that have a "value" by value and by (value,
/// location). A location is "FILE:LINE" ("FILE:" without a line), or
/// "(no file)" for strings without allocation info.
class StringReport final : public RecordSink {
 public:
  /// With a selection, only strings it matches that have a "file" (as the
  /// drill-down); without one, every string of the dump.
  explicit StringReport(std::optional<Selection> selection);
  ~StringReport() override;
  StringReport(const StringReport&) = delete;
  StringReport& operator=(const StringReport&) = delete;

  void on_record(const ObjectRecord& record) override;
  /// Adds another StringReport's counts (from another parsing thread).
  void merge(const StringReport& other);

  /// Three tables:
  ///  "strings_by_memory" (value, bytes, objects, location, location_bytes,
  ///      location_objects): the top `top_n` values by bytes, each followed by
  ///      its top `top_n` locations by bytes; one row per (value, location).
  ///  "strings_by_copies": the same columns, values and their locations
  ///      ranked by objects (copies).
  ///  "frozen_string_candidates" (location, value, objects, bytes): the top
  ///      `top_n` (location, value) pairs with at least two copies, by objects:
  ///      the same value allocated again and again at one place.
  /// Ties keep the order of first appearance. Totals of both strings_by_*
  /// tables: "bytes", "objects" of all strings counted.
  std::vector<Table> to_tables(uint64_t top_n) const;
  /// How many distinct values were counted.
  uint64_t values() const;

 private:
  struct State;
  std::optional<Selection> selection_;
  std::unique_ptr<State> state_;
};

}  // namespace heapdump
