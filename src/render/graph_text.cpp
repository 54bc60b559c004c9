// Text layout of `path` and `retained`, from the tables of path_tables()
// and retained_tables(). Cells are found by table and column name.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "heapdump/gem.hpp"
#include "heapdump/graph.hpp"
#include "heapdump/render.hpp"
#include "heapdump/terminal_text.hpp"
#include "render/units.hpp"

namespace heapdump {
namespace {

constexpr std::string_view kRule = "==============================";  // 30


/// The index of column `name` of `t` (an internal error when there is none).
size_t col(const Table& t, const std::string& name) {
  const int i = t.column(name);
  if (i < 0) throw std::logic_error(fmt::format("table '{}' has no column '{}'", t.name, name));
  return static_cast<size_t>(i);
}

/// What text output shows for an object without allocation info (one word
/// in every command, as `read --by` and `compare` name the group).
constexpr const char* kNoLocation = "(no file)";
static_assert(kNoFileGroup == kNoLocation);

/// Text of a cell, escaped for a terminal; `dflt` for a null cell.
std::string text_or(const Cell& c, const char* dflt) {
  return is_null(c) ? std::string(dflt) : terminal_text(as_text(c));
}

/// "CLASS" or "CLASS NAME" (a class or module's own name after its class).
std::string class_and_name(const Cell& cls, const Cell& name) {
  std::string out = terminal_text(as_text(cls));
  if (!is_null(name)) out += " " + terminal_text(as_text(name));
  return out;
}

/// Text rows of path and retained fit this many columns: a long location
/// is shortened from the left, a long class name from the right.
constexpr size_t kRowColumns = 120;
/// A class name keeps at least this many columns, a location too.
constexpr size_t kMinClassColumns = 24;
constexpr size_t kMinLocationColumns = 24;

/// Columns `s` takes on a terminal: one per UTF-8 character (terminal_text
/// output is valid UTF-8 without controls).
size_t columns(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

/// Byte offset of the character `n` characters from the start of `s`.
size_t offset_of_char(std::string_view s, size_t n) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == 0) return i;
      --n;
    }
  }
  return i;
}

/// `s` in at most `max` columns, cut on the right: "Foo::Bar::Ba…".
std::string fit_right(const std::string& s, size_t max) {
  if (columns(s) <= max || max == 0) return s;
  return s.substr(0, offset_of_char(s, max - 1)) + "\u2026";
}

/// `s` in at most `max` columns, cut on the left, at a '/' when one is left:
/// "…/gems/rack-2.2.22/lib/rack/mock.rb:108".
std::string fit_left(const std::string& s, size_t max) {
  const size_t n = columns(s);
  if (n <= max || max == 0) return s;
  std::string tail = s.substr(offset_of_char(s, n - (max - 1)));
  const size_t slash = tail.find('/');
  if (slash != std::string::npos && slash + 1 < tail.size()) tail = tail.substr(slash);
  return "\u2026" + tail;
}

/// Shortens the class (`c_class`) and location (`c_location`) cells of
/// `rows` so that a row of `fixed` other columns fits kRowColumns.
void fit_row_cells(std::vector<std::vector<std::string>>* rows, size_t c_class, size_t c_location,
                   size_t fixed) {
  size_t w_class = 0, w_location = 0;
  for (const auto& r : *rows) {
    w_class = std::max(w_class, columns(r[c_class]));
    w_location = std::max(w_location, columns(r[c_location]));
  }
  if (fixed + w_class + w_location <= kRowColumns) return;
  const size_t budget = kRowColumns > fixed + kMinClassColumns + kMinLocationColumns
                            ? kRowColumns - fixed
                            : kMinClassColumns + kMinLocationColumns;
  // The class gets what the location leaves, at most 2/5 of the budget if
  // the location needs more.
  size_t max_class = std::min(w_class, std::max(budget * 2 / 5, budget > w_location ? budget - w_location : 0));
  max_class = std::max(max_class, std::min(w_class, kMinClassColumns));
  const size_t max_location = std::max(budget > max_class ? budget - max_class : 0, kMinLocationColumns);
  for (auto& r : *rows) {
    r[c_class] = fit_right(r[c_class], max_class);
    r[c_location] = fit_left(r[c_location], max_location);
  }
}

/// Left-aligned `s` padded to `width` columns.
std::string pad(const std::string& s, size_t width) {
  const size_t n = columns(s);
  return n >= width ? s : s + std::string(width - n, ' ');
}

/// An exact figure with a percentage, e.g. "1234 (12.5%)".
std::string with_share(uint128 part, uint128 whole) {
  const double pct =
      whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  return fmt::format("{} ({:.1f}%)", part, pct);
}

/// 4999980 -> "4,999,980".
std::string with_commas(uint128 n) {
  const std::string digits = decimal(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

/// Rows of numbers (right-aligned to `number_widths`, at least), then
/// address, type, class (left-aligned columns) and a location last, each
/// row fitting kRowColumns: "  NUMBERS  ADDRESS  TYPE  CLASS  LOCATION".
void append_aligned(std::vector<std::vector<std::string>>* rows,
                    const std::vector<size_t>& number_widths, std::string* out) {
  const size_t n = number_widths.size();
  std::vector<size_t> w(n + 4, 0);
  auto measure = [&] {
    for (size_t c = 0; c < n + 4; ++c) {
      w[c] = c < n ? number_widths[c] : 0;
      for (const auto& r : *rows) w[c] = std::max(w[c], columns(r[c]));
    }
  };
  measure();
  size_t fixed = 2 + 2 + w[n] + 2 + w[n + 1] + 2 + 2;  // indent, gaps
  for (size_t c = 0; c < n; ++c) fixed += w[c] + (c > 0 ? 1 : 0);
  fit_row_cells(rows, n + 2, n + 3, fixed);
  measure();
  for (const auto& r : *rows) {
    std::string line = " ";
    for (size_t c = 0; c < n; ++c) line += fmt::format(" {:>{}}", r[c], w[c]);
    line += "  " + pad(r[n], w[n]) + "  " + pad(r[n + 1], w[n + 1]) + "  " + pad(r[n + 2], w[n + 2]) +
            "  " + r[n + 3];
    while (!line.empty() && line.back() == ' ') line.pop_back();
    *out += line + "\n";
  }
}

void section(const std::string& title, std::string* out) {
  *out += fmt::format("\n{}\n{}\n", title, kRule);
}

}  // namespace

void render_path_hops_text(const Table& hops, uint64_t key, std::string* out) {
  const size_t c_hop = col(hops, "hop"), c_root = col(hops, "root"),
               c_address = col(hops, "address"), c_type = col(hops, "type"),
               c_class = col(hops, "class"), c_name = col(hops, "name"),
               c_location = col(hops, "location"), c_memsize = col(hops, "memsize");
  // This path's rows (in hop order), at most kPathEndHops at each end.
  std::vector<const std::vector<Cell>*> rows;
  for (const auto& r : hops.rows) {
    if (as_int(r[0]) == key) rows.push_back(&r);
  }
  if (rows.size() > 2 * kPathEndHops) {
    rows.erase(rows.begin() + kPathEndHops, rows.end() - kPathEndHops);
  }
  // Aligned columns over the rows shown; the root kind first.
  std::vector<std::vector<std::string>> cells;
  std::vector<uint128> sizes;
  std::vector<uint128> left_out;  // hops left out before each row
  uint128 next_hop = 0;
  for (const std::vector<Cell>* row : rows) {
    const auto& r = *row;
    if (cells.empty()) *out += fmt::format("  ROOT {}\n", terminal_text(as_text(r[c_root])));
    cells.push_back({decimal(as_int(r[c_hop])), terminal_text(as_text(r[c_address])),
                     terminal_text(as_text(r[c_type])), class_and_name(r[c_class], r[c_name]),
                     text_or(r[c_location], kNoLocation)});
    sizes.push_back(as_int(r[c_memsize]));
    left_out.push_back(as_int(r[c_hop]) - next_hop);
    next_hop = as_int(r[c_hop]) + 1;
  }
  const std::vector<std::string> head = {"hop", "address", "type", "class", "location"};
  std::vector<size_t> w(head.size());
  auto measure = [&] {
    for (size_t c = 0; c < head.size(); ++c) {
      w[c] = head[c].size();
      for (const auto& row : cells) w[c] = std::max(w[c], columns(row[c]));
    }
  };
  measure();
  fit_row_cells(&cells, 3, 4, 2 + w[0] + 2 + w[1] + 2 + w[2] + 2 + 2 + 2 + 8);
  measure();
  *out += fmt::format("  {:>{}}  {}  {}  {}  {}  {:>8}\n", head[0], w[0], pad(head[1], w[1]),
                      pad(head[2], w[2]), pad(head[3], w[3]), pad(head[4], w[4]), "memsize");
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& row = cells[i];
    if (left_out[i] > 0) {
      *out += fmt::format("  {:>{}}  \u2026 {} hops \u2026\n", "", w[0], with_commas(left_out[i]));
    }
    *out += fmt::format("  {:>{}}  {}  {}  {}  {}  {:>8}\n", row[0], w[0], pad(row[1], w[1]),
                        pad(row[2], w[2]), pad(row[3], w[3]), pad(row[4], w[4]), sizes[i]);
  }
}

void render_path_text(std::string_view what, std::string_view file,
                      const std::vector<Table>& tables, std::string* out) {
  const Table& pt = table_named(tables, "paths");
  *out += fmt::format("Paths from GC roots to {} in {}\n", terminal_text(what),
                      terminal_text(file));
  *out += "-------------------------------\n\n";
  *out += fmt::format("targets: {} objects, {} bytes; reachable from a root: {}; unreachable: {}\n",
                      pt.total("targets"), pt.total("target_bytes"), pt.total("reachable_targets"),
                      pt.total("unreachable_targets"));
  const Table& rt = table_named(tables, "routes");
  const size_t c_hops = col(rt, "hops"), c_targets = col(rt, "targets"),
               c_via = col(rt, "via_accumulation_point");
  for (uint64_t i = 1; i <= pt.total("paths"); ++i) {
    const auto& r = rt.rows[i - 1];
    *out += fmt::format("\nPath {} of {} ({} hops): the route of {} of {} reachable targets{}\n{}\n",
                        i, pt.total("paths"), as_int(r[c_hops]), as_int(r[c_targets]),
                        pt.total("reachable_targets"),
                        as_int(r[c_via]) > 0 ? ", through the accumulation point" : "", kRule);
    render_path_hops_text(pt, i, out);
  }
  const Table& at = table_named(tables, "accumulation_point");
  if (!at.rows.empty()) {
    const auto& r = at.rows[0];
    *out += fmt::format(
        "\nAccumulation point\n{}\n"
        "  {} {} {} at {} (depth {}): on the paths of {} of {} reachable targets ({} bytes)\n",
        kRule, terminal_text(as_text(r[col(at, "address")])),
        terminal_text(as_text(r[col(at, "type")])),
        class_and_name(r[col(at, "class")], r[col(at, "name")]),
        text_or(r[col(at, "location")], kNoLocation), as_int(r[col(at, "depth")]),
        as_int(r[col(at, "targets")]), pt.total("reachable_targets"),
        as_int(r[col(at, "target_bytes")]));
  }
  const Table& mt = table_named(tables, "merged_paths");
  if (!mt.rows.empty()) {
    const size_t c_depth = col(mt, "depth"), c_class = col(mt, "class"),
                 c_objects = col(mt, "objects"), c_address = col(mt, "address"),
                 c_targets = col(mt, "targets"), c_bytes = col(mt, "target_bytes");
    *out += fmt::format("\nMerged shortest paths (by class)\n{}\n", kRule);
    *out += "  targets    bytes  objects  class\n";
    for (const auto& r : mt.rows) {
      *out += fmt::format("  {:>7} {:>8} {:>8}  {:{}}{}{}\n", as_int(r[c_targets]),
                          as_int(r[c_bytes]), as_int(r[c_objects]), "",
                          2 * as_int(r[c_depth]), terminal_text(as_text(r[c_class])),
                          is_null(r[c_address]) ? std::string()
                                                : " " + terminal_text(as_text(r[c_address])));
    }
  }
}

void render_retained_text(const RetainedText& what, const std::vector<Table>& tables,
                          std::string* out) {
  const Table& gt = table_named(tables, "graph");
  const uint128 heap = gt.total("bytes");
  *out += fmt::format("Retained memory (dominator tree) of {}\n", terminal_text(what.file));
  *out += "-------------------------------\n\n";
  *out += fmt::format("objects {}, references {} ({} of them class links), GC root references {}\n",
                      gt.total("objects"), gt.total("edges"), gt.total("class_edges"),
                      gt.total("root_references"));
  *out += fmt::format(
      "heap {} bytes; reachable from roots {} in {} objects; unreachable {} in {} objects\n", heap,
      with_share(gt.total("reachable_bytes"), heap), gt.total("reachable_objects"),
      with_share(gt.total("unreachable_bytes"), heap), gt.total("unreachable_objects"));
  if (gt.total("dangling_references") > 0) {
    *out += fmt::format("references to objects not in the dump (left out): {}\n",
                        gt.total("dangling_references"));
  }
  if (what.has_tracer) {
    const uint128 tb = gt.total("allocation_tracer_bytes");
    *out += fmt::format(
        "allocation tracing itself holds {} bytes ({:.1f}%){}\n", tb,
        heap == 0 ? 0.0 : 100.0 * static_cast<double>(tb) / static_cast<double>(heap),
        what.include_tracer ? "" : " (never a leak suspect; --include-tracer counts it)");
  }

  const Table& sus = table_named(tables, "leak_suspects");
  const size_t c_key = col(sus, "suspect"), c_kind = col(sus, "kind"), c_class = col(sus, "class"),
               c_address = col(sus, "address"), c_objects = col(sus, "objects"),
               c_retained = col(sus, "retained"), c_acc_address = col(sus, "accumulation_address"),
               c_acc_type = col(sus, "accumulation_type"),
               c_acc_class = col(sus, "accumulation_class"),
               c_acc_location = col(sus, "accumulation_location"),
               c_acc_retained = col(sus, "accumulation_retained");
  section(fmt::format("Leak suspects (retaining >= {}% of the heap)", what.threshold), out);
  if (sus.rows.empty()) *out += "  none\n";
  for (const auto& r : sus.rows) {
    const uint64_t key = static_cast<uint64_t>(as_int(r[c_key]));
    if (as_text(r[c_kind]) == "object") {
      *out += fmt::format("{}. {} {} retains {}\n", key, terminal_text(as_text(r[c_class])),
                          terminal_text(as_text(r[c_address])),
                          with_share(as_int(r[c_retained]), heap));
    } else {
      *out += fmt::format("{}. class {} ({} objects) retains {}\n", key,
                          terminal_text(as_text(r[c_class])), as_int(r[c_objects]),
                          with_share(as_int(r[c_retained]), heap));
    }
    if (is_null(r[c_acc_address])) {
      *out += "   accumulation point: none, spread over the roots\n";
      continue;
    }
    *out += fmt::format("   accumulation point: {} {} {} at {}, retaining {}\n",
                        terminal_text(as_text(r[c_acc_class])),
                        terminal_text(as_text(r[c_acc_type])),
                        terminal_text(as_text(r[c_acc_address])), text_or(r[c_acc_location], kNoLocation),
                        with_share(as_int(r[c_acc_retained]), heap));
    *out += "   shortest path from a GC root:\n";
    render_path_hops_text(table_named(tables, "suspect_paths"), key, out);
  }

  const Table& top = table_named(tables, "top_retainers");
  section("Top retainers (retained bytes, own bytes)", out);
  {
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : top.rows) {
      cells.push_back({decimal(as_int(r[col(top, "retained")])),
                       decimal(as_int(r[col(top, "shallow")])),
                       terminal_text(as_text(r[col(top, "address")])),
                       terminal_text(as_text(r[col(top, "type")])),
                       class_and_name(r[col(top, "class")], r[col(top, "name")]),
                       text_or(r[col(top, "location")], kNoLocation)});
    }
    append_aligned(&cells, {12, 10}, out);
  }
  auto groups = [&](const char* table, const std::string& key, const std::string& title,
                    const char* null_text) {
    const Table& tb = table_named(tables, table);
    section(title, out);
    const size_t c_group = col(tb, key), c_objs = col(tb, "objects"),
                 c_shallow = col(tb, "shallow"), c_ret = col(tb, "retained");
    // The group fits kRowColumns after the three numbers (37 columns): a
    // location cut on the left, a class on the right.
    constexpr size_t kGroupColumns = kRowColumns - 37;
    for (const auto& r : tb.rows) {
      std::string group = text_or(r[c_group], null_text);
      group = key == "location" ? fit_left(group, kGroupColumns) : fit_right(group, kGroupColumns);
      *out += fmt::format("  {:>12} {:>10} {:>9}  {}\n", as_int(r[c_ret]), as_int(r[c_shallow]),
                          as_int(r[c_objs]), group);
    }
  };
  *out += "\n(columns: retained bytes, own bytes, objects)";
  groups("retained_by_class", "class", "Retained by class", "-");
  groups("retained_by_location", "location", "Retained by location", kNoLocation);
  groups("retained_by_gem", "gem", "Retained by gem", "-");

  const Table& un = table_named(tables, "unreachable");
  section(fmt::format("Unreachable from any GC root: {} objects, {} bytes", un.total("objects"),
                      un.total("bytes")),
          out);
  {
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : un.rows) {
      cells.push_back({decimal(as_int(r[col(un, "memsize")])),
                       terminal_text(as_text(r[col(un, "address")])),
                       terminal_text(as_text(r[col(un, "type")])),
                       class_and_name(r[col(un, "class")], r[col(un, "name")]),
                       text_or(r[col(un, "location")], kNoLocation)});
    }
    append_aligned(&cells, {10}, out);
  }
}

}  // namespace heapdump
