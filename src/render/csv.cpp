// CSV renderer: one RFC 4180 document, layout in docs/output-formats.md.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "heapdump/render.hpp"
#include "render/flush.hpp"

namespace heapdump {
namespace {

constexpr std::string_view kEol = "\r\n";
constexpr std::string_view kTotalsSuffix = ".totals";

/// A text field of the bytes `prefix` then `s` (the prefix is "" or the
/// "'" of --csv-safe, which needs no quoting): bytes as is; quoted (inner
/// quotes doubled) when it holds a comma, quote, CR or LF, and when it is
/// empty (so "" is the empty string and an unquoted empty field is null).
/// With a `flush`, a long text goes out in pieces of about kFlushBytes, so
/// that a value of a gigabyte is never held twice (the cell, and its field).
void append_text(std::string_view s, std::string* out, std::string_view prefix = {},
                 const RenderFlush* flush = nullptr) {
  const bool quoted = (prefix.empty() && s.empty()) || s.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quoted) *out += '"';
  *out += prefix;
  for (size_t at = 0; at < s.size(); at += kFlushBytes) {
    if (at > 0) flush_full(flush, out);
    const std::string_view piece = s.substr(at, kFlushBytes);
    if (!quoted) {
      *out += piece;
      continue;
    }
    for (char c : piece) {
      if (c == '"') *out += '"';
      *out += c;
    }
  }
  if (quoted) *out += '"';
}

void append_uint(uint128 v, std::string* out) { *out += decimal(v); }

/// Whether a spreadsheet may run a cell that starts like `s` as a formula.
bool formula_like(std::string_view s) {
  return !s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos;
}

void append_cell(const Cell& c, const CsvOptions& options, std::string* out,
                 const RenderFlush* flush) {
  if (is_null(c)) return;
  if (is_unsigned(c)) {
    append_uint(as_int(c), out);
  } else if (is_signed(c)) {
    *out += decimal(as_signed(c));
  } else {
    const std::string& text = as_text(c);
    append_text(text, out, options.formula_safe && formula_like(text) ? "'" : "", flush);
  }
}

/// The header: every column name in order of first appearance (tables in
/// order, columns in order), then every totals key that is not a column
/// name, in order of first appearance.
class Header {
 public:
  explicit Header(const std::vector<Table>& tables) {
    for (const Table& t : tables) {
      for (const Column& c : t.columns) add(c.name);
    }
    for (const Table& t : tables) {
      for (const auto& total : t.totals) add(total.first);
    }
  }
  const std::vector<std::string>& names() const { return names_; }
  size_t index(const std::string& name) const { return index_.at(name); }

 private:
  void add(const std::string& name) {
    if (index_.try_emplace(name, names_.size()).second) names_.push_back(name);
  }
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> index_;
};

/// One record: the table field, then `fields` (one per header name).
void append_record(std::string_view table, const std::vector<const Cell*>& fields,
                   const CsvOptions& options, std::string* out, const RenderFlush* flush = nullptr) {
  append_text(table, out);
  for (const Cell* c : fields) {
    *out += ',';
    if (c != nullptr) append_cell(*c, options, out, flush);
  }
  *out += kEol;
}

}  // namespace

void render_csv(const Report& report, std::string* out, CsvOptions options,
                const RenderFlush& flush) {
  const Header header(report.tables);
  *out += "table";
  for (const std::string& name : header.names()) {
    *out += ',';
    append_text(name, out);
  }
  *out += kEol;

  std::vector<const Cell*> fields(header.names().size());
  std::vector<Cell> totals;  // cells for the totals record
  for (const Table& t : report.tables) {
    std::vector<size_t> where;  // header index of each column
    where.reserve(t.columns.size());
    for (const Column& c : t.columns) where.push_back(header.index(c.name));
    auto append_row = [&](const std::vector<Cell>& row) {
      std::fill(fields.begin(), fields.end(), nullptr);
      for (size_t i = 0; i < row.size() && i < where.size(); ++i) {
        // A repeated column name keeps its first cell.
        if (fields[where[i]] == nullptr) fields[where[i]] = &row[i];
      }
      append_record(t.name, fields, options, out, &flush);
      flush_full(&flush, out);
    };
    for (const auto& row : t.rows) append_row(row);
    if (t.row_source) t.row_source(append_row);
    if (!t.totals.empty()) {
      totals.clear();
      totals.reserve(t.totals.size());
      std::fill(fields.begin(), fields.end(), nullptr);
      for (const auto& [key, value] : t.totals) {
        totals.emplace_back(value);
        const size_t i = header.index(key);
        if (fields[i] == nullptr) fields[i] = &totals.back();
      }
      append_record(t.name + std::string(kTotalsSuffix), fields, options, out);
    }
  }
}

}  // namespace heapdump
