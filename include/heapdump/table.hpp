// The neutral result of an analysis. Renderers see only this.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace heapdump {

/// A cell: null, an exact unsigned integer, text (raw bytes), or a signed
/// integer (a difference, e.g. `compare`'s deltas; only in columns of kind
/// kCountDelta / kBytesDelta).
using Cell = std::variant<std::monostate, uint64_t, std::string, int64_t>;

struct Column {
  enum class Kind { kText, kCount, kBytes, kInteger, kCountDelta, kBytesDelta };
  std::string name;
  Kind kind = Kind::kText;
};

/// A named table of rows, plus named totals (exact integers).
struct Table {
  std::string name;  ///< stable identifier, e.g. "memory_by_location"
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::vector<std::pair<std::string, uint64_t>> totals;
  /// Rows made on demand, after `rows`, for a table too big to hold (every
  /// hop of a path of millions): the JSON and CSV renderers call it once
  /// and it passes each row to `emit`, so a row exists only while it is
  /// rendered. Empty for ordinary tables.
  using RowSink = std::function<void(const std::vector<Cell>&)>;
  std::function<void(const RowSink& emit)> row_source;

  /// The total called `key`, or 0.
  uint64_t total(const std::string& key) const {
    for (const auto& [k, v] : totals) {
      if (k == key) return v;
    }
    return 0;
  }
  /// Index of the column called `column_name`, or -1.
  int column(const std::string& column_name) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].name == column_name) return static_cast<int>(i);
    }
    return -1;
  }
};

/// Everything one command produced: what was asked, and its tables.
struct Report {
  std::string command;  ///< "read", "diff", ...
  /// What was asked and read, in order: e.g. {"file", "a.json"},
  /// {"generation", "all"}, {"lines", 50}. Null cells mean "not given".
  std::vector<std::pair<std::string, Cell>> parameters;
  std::vector<Table> tables;
};

/// Helpers to read cells.
inline bool is_null(const Cell& c) { return std::holds_alternative<std::monostate>(c); }
inline uint64_t as_int(const Cell& c) { return std::get<uint64_t>(c); }
inline const std::string& as_text(const Cell& c) { return std::get<std::string>(c); }
inline int64_t as_signed(const Cell& c) { return std::get<int64_t>(c); }

}  // namespace heapdump
