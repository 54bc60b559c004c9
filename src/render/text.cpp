#include <fmt/format.h>

#include <algorithm>

#include "heapdump/render.hpp"
#include "render/ruby_inspect.hpp"
#include "heapdump/terminal_text.hpp"
#include "render/units.hpp"

namespace heapdump {
namespace {

constexpr std::string_view kRule = "==============================";  // 30

/// Rows of (key, number) as "  NUMBER  key", numbers right-aligned.
void append_ranked_rows(const Table& t, std::string* out) {
  int width = 1;
  for (const auto& row : t.rows) width = std::max(width, decimal_digits(as_int(row[1])));
  for (const auto& row : t.rows) {
    fmt::format_to(std::back_inserter(*out), "  {:>{}}  {}\n", as_int(row[1]), width,
                   terminal_text(as_text(row[0])));
  }
}

void append_duplicate_strings(const Table& t, std::string* out) {
  int width = 1;
  for (const auto& row : t.rows) width = std::max(width, decimal_digits(as_int(row[1])));
  const std::string* current = nullptr;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    if (current == nullptr || *current != as_text(row[0])) {
      if (current != nullptr) *out += '\n';
      current = &as_text(row[0]);
      fmt::format_to(std::back_inserter(*out), " {:>{}}  {}\n", as_int(row[1]), width,
                     ruby_inspect(*current));
    }
    fmt::format_to(std::back_inserter(*out), " {:>{}}  {}\n", as_int(row[3]), width,
                   terminal_text(as_text(row[2])));
  }
  if (current != nullptr) *out += '\n';
}

}  // namespace

void render_summary_text(const Table& t, std::string* out) {
  uint128 largest = 0;
  for (const auto& row : t.rows) {
    if (!is_null(row[0])) largest = std::max(largest, as_int(row[0]));
  }
  const int width = std::max(3, decimal_digits(largest));
  *out += "\nAnalyzing Heap\n==============\n";
  for (const auto& row : t.rows) {
    const std::string label = is_null(row[0]) ? "nil" : decimal(as_int(row[0]));
    fmt::format_to(std::back_inserter(*out), "Generation: {:>{}} object count: {}, mem: {} kb\n",
                   label, width, as_int(row[1]), format_kb(as_int(row[2])));
  }
  fmt::format_to(std::back_inserter(*out),
                 "\nHeap total\n==============\nGenerations (active): {}\nCount: {}\nMemory: {} kb\n",
                 t.total("generations"), t.total("objects"), format_kb(t.total("bytes")));
}

void render_drill_down_text(std::string_view label, const std::vector<Table>& tables,
                            std::string* out) {
  fmt::format_to(std::back_inserter(*out),
                 "\nAnalyzing Heap (Generation: {})\n-------------------------------\n\n",
                 terminal_text(label));

  const Table& memory = table_named(tables, "memory_by_location");
  fmt::format_to(std::back_inserter(*out), "allocated by memory ({}) (in bytes)\n{}\n",
                 memory.total("bytes"), kRule);
  append_ranked_rows(memory, out);

  const Table& count = table_named(tables, "objects_by_location");
  fmt::format_to(std::back_inserter(*out), "\nobject count ({})\n{}\n", count.total("objects"),
                 kRule);
  append_ranked_rows(count, out);

  const Table& classes = table_named(tables, "objects_by_class");
  if (!classes.rows.empty()) {
    fmt::format_to(std::back_inserter(*out), "\nobject counts by class\n{}\n", kRule);
    append_ranked_rows(classes, out);
  }

  const Table& refs = table_named(tables, "references_by_location");
  if (!refs.rows.empty()) {
    fmt::format_to(std::back_inserter(*out), "\nHigh Ref Counts\n{}\n\n", kRule);
    append_ranked_rows(refs, out);
  }

  const Table& strings = table_named(tables, "duplicate_strings");
  if (!strings.rows.empty()) {
    fmt::format_to(std::back_inserter(*out), "\nDuplicate strings\n{}\n\n", kRule);
    append_duplicate_strings(strings, out);
  }
}

void render_diff_text(const Table& t, bool retained, std::string* out) {
  const std::string_view verb = retained ? "Retained" : "Allocated";
  const uint128 total = t.total("bytes");
  for (const auto& row : t.rows) {
    const std::string line = is_null(row[4]) ? std::string() : decimal(as_int(row[4]));
    fmt::format_to(std::back_inserter(*out),
                   "{} {} {} objects of size {}/{} (in bytes) at: {}:{}\n", verb,
                   terminal_text(as_text(row[0])), as_int(row[1]), as_int(row[2]), total,
                   is_null(row[3]) ? std::string() : terminal_text(as_text(row[3])), line);
  }
}

std::string diff_total_line(const Table& t, size_t groups, bool retained) {
  const uint128 objects = t.total("objects");
  if (objects == 0) return "no new objects\n";
  std::string shown;
  if (t.rows.size() < groups) shown = fmt::format(" ({} of {} rows shown)", t.rows.size(), groups);
  return fmt::format("{} {}, {} bytes new{}{}\n", decimal(objects),
                     objects == 1 ? "object" : "objects", decimal(t.total("bytes")),
                     retained ? " and retained" : "", shown);
}

}  // namespace heapdump
