// `read FILE [GEN] --strings`: the strings that cost the most, and where.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "heapdump/drill_down.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/status.hpp"
#include "heapdump/table.hpp"
#include "heapdump/value_sightings.hpp"

namespace heapdump {

/// How a StringReport reads bytes of its input again after the read: the
/// input's name (for messages) and `read`, which fills `out` with the
/// `size` bytes at `offset` (InputSource::read_at of a plain regular file).
struct ValueReadBack {
  std::string name;
  std::function<Status(uint64_t offset, uint64_t size, std::string* out)> read;
};

/// Folds STRING objects that have a "value" by value and by (value,
/// location). A location is "FILE:LINE" ("FILE:" without a line), or
/// "(no file)" for strings without allocation info.
///
/// As DrillDown, it keeps a value's text only from its second sighting on:
/// the first sighting (among the StringReports of one parallel read, which
/// share `sightings`) is a fingerprint with its byte offset, memsize and
/// location. A value seen once can still be shown (by memory, or by copies
/// when fewer values have two), so the text of a first sighting is kept
/// while it is among the `max_rows` best first sightings by memsize or by
/// byte offset, which is enough for every table of up to `max_rows` rows.
///
/// With a `read_back` (an input that is a plain regular file), such a first
/// sighting of kReadBackBytes or more whose bytes stand in the line as they
/// are (no escapes) keeps no copy but where those bytes are, and
/// to_tables() reads the text of those it shows back from the input: one
/// value of a gigabyte then costs no second gigabyte beside the line being
/// read.
class StringReport final : public RecordSink {
 public:
  /// Values this long or longer are read back (see above).
  static constexpr uint64_t kReadBackBytes = uint64_t{1} << 16;

  /// With a selection, only strings it matches that have a "file" (as the
  /// drill-down); without one, every string of the dump. to_tables() may
  /// then show up to `max_rows` rows a table.
  explicit StringReport(std::optional<Selection> selection, uint64_t max_rows = UINT64_MAX,
                        std::shared_ptr<StringSightings> sightings = make_string_sightings(),
                        ValueReadBack read_back = {});
  ~StringReport() override;
  StringReport(const StringReport&) = delete;
  StringReport& operator=(const StringReport&) = delete;

  void on_record(const ObjectRecord& record) override;
  /// Adds another StringReport's counts (from another parsing thread), one
  /// with the same selection, max_rows and sightings (std::invalid_argument
  /// if the sightings differ).
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
  /// tables: "bytes", "objects" of all strings counted. `top_n` is at most
  /// max_rows (std::invalid_argument otherwise). Each value shown is one
  /// SharedText, in all its rows and tables. Not ok when a value cannot be
  /// read back, or is not what was read (the file changed meanwhile).
  Status to_tables(uint64_t top_n, std::vector<Table>* out) const;
  /// The same, for a StringReport without a read_back (which cannot fail).
  std::vector<Table> to_tables(uint64_t top_n) const;
  /// How many distinct values were counted: by every StringReport that
  /// shares this one's sightings (each value has one first sighting there),
  /// so after the read, when all are merged into this one.
  uint64_t values() const;

 private:
  struct State;
  std::optional<Selection> selection_;
  std::unique_ptr<State> state_;
};

}  // namespace heapdump
