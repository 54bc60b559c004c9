// JSON renderer: one document, schema in docs/output-formats.md.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "heapdump/render.hpp"
#include "heapdump/terminal_text.hpp"
#include "render/flush.hpp"

namespace heapdump {
namespace {

constexpr int kSchemaVersion = 1;
/// Bytes of a string between looks at the output's size (a byte is at most
/// 6 when escaped).
constexpr size_t kFlushCheckBytes = size_t{1} << 16;
constexpr char kHex[] = "0123456789abcdef";

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t n = decode_utf8(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_u00(unsigned char b, std::string* out) {
  *out += "\\u00";
  *out += kHex[b >> 4];
  *out += kHex[b & 0xF];
}

/// An ASCII byte inside a JSON string: `"` and `\` escaped, control
/// characters as \b \f \n \r \t or \u00xx (lower-case hex), DEL as \u007f,
/// the rest as is.
void append_ascii(unsigned char b, std::string* out) {
  switch (b) {
    case '"': *out += "\\\""; return;
    case '\\': *out += "\\\\"; return;
    case '\b': *out += "\\b"; return;
    case '\f': *out += "\\f"; return;
    case '\n': *out += "\\n"; return;
    case '\r': *out += "\\r"; return;
    case '\t': *out += "\\t"; return;
    default:
      if (b < 0x20 || b == 0x7F) {
        append_u00(b, out);
      } else {
        *out += static_cast<char>(b);
      }
  }
}

/// A JSON string of `s`; valid UTF-8 sequences are copied as is, except
/// the C1 and bidirectional controls of include/heapdump/terminal_text.hpp and
/// U+2028/U+2029 (\u0085, \u202e, ...: the same string, nothing a terminal
/// or a JavaScript parser acts on), and (only reachable for keys, see
/// append_text) each byte that is not part of one becomes U+FFFD.
///
/// With a `flush`, a long string goes out in pieces: `out` is flushed inside
/// it once it holds kFlushBytes or more, so that a value of a gigabyte is
/// never held twice (the cell, and its JSON).
void append_string(std::string_view s, std::string* out, const RenderFlush* flush = nullptr) {
  *out += '"';
  size_t check = kFlushCheckBytes;  // where to look at out's size next
  for (size_t i = 0; i < s.size();) {
    if (i >= check) {
      check = i + kFlushCheckBytes;
      flush_full(flush, out);
    }
    uint32_t cp = 0;
    const size_t n = decode_utf8(s, i, &cp);
    if (n == 1) {
      append_ascii(static_cast<unsigned char>(s[i]), out);
      i += 1;
    } else if (n > 1 && (is_terminal_control(cp) || cp == 0x2028 || cp == 0x2029)) {
      *out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) *out += kHex[(cp >> shift) & 0xF];
      i += n;
    } else if (n > 1) {
      out->append(s.data() + i, n);
      i += n;
    } else {
      *out += "\xEF\xBF\xBD";  // U+FFFD
      i += 1;
    }
  }
  *out += '"';
}

/// A text value (cell or parameter): a JSON string if `s` is valid UTF-8,
/// else {"latin1":"..."} whose code points U+0000..U+00FF are the bytes.
/// Flushed inside as append_string.
void append_text(std::string_view s, std::string* out, const RenderFlush* flush) {
  if (is_valid_utf8(s)) {
    append_string(s, out, flush);
    return;
  }
  *out += "{\"latin1\":\"";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i % kFlushCheckBytes == kFlushCheckBytes - 1) flush_full(flush, out);
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      append_ascii(b, out);
    } else {
      append_u00(b, out);
    }
  }
  *out += "\"}";
}

void append_uint(uint128 v, std::string* out) { *out += decimal(v); }

void append_int(int128 v, std::string* out) { *out += decimal(v); }

void append_cell(const Cell& c, std::string* out, const RenderFlush* flush = nullptr) {
  if (is_null(c)) {
    *out += "null";
  } else if (is_unsigned(c)) {
    append_uint(as_int(c), out);
  } else if (is_signed(c)) {
    append_int(as_signed(c), out);
  } else {
    append_text(as_text(c), out, flush);
  }
}

std::string_view kind_name(Column::Kind kind) {
  switch (kind) {
    case Column::Kind::kText: return "text";
    case Column::Kind::kCount: return "count";
    case Column::Kind::kBytes: return "bytes";
    case Column::Kind::kInteger: return "integer";
    case Column::Kind::kCountDelta: return "count_delta";
    case Column::Kind::kBytesDelta: return "bytes_delta";
  }
  return "text";
}

void append_table(const Table& t, std::string* out, const RenderFlush& flush) {
  *out += "{\"name\":";
  append_string(t.name, out);
  *out += ",\"columns\":[";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i > 0) *out += ',';
    *out += "{\"name\":";
    append_string(t.columns[i].name, out);
    *out += ",\"kind\":";
    append_string(kind_name(t.columns[i].kind), out);
    *out += '}';
  }
  *out += "],\"rows\":[";
  bool first = true;
  auto append_row = [&](const std::vector<Cell>& row) {
    if (!first) *out += ',';
    first = false;
    *out += '[';
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) *out += ',';
      append_cell(row[i], out, &flush);
    }
    *out += ']';
    flush_full(&flush, out);
  };
  for (const auto& row : t.rows) append_row(row);
  if (t.row_source) t.row_source(append_row);
  *out += "],\"totals\":{";
  for (size_t i = 0; i < t.totals.size(); ++i) {
    if (i > 0) *out += ',';
    append_string(t.totals[i].first, out);
    *out += ':';
    append_uint(t.totals[i].second, out);
  }
  *out += "}}";
}

}  // namespace

void render_json(const Report& report, std::string* out, const RenderFlush& flush) {
  *out += "{\"schema_version\":";
  append_uint(kSchemaVersion, out);
  *out += ",\"command\":";
  append_string(report.command, out);
  *out += ",\"parameters\":{";
  for (size_t i = 0; i < report.parameters.size(); ++i) {
    if (i > 0) *out += ',';
    append_string(report.parameters[i].first, out);
    *out += ':';
    append_cell(report.parameters[i].second, out);
  }
  *out += "},\"tables\":[";
  for (size_t i = 0; i < report.tables.size(); ++i) {
    if (i > 0) *out += ',';
    append_table(report.tables[i], out, flush);
  }
  *out += "]}\n";
}

}  // namespace heapdump
