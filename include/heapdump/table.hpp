// The neutral result of an analysis. Renderers see only this.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace heapdump {

/// Sums of memsize: 128 bits, so that no dump can make them wrap (each
/// memsize is up to 2^64 - 1, and so is the number of objects).
using uint128 = unsigned __int128;
using int128 = __int128;

/// Text that several cells show, held once (a string value shown in several
/// rows and tables, which may be long: `read --strings`). Never null.
using SharedText = std::shared_ptr<const std::string>;

/// A cell: null, an exact unsigned integer, text (raw bytes: its own, or a
/// SharedText; read either with as_text()), or a signed integer (a
/// difference, e.g. `compare`'s deltas; only in columns of kind kCountDelta
/// / kBytesDelta). Integers are 64 bits, or 128 for sums of bytes;
/// renderers print either exactly.
using Cell = std::variant<std::monostate, uint64_t, std::string, int64_t, uint128, int128, SharedText>;

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
  std::vector<std::pair<std::string, uint128>> totals;
  /// Rows made on demand, after `rows`, for a table too big to hold (every
  /// hop of a path of millions): the JSON and CSV renderers call it once
  /// and it passes each row to `emit`, so a row exists only while it is
  /// rendered. Empty for ordinary tables.
  using RowSink = std::function<void(const std::vector<Cell>&)>;
  std::function<void(const RowSink& emit)> row_source;

  /// The total called `key`, or 0.
  uint128 total(const std::string& key) const {
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
/// An unsigned cell, 64 or 128 bits.
inline uint128 as_int(const Cell& c) {
  if (const auto* v = std::get_if<uint64_t>(&c)) return *v;
  return std::get<uint128>(c);
}
/// Whether a cell is text (its own or shared).
inline bool is_text(const Cell& c) {
  return std::holds_alternative<std::string>(c) || std::holds_alternative<SharedText>(c);
}
inline const std::string& as_text(const Cell& c) {
  if (const auto* shared = std::get_if<SharedText>(&c)) return **shared;
  return std::get<std::string>(c);
}
/// A signed cell, 64 or 128 bits.
inline int128 as_signed(const Cell& c) {
  if (const auto* v = std::get_if<int64_t>(&c)) return *v;
  return std::get<int128>(c);
}
inline bool is_unsigned(const Cell& c) {
  return std::holds_alternative<uint64_t>(c) || std::holds_alternative<uint128>(c);
}
inline bool is_signed(const Cell& c) {
  return std::holds_alternative<int64_t>(c) || std::holds_alternative<int128>(c);
}

/// An unsigned cell holding `v`: 64 bits when it fits (every count, and
/// every sum of bytes of a real dump), else 128.
inline Cell int_cell(uint128 v) {
  if (v <= UINT64_MAX) return Cell{static_cast<uint64_t>(v)};
  return Cell{v};
}
/// A signed cell holding `v`, 64 bits when it fits.
inline Cell signed_cell(int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return Cell{static_cast<int64_t>(v)};
  return Cell{v};
}

/// A row of cells, built one cell at a time: a braced list of Cells whose
/// construction throws part way (std::bad_alloc copying a huge value) is
/// unwound wrongly by GCC 12 once a cell holds a 128-bit integer (a crash
/// instead of the out-of-memory message; tests/cli/memory_test.sh).
template <typename... T>
std::vector<Cell> make_row(T&&... cells) {
  std::vector<Cell> row;
  row.reserve(sizeof...(T));
  (row.emplace_back(std::forward<T>(cells)), ...);
  return row;
}

/// `v` in decimal, exactly (std::to_string has no 128-bit overloads).
std::string decimal(uint128 v);
std::string decimal(int128 v);
inline std::string decimal(uint64_t v) { return decimal(uint128{v}); }

}  // namespace heapdump
