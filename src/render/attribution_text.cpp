// Text layout of `read --by`, `read --strings` and `compare`.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "heapdump/render.hpp"
#include "render/ruby_inspect.hpp"
#include "heapdump/names.hpp"
#include "heapdump/terminal_text.hpp"
#include "render/units.hpp"

namespace heapdump {
namespace {

constexpr std::string_view kRule = "==============================";  // 30

/// "+12", "-3", "0".
std::string signed_text(int128 v) { return v > 0 ? "+" + decimal(v) : decimal(v); }

size_t width_of(const Table& t, size_t column) {
  size_t w = 1;
  for (const auto& row : t.rows) w = std::max(w, static_cast<size_t>(decimal_digits(as_int(row[column]))));
  return w;
}

/// Characters of a string value shown in text output; a longer value is cut
/// there and followed by "… (N bytes)" (JSON and CSV keep it whole).
constexpr size_t kShownValueChars = 120;

/// The length in bytes of the first `chars` characters of `v`: UTF-8
/// sequences count as one character, any other byte as one.
size_t prefix_bytes(std::string_view v, size_t chars) {
  size_t i = 0;
  for (size_t n = 0; n < chars && i < v.size(); ++n) {
    const auto b = static_cast<unsigned char>(v[i]);
    const size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    bool whole = i + len <= v.size();
    for (size_t k = 1; whole && k < len; ++k) {
      whole = (static_cast<unsigned char>(v[i + k]) & 0xC0) == 0x80;
    }
    i += whole ? len : 1;
  }
  return i;
}

/// A value as Ruby's String#inspect shows it, cut after kShownValueChars
/// characters: "\"abc…\"… (200015 bytes)".
std::string shown_value(std::string_view v) {
  const size_t cut = prefix_bytes(v, kShownValueChars);
  if (cut >= v.size()) return ruby_inspect(v);
  return ruby_inspect(v.substr(0, cut)) + fmt::format("\u2026 ({} bytes)", v.size());
}

/// The title of a section: `title`, then the rule.
void section(std::string_view title, std::string* out) {
  fmt::format_to(std::back_inserter(*out), "{}\n{}\n", title, kRule);
}

/// One strings_by_* table: each value as "  A  B  "inspected"", then its
/// locations as "  A  B  location", then a blank line. `first`/`second` are
/// the value's columns, shown in that order (the ranked one first).
void append_string_values(const Table& t, size_t first, size_t second, std::string* out) {
  const size_t w1 = std::max(width_of(t, first), width_of(t, first + 3));
  const size_t w2 = std::max(width_of(t, second), width_of(t, second + 3));
  const std::string* current = nullptr;
  for (const auto& row : t.rows) {
    if (current == nullptr || *current != as_text(row[0])) {
      if (current != nullptr) *out += '\n';
      current = &as_text(row[0]);
      fmt::format_to(std::back_inserter(*out), "  {:>{}}  {:>{}}  {}\n", as_int(row[first]), w1,
                     as_int(row[second]), w2, shown_value(*current));
    }
    fmt::format_to(std::back_inserter(*out), "  {:>{}}  {:>{}}  {}\n", as_int(row[first + 3]), w1,
                   as_int(row[second + 3]), w2, terminal_text(as_text(row[3])));
  }
  if (current != nullptr) *out += '\n';
}

const Table* find(const std::vector<Table>& tables, std::string_view name) {
  for (const Table& t : tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace

void render_analyzing_title(std::string_view label, std::string* out) {
  fmt::format_to(std::back_inserter(*out), "\nAnalyzing Heap ({})\n-------------------------------\n\n",
                 terminal_text(label));
}

void render_groups_text(const Table& t, std::string* out) {
  const std::string& key = t.columns.at(0).name;
  section(fmt::format("memory and objects by {} ({} bytes, {} objects)", key, t.total("bytes"),
                      t.total("objects")),
          out);
  const size_t wb = width_of(t, 1), wo = width_of(t, 2);
  for (const auto& row : t.rows) {
    fmt::format_to(std::back_inserter(*out), "  {:>{}}  {:>{}}  {}\n", as_int(row[1]), wb,
                   as_int(row[2]), wo, terminal_text(as_text(row[0])));
  }
}

void render_strings_text(const std::vector<Table>& tables, std::string* out) {
  bool first_section = true;
  auto gap = [&] {
    if (!first_section && !(out->size() >= 2 && out->compare(out->size() - 2, 2, "\n\n") == 0)) {
      *out += '\n';
    }
    first_section = false;
  };
  if (const Table* t = find(tables, "strings_by_memory")) {
    gap();
    section(fmt::format("strings by memory ({} bytes, {} strings)", t->total("bytes"),
                        t->total("objects")),
            out);
    *out += '\n';
    append_string_values(*t, 1, 2, out);
  }
  if (const Table* t = find(tables, "strings_by_copies")) {
    gap();
    section(fmt::format("strings by copies ({} strings, {} bytes)", t->total("objects"),
                        t->total("bytes")),
            out);
    *out += '\n';
    append_string_values(*t, 2, 1, out);
  }
  if (const Table* t = find(tables, "frozen_string_candidates")) {
    gap();
    section("frozen string candidates (copies of one value allocated at one location)", out);
    const size_t wo = width_of(*t, 2), wb = width_of(*t, 3);
    for (const auto& row : t->rows) {
      fmt::format_to(std::back_inserter(*out), "  {:>{}}  {:>{}}  {}  {}\n", as_int(row[2]), wo,
                     as_int(row[3]), wb, terminal_text(as_text(row[0])),
                     shown_value(as_text(row[1])));
    }
  }
}

void render_compare_text(std::string_view a, std::string_view b, const std::vector<Table>& tables,
                         bool tracer_included, std::string* out) {
  *out += "\nComparing heap dumps\n-------------------------------\n";
  if (!tables.empty()) {
    const Table& t = tables[0];
    fmt::format_to(std::back_inserter(*out), "A: {} ({} objects, {} bytes)\n", terminal_text(a),
                   t.total("objects_a"), t.total("bytes_a"));
    fmt::format_to(std::back_inserter(*out), "B: {} ({} objects, {} bytes)\n", terminal_text(b),
                   t.total("objects_b"), t.total("bytes_b"));
    const uint128 tracer_a = t.total("allocation_tracer_bytes_a");
    const uint128 tracer_b = t.total("allocation_tracer_bytes_b");
    if (tracer_a + tracer_b > 0) {
      fmt::format_to(std::back_inserter(*out),
                     "Note: allocation tracing itself holds {} bytes in A and {} bytes in B "
                     "(Ruby's allocation tracer; {})\n",
                     decimal(tracer_a), decimal(tracer_b),
                     tracer_included ? "counted as the group (allocation tracer), --include-tracer"
                                     : "left out of every group and total; --include-tracer counts it");
    }
  }
  for (const Table& t : tables) {
    const std::string& key = t.columns.at(0).name;
    const int128 total_bytes =
        static_cast<int128>(t.total("bytes_b")) - static_cast<int128>(t.total("bytes_a"));
    const int128 total_objects =
        static_cast<int128>(t.total("objects_b")) - static_cast<int128>(t.total("objects_a"));
    *out += '\n';
    section(fmt::format("growth by {}, B - A ({} bytes, {} objects)", key,
                        signed_text(total_bytes), signed_text(total_objects)),
            out);
    // Columns as shown: +bytes +objects bytes_A objects_A bytes_B objects_B status key.
    const char* labels[] = {"+bytes", "+objects", "bytes A", "objects A", "bytes B", "objects B"};
    const size_t source[] = {6, 5, 2, 1, 4, 3};  // table column of each shown number
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : t.rows) {
      std::vector<std::string> c;
      for (size_t i = 0; i < 6; ++i) {
        const Cell& cell = row[source[i]];
        c.push_back(i < 2 ? signed_text(as_signed(cell)) : decimal(as_int(cell)));
      }
      c.push_back(is_null(row[7]) ? std::string() : as_text(row[7]));
      cells.push_back(std::move(c));
    }
    size_t widths[6];
    for (size_t i = 0; i < 6; ++i) {
      widths[i] = std::string_view(labels[i]).size();
      for (const auto& c : cells) widths[i] = std::max(widths[i], c[i].size());
    }
    std::string line;
    for (size_t i = 0; i < 6; ++i) line += fmt::format("  {:>{}}", labels[i], widths[i]);
    *out += line + fmt::format("  {:<4}  {}\n", "", key);
    for (size_t r = 0; r < cells.size(); ++r) {
      line.clear();
      for (size_t i = 0; i < 6; ++i) line += fmt::format("  {:>{}}", cells[r][i], widths[i]);
      *out += line + fmt::format("  {:<4}  {}\n", cells[r][6], terminal_text(as_text(t.rows[r][0])));
    }
    const uint64_t summed_a = t.total("address_groups_a"), summed_b = t.total("address_groups_b");
    if (summed_a + summed_b > 0) {
      fmt::format_to(std::back_inserter(*out),
                     "  Classes named by an address (#<Class:0x...>: {} in A, {} in B) are summed as "
                     "\"{}\" and \"{}\":\n  addresses of two processes mean nothing to each other.\n",
                     summed_a, summed_b, kAnonymousClassesGroup, kUnnamedSingletonsGroup);
    }
  }
}

}  // namespace heapdump
