// HTML renderer: `heapdump report` as one self-contained page. The verdicts
// and every table row are static HTML (readable without JavaScript; each
// number carries its exact value in data-value); the page's tables are also
// embedded as the JSON document of --format json, from which the inline
// script (src/render/report/*.js, embedded by CMake) draws the charts.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "heapdump/render.hpp"
#include "render/report_assets.hpp"
#include "heapdump/terminal_text.hpp"

namespace heapdump {
namespace {

/// Text from a dump or the command line as HTML text or attribute value:
/// control characters get the terminal's visible escapes (terminal_text),
/// then & < > " ' become entities.
std::string esc(std::string_view s) {
  const std::string visible = terminal_text(s);
  std::string out;
  out.reserve(visible.size());
  for (char c : visible) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

/// 1234567 -> "1,234,567".
std::string commas(std::string digits) {
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}
std::string commas(uint128 v) { return commas(decimal(v)); }

/// Bytes for people: "812 B", "3.1 kB", "45.0 MB" (powers of 1000, one decimal).
std::string human_bytes(long double v) {
  const bool negative = v < 0;
  if (negative) v = -v;
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  size_t unit = 0;
  while (v >= 999.95L && unit + 1 < std::size(kUnits)) {
    v /= 1000;
    ++unit;
  }
  std::string s = unit == 0 ? fmt::format("{:.0f} B", static_cast<double>(v))
                            : fmt::format("{:.1f} {}", static_cast<double>(v), kUnits[unit]);
  return negative ? "-" + s : s;
}
std::string human_bytes(uint128 v) { return human_bytes(static_cast<long double>(v)); }

/// "12.3 %" of part in whole ("0 %" when whole is 0).
std::string share(uint128 part, uint128 whole) {
  if (whole == 0) return "0 %";
  return fmt::format("{:.1f} %", static_cast<double>(static_cast<long double>(part) * 100 /
                                                     static_cast<long double>(whole)));
}

const Table* find_table(const Report& r, std::string_view name) {
  for (const Table& t : r.tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

bool is_number_kind(Column::Kind k) { return k != Column::Kind::kText; }
bool is_bytes_kind(Column::Kind k) {
  return k == Column::Kind::kBytes || k == Column::Kind::kBytesDelta;
}

/// A cell's exact decimal value ("" for a text or null cell).
std::string exact(const Cell& c) {
  if (is_unsigned(c)) return decimal(as_int(c));
  if (is_signed(c)) return decimal(as_signed(c));
  return {};
}

/// A number shown in running text, tied to a total of a table.
std::string total_span(const Table& t, const std::string& key, bool bytes) {
  const uint128 v = t.total(key);
  return fmt::format(R"(<span class="num" data-table="{}" data-total="{}" data-value="{}" title="{}">{}</span>)",
                     esc(t.name), esc(key), decimal(v), commas(v), bytes ? human_bytes(v) : commas(v));
}

/// A number shown in running text, tied to a cell of a table.
std::string cell_span(const Table& t, size_t row, int col) {
  const Cell& c = t.rows[row][static_cast<size_t>(col)];
  const Column& column = t.columns[static_cast<size_t>(col)];
  std::string shown = is_bytes_kind(column.kind)
                          ? (is_signed(c) ? human_bytes(static_cast<long double>(as_signed(c)))
                                          : human_bytes(as_int(c)))
                          : commas(exact(c));
  return fmt::format(R"(<span class="num" data-table="{}" data-row="{}" data-col="{}" data-value="{}">{}</span>)",
                     esc(t.name), row, esc(column.name), exact(c), shown);
}

/// The text of a text cell, or `null_text`.
std::string cell_text(const Cell& c, std::string_view null_text) {
  if (is_null(c)) return std::string(null_text);
  if (!is_text(c)) return exact(c);
  return as_text(c);
}

/// What a null cell of a column means.
std::string_view null_text(const std::string& column) {
  if (column == "location" || column == "file" || column == "accumulation_location") {
    return "(no file)";
  }
  if (column == "generation") return "nil";
  return "-";
}

/// One cell as `<td data-col=...>`: text escaped, a null as what it means,
/// a number shown for people with its exact value in data-value.
void cell_td(const Column& col, const Cell& c, std::string* out) {
  if (is_null(c)) {
    *out += fmt::format(R"(<td class="null" data-col="{}">{}</td>)", esc(col.name),
                        esc(null_text(col.name)));
  } else if (is_text(c)) {
    *out += fmt::format(R"(<td data-col="{}">{}</td>)", esc(col.name), esc(as_text(c)));
  } else {
    std::string shown;
    if (is_bytes_kind(col.kind)) {
      shown = is_signed(c) ? human_bytes(static_cast<long double>(as_signed(c))) : human_bytes(as_int(c));
      if (is_signed(c) && as_signed(c) > 0) shown = "+" + shown;
    } else if (col.kind == Column::Kind::kInteger) {
      shown = exact(c);
    } else {
      shown = commas(exact(c));
      if (is_signed(c) && as_signed(c) > 0) shown = "+" + shown;
    }
    *out += fmt::format(R"(<td class="n" data-col="{}" data-value="{}" title="{}">{}</td>)",
                        esc(col.name), exact(c), commas(exact(c)), shown);
  }
}

/// One table, every row, as static HTML: `<table class="data"
/// data-table=NAME>`; rows carry data-row (their index in the JSON rows),
/// number cells data-col and data-value. The script makes it sortable and
/// filterable and adds bars.
void static_table(const Table& t, std::string* out) {
  *out += fmt::format(R"(<div class="table-wrap"><table class="data" data-table="{}"><thead><tr>)", esc(t.name));
  for (const Column& c : t.columns) {
    *out += fmt::format(R"(<th data-col="{}" class="{}">{}</th>)", esc(c.name),
                        is_number_kind(c.kind) ? "n" : "t", esc(c.name));
  }
  *out += "</tr></thead><tbody>";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    *out += fmt::format(R"(<tr data-row="{}">)", r);
    for (size_t i = 0; i < t.columns.size() && i < t.rows[r].size(); ++i) {
      cell_td(t.columns[i], t.rows[r][i], out);
    }
    *out += "</tr>";
  }
  *out += "</tbody></table></div>";
}

/// The completeness note under a table cut to its top rows: "Top 20 of
/// 1,234 groups; 3.1 % of the bytes (72.5 kB) under other, not shown." or
/// "All 4 groups.". `all_rows`: the rows before the cut; `bytes_col`: the
/// column whose rows sum to part of `total_bytes` ("" for none); with
/// `per_value`, a row counts only when its first cell differs from the row
/// before (the strings tables repeat a value's bytes on each location).
std::string cut_note(const Table& t, uint128 all_rows, std::string_view noun,
                     const std::string& bytes_col = "", uint128 total_bytes = 0,
                     std::string_view bytes_word = "bytes", bool per_value = false) {
  size_t shown_rows = t.rows.size();
  uint128 shown = 0;
  const int c = bytes_col.empty() ? -1 : t.column(bytes_col);
  for (size_t r = 0; r < t.rows.size(); ++r) {
    if (per_value && r > 0 && t.rows[r][0] == t.rows[r - 1][0]) {
      --shown_rows;
      continue;
    }
    if (c >= 0 && is_unsigned(t.rows[r][static_cast<size_t>(c)])) shown += as_int(t.rows[r][static_cast<size_t>(c)]);
  }
  std::string text;
  if (all_rows <= shown_rows) {
    text = all_rows == 1 ? fmt::format("The one {}.", noun.substr(0, noun.size() - 1))
                         : fmt::format("All {} {}.", commas(all_rows), noun);
  } else {
    text = fmt::format("Top {} of {} {}", commas(uint128{shown_rows}), commas(all_rows), noun);
    if (c >= 0 && total_bytes >= shown) {
      text += fmt::format("; {} of the {} ({}) under <i>other</i>, not shown",
                          share(total_bytes - shown, total_bytes), bytes_word,
                          human_bytes(total_bytes - shown));
    }
    text += ".";
  }
  return fmt::format(R"(<p class="note cut" data-table="{}">{}</p>)", esc(t.name), text);
}

struct Section {
  std::string id;
  std::string title;
};

void open_section(const Section& s, std::string* out) {
  *out += fmt::format(R"(<section id="{}"><h2>{}</h2>)", s.id, esc(s.title));
}

void table_block(const Report& report, const std::string& name, const std::string& heading,
                 const std::string& note, std::string* out, const std::string& cut = "") {
  const Table* t = find_table(report, name);
  if (t == nullptr) return;
  *out += fmt::format(R"(<h3>{}</h3>)", esc(heading));
  if (!note.empty()) *out += fmt::format(R"(<p class="note">{}</p>)", note);
  static_table(*t, out);
  *out += cut;
}

/// table_block with the cut note of a table with a "groups" total.
void grouped_block(const Report& report, const std::string& name, const std::string& heading,
                   const std::string& note, const std::string& bytes_col, uint128 total_bytes,
                   std::string_view bytes_word, std::string* out) {
  const Table* t = find_table(report, name);
  if (t == nullptr) return;
  table_block(report, name, heading, note, out,
              cut_note(*t, t->total("groups"), "groups", bytes_col, total_bytes, bytes_word));
}

/// The name of a file for headings: the command line's spelling.
std::string dump_names(const Table& dumps) {
  std::string s;
  for (const auto& row : dumps.rows) {
    if (!s.empty()) s += ", ";
    s += as_text(row[1]);
  }
  return s;
}

// --- sections -------------------------------------------------------------

void summary_section(const Report& report, std::string* out) {
  const Table* dumps = find_table(report, "dumps");
  const Table* graph = find_table(report, "graph");
  const Table* gens = find_table(report, "generations");
  open_section({"summary", "Summary"}, out);
  if (graph != nullptr) {
    const uint128 heap = graph->total("bytes");
    *out += fmt::format(
        R"(<p class="verdict">{} objects take {}; {} ({}) are reachable from the GC roots and {} ({}) are not.</p>)",
        total_span(*graph, "objects", false), total_span(*graph, "bytes", true),
        total_span(*graph, "reachable_bytes", true), share(graph->total("reachable_bytes"), heap),
        total_span(*graph, "unreachable_bytes", true), share(graph->total("unreachable_bytes"), heap));
  } else if (const Table* diff = find_table(report, "diff")) {
    const bool three = dumps != nullptr && dumps->rows.size() == 3;
    *out += fmt::format(
        R"(<p class="verdict">{} objects ({}) were allocated between the first two dumps{}.</p>)",
        total_span(*diff, "objects", false), total_span(*diff, "bytes", true),
        three ? " and are still alive in the third" : "");
  }
  *out += R"(<dl class="facts">)";
  if (dumps != nullptr) {
    for (size_t r = 0; r < dumps->rows.size(); ++r) {
      const auto& row = dumps->rows[r];
      *out += fmt::format("<dt>{}</dt><dd><code>{}</code>: {} objects in {} lines", esc(as_text(row[0])),
                          esc(as_text(row[1])), cell_span(*dumps, r, 3), cell_span(*dumps, r, 2));
      if (as_int(row[4]) > 0) *out += fmt::format(", {} skipped lines", cell_span(*dumps, r, 4));
      if (as_int(row[5]) > 0) *out += R"(, <strong class="warn">ended early (truncated)</strong>)";
      *out += "</dd>";
    }
  }
  if (graph != nullptr) {
    *out += fmt::format("<dt>references</dt><dd>{} ({} of them class links), {} from GC roots</dd>",
                        total_span(*graph, "edges", false), total_span(*graph, "class_edges", false),
                        total_span(*graph, "root_references", false));
    *out += fmt::format("<dt>unreachable</dt><dd>{} objects, {}</dd>",
                        total_span(*graph, "unreachable_objects", false),
                        total_span(*graph, "unreachable_bytes", true));
    *out += fmt::format("<dt>allocation tracing</dt><dd>{}</dd>",
                        graph->total("allocation_tracing") != 0
                            ? "on (objects carry file:line and generation)"
                            : "off (no Ruby allocation tracer in the dump)");
  }
  if (gens != nullptr) {
    *out += fmt::format("<dt>generations</dt><dd>{} with objects</dd>",
                        total_span(*gens, "generations", false));
  }
  *out += "</dl></section>";
}

void gate_banner(const Report& report, std::string* out) {
  const Table* gate = find_table(report, "gate");
  if (gate == nullptr || gate->rows.empty()) return;
  // One row per limit (diff's table "gate"): the worst verdict decides.
  const int c_measure = gate->column("measure"), c_by = gate->column("by"),
            c_limit = gate->column("limit"), c_value = gate->column("value"),
            c_group = gate->column("group"), c_status = gate->column("status"),
            c_reason = gate->column("reason");
  std::string verdict = "passed";
  std::string lines;
  for (size_t r = 0; r < gate->rows.size(); ++r) {
    const auto& row = gate->rows[r];
    auto at = [&](int c) -> const Cell& { return row[static_cast<size_t>(c)]; };
    const std::string& status = as_text(at(c_status));
    if (status == "not judged") verdict = status;
    if (status == "tripped" && verdict == "passed") verdict = status;
    if (status == "not judged") {
      lines += fmt::format("<li>{}: not judged: {}</li>", esc(as_text(at(c_measure))),
                           esc(cell_text(at(c_reason), "-")));
      continue;
    }
    const std::string scope = as_text(at(c_by));
    std::string where = scope == "total" ? std::string("in total")
                        : is_null(at(c_group)) ? std::string("(no group)")
                        : fmt::format("{} <code>{}</code>", scope == "type" ? "of type" : "at",
                                      esc(as_text(at(c_group))));
    lines += fmt::format("<li>new {}, {}: {}; limit {}: <b>{}</b></li>", esc(as_text(at(c_measure))),
                         where, cell_span(*gate, r, c_value), cell_span(*gate, r, c_limit), esc(status));
  }
  const char* cls = verdict == "passed" ? "ok" : verdict == "tripped" ? "bad" : "unknown";
  const char* title = verdict == "passed" ? "Leak gate passed"
                      : verdict == "tripped" ? "Leak gate tripped"
                                             : "Leak gate not judged";
  *out += fmt::format(R"(<div class="banner {}" role="status" data-gate="{}"><p>{}</p><ul>{}</ul></div>)",
                      cls, esc(verdict), title, lines);
}

void suspects_section(const Report& report, std::string* out) {
  const Table* sus = find_table(report, "leak_suspects");
  if (sus == nullptr) return;
  const Table* graph = find_table(report, "graph");
  const Table* paths = find_table(report, "suspect_paths");
  const uint128 heap = graph != nullptr ? graph->total("bytes") : 0;
  open_section({"suspects", "Leak suspects"}, out);
  if (sus->rows.empty()) {
    *out += R"(<p class="verdict">No object or class retains the threshold share of the heap: nothing stands out.</p>)";
  } else {
    *out += fmt::format(R"(<p class="verdict">{} suspect{} retain{} a large share of the heap.</p>)",
                        sus->rows.size(), sus->rows.size() == 1 ? "" : "s",
                        sus->rows.size() == 1 ? "s" : "");
  }
  const int c_kind = sus->column("kind"), c_class = sus->column("class"),
            c_addr = sus->column("address"), c_obj = sus->column("objects"),
            c_ret = sus->column("retained"), c_acc_class = sus->column("accumulation_class"),
            c_acc_loc = sus->column("accumulation_location"),
            c_acc_addr = sus->column("accumulation_address");
  for (size_t r = 0; r < sus->rows.size(); ++r) {
    const auto& row = sus->rows[r];
    auto at = [&](int c) -> const Cell& { return row[static_cast<size_t>(c)]; };
    const uint128 retained = as_int(at(c_ret));
    *out += fmt::format(R"(<article class="card" data-suspect="{}">)", r);
    if (as_text(at(c_kind)) == "object") {
      *out += fmt::format("<p>One <b>{}</b> <code>{}</code> retains {} ({} of the heap).</p>",
                          esc(as_text(at(c_class))), esc(cell_text(at(c_addr), "")),
                          cell_span(*sus, r, c_ret), share(retained, heap));
    } else {
      *out += fmt::format("<p>{} objects of class <b>{}</b> retain {} ({} of the heap).</p>",
                          cell_span(*sus, r, c_obj), esc(as_text(at(c_class))),
                          cell_span(*sus, r, c_ret), share(retained, heap));
    }
    *out += fmt::format(R"(<div class="share"><span class="fill" data-share="{}"></span></div>)",
                        heap == 0 ? 0.0
                                  : static_cast<double>(static_cast<long double>(retained) /
                                                        static_cast<long double>(heap)));
    if (c_acc_addr >= 0 && !is_null(at(c_acc_addr))) {
      *out += fmt::format("<p>The memory piles up at <b>{}</b> <code>{}</code> at <code>{}</code>.</p>",
                          esc(cell_text(at(c_acc_class), "-")), esc(cell_text(at(c_acc_addr), "")),
                          esc(cell_text(at(c_acc_loc), "(no file)")));
      // The path from its GC root, as a breadcrumb.
      if (paths != nullptr) {
        const uint64_t key = as_int(row[0]);
        const int p_class = paths->column("class"), p_addr = paths->column("address"),
                  p_root = paths->column("root");
        *out += R"(<ol class="path">)";
        for (const auto& hop : paths->rows) {
          if (as_int(hop[0]) != key) continue;
          if (!is_null(hop[static_cast<size_t>(p_root)])) {
            *out += fmt::format(R"(<li class="root">ROOT {}</li>)", esc(as_text(hop[static_cast<size_t>(p_root)])));
          }
          *out += fmt::format("<li>{} <code>{}</code></li>", esc(cell_text(hop[static_cast<size_t>(p_class)], "-")),
                              esc(cell_text(hop[static_cast<size_t>(p_addr)], "")));
        }
        *out += "</ol>";
      }
    } else {
      *out += "<p>Its memory is spread over the roots: no single object holds most of it.</p>";
    }
    *out += "</article>";
  }
  *out += "</section>";
}

void tree_section(const Report& report, std::string* out) {
  const Table* tree = find_table(report, "dominator_tree");
  if (tree == nullptr) return;
  open_section({"tree", "Who retains the memory"}, out);
  const uint128 heap = tree->total("heap_bytes");
  // The largest class node directly under the root.
  size_t best = 0;
  for (size_t r = 1; r < tree->rows.size(); ++r) {
    const auto& row = tree->rows[r];
    if (!is_null(row[1]) && as_int(row[1]) == 0 && as_text(row[3]) == "class") {
      best = r;
      break;  // children come largest first
    }
  }
  if (best != 0) {
    const bool one = as_int(tree->rows[best][6]) == 1;
    *out += fmt::format(
        R"(<p class="verdict">Of the objects the GC roots hold, {} of class <b>{}</b> {} the most: {} ({} of the heap), {} and what only {} alive.</p>)",
        one ? std::string("the one object") : "the " + cell_span(*tree, best, 6) + " objects",
        esc(as_text(tree->rows[best][4])), one ? "retains" : "retain", cell_span(*tree, best, 8),
        share(as_int(tree->rows[best][8]), heap), one ? "itself" : "themselves",
        one ? "it keeps" : "they keep");
  } else {
    *out += R"(<p class="verdict">No object is reachable from a GC root.</p>)";
  }
  *out += R"(<p class="note">The dominator tree: an object sits under the one object every path from the roots to it goes through, and retains its own bytes plus everything under it. Siblings of one class are merged; groups under 0.1 % of the heap are merged into <i>other</i>, and past 15 children into <i>+N more</i>. Click a cell to zoom in; the breadcrumb zooms back out.</p>)";
  *out += R"(<div class="tree-tools" id="tree-tools"></div><nav class="crumbs" id="crumbs" aria-label="zoom"></nav><div id="icicle" class="icicle"></div>)";
  // Without JavaScript: the root's children as a list.
  *out += R"(<noscript><ul>)";
  for (size_t r = 1; r < tree->rows.size(); ++r) {
    const auto& row = tree->rows[r];
    if (is_null(row[1]) || as_int(row[1]) != 0) continue;
    *out += fmt::format("<li>{}: {}</li>", esc(cell_text(row[4], as_text(row[3]))), cell_span(*tree, r, 8));
  }
  *out += "</ul></noscript></section>";
}

void generations_section(const Report& report, std::string* out) {
  const Table* gens = find_table(report, "generations");
  if (gens == nullptr) return;
  open_section({"generations", "Generations"}, out);
  size_t best = 0;
  for (size_t r = 1; r < gens->rows.size(); ++r) {
    if (as_int(gens->rows[r][2]) > as_int(gens->rows[best][2])) best = r;
  }
  if (!gens->rows.empty()) {
    const Cell& g = gens->rows[best][0];
    *out += fmt::format(R"(<p class="verdict">{} holds the most memory: {} ({}) in {} objects.</p>)",
                        is_null(g) ? std::string("Generation nil (objects allocated before tracing started)")
                                   : "Generation " + exact(g),
                        cell_span(*gens, best, 2), share(as_int(gens->rows[best][2]), gens->total("bytes")),
                        cell_span(*gens, best, 1));
  }
  const Table* dumps = find_table(report, "dumps");
  if (dumps != nullptr && dumps->rows.size() > 1) {
    *out += fmt::format(R"(<p class="note">Of the last dump, <code>{}</code>.</p>)",
                        esc(as_text(dumps->rows.back()[1])));
  }
  if (const Table* by_gen = find_table(report, "generation_groups")) {
    const bool every = by_gen->total("generations") == gens->total("generations");
    *out += fmt::format(
        R"(<p class="note">Click a bar to filter the tables of <a href="#allocations">Allocation sites</a> to that generation (kept for {} {} generations{}, {} rows per table and <i>other</i>), again to see them all.</p>)",
        every ? "all" : "the", total_span(*by_gen, "generations", false),
        every ? "" : " with the most memory", total_span(*by_gen, "top", false));
  }
  *out += R"(<div id="gen-chart" class="bars"></div>)";
  static_table(*gens, out);
  *out += "</section>";
}

// --- allocation sites (issue 21 §6) and their generation filter (§5) -------

/// The keys of the allocation tables, in the order of their tabs.
constexpr const char* kSiteKeys[] = {"location", "file", "gem", "class", "type", "method"};

void allocations_section(const Report& report, std::string* out) {
  const Table* loc = find_table(report, "allocated_by_location");
  if (loc == nullptr) return;
  open_section({"allocations", "Allocation sites"}, out);
  const uint128 heap = loc->total("bytes");
  if (!loc->rows.empty()) {
    *out += fmt::format(R"(<p class="verdict">The most memory was allocated at <code>{}</code>: {} ({}).</p>)",
                        esc(cell_text(loc->rows[0][0], "(no file)")), cell_span(*loc, 0, 1),
                        share(as_int(loc->rows[0][1]), heap));
  }
  *out += R"(<p class="note">Every object of the dump by where it was allocated, as <code>heapdump read FILE --by KEY</code> counts it (objects without allocation info under <i>(no file)</i>), and the strings as <code>read FILE --strings</code>. Click a bar under <a href="#generations">Generations</a> to see one generation's objects only.</p>)";
  *out += R"(<div id="gen-filter" class="gen-filter" role="status" hidden></div><div id="site-tabs" class="tabs" role="tablist"></div>)";
  for (const char* key : kSiteKeys) {
    const std::string name = std::string("allocated_by_") + key;
    const Table* t = find_table(report, name);
    if (t == nullptr) continue;
    *out += fmt::format(R"(<div class="tab" data-tab="{}" data-key="{}">)", key, key);
    grouped_block(report, name, std::string("By ") + key, "", "bytes", heap, "bytes", out);
    *out += "</div>";
  }
  if (const Table* mem = find_table(report, "strings_by_memory")) {
    *out += R"(<div class="tab" data-tab="strings">)";
    const uint128 bytes = mem->total("bytes");
    *out += fmt::format(R"(<p class="note">{} strings with a value, {} in {} distinct values; each value's top locations under it.</p>)",
                        total_span(*mem, "objects", false), total_span(*mem, "bytes", true),
                        total_span(*mem, "values", false));
    table_block(report, "strings_by_memory", "Strings by memory", "", out,
                cut_note(*mem, mem->total("values"), "values", "bytes", bytes, "string bytes", true));
    if (const Table* cp = find_table(report, "strings_by_copies")) {
      table_block(report, "strings_by_copies", "Strings by copies", "", out,
                  cut_note(*cp, cp->total("values"), "values", "bytes", bytes, "string bytes", true));
    }
    table_block(report, "frozen_string_candidates", "Frozen-string candidates",
                "The same value allocated again and again at one place: a frozen literal or a constant would allocate it once.",
                out);
    *out += "</div>";
  }
  *out += "</section>";
}

void diff_section(const Report& report, std::string* out) {
  const Table* diff = find_table(report, "diff");
  if (diff == nullptr) return;
  open_section({"new", "What is new"}, out);
  if (!diff->rows.empty()) {
    const auto& r = diff->rows[0];
    *out += fmt::format(R"(<p class="verdict">The most new objects are {} at <code>{}{}</code>: {} objects, {}.</p>)",
                        esc(as_text(r[0])), esc(cell_text(r[3], "(no file)")),
                        is_null(r[4]) ? std::string() : ":" + exact(r[4]), cell_span(*diff, 0, 1),
                        cell_span(*diff, 0, 2));
  } else {
    *out += R"(<p class="verdict">No new objects.</p>)";
  }
  table_block(report, "diff", "New objects by type and allocation site (most objects first)", "", out,
              cut_note(*diff, diff->total("groups"), "groups", "bytes", diff->total("bytes")));
  *out += "</section>";

  open_section({"growth", "What grew"}, out);
  const Table* by_class = find_table(report, "compare_by_class");
  if (by_class != nullptr && !by_class->rows.empty()) {
    const auto& r = by_class->rows[0];
    *out += fmt::format(R"(<p class="verdict">From the first dump to the last, <b>{}</b> grew the most: {}, {} objects.</p>)",
                        esc(as_text(r[0])), cell_span(*by_class, 0, 6), cell_span(*by_class, 0, 5));
  }
  for (const char* key : {"class", "location", "gem"}) {
    table_block(report, std::string("compare_by_") + key, std::string("Growth by ") + key,
                "B &minus; A: the last dump minus the first; NEW only in the last, GONE only in the first.",
                out);
  }
  *out += "</section>";
}

void retained_section(const Report& report, std::string* out) {
  if (find_table(report, "retained_by_class") == nullptr) return;
  open_section({"retained", "Retained by class, location and gem"}, out);
  const Table& cls = *find_table(report, "retained_by_class");
  const Table* graph = find_table(report, "graph");
  if (!cls.rows.empty() && graph != nullptr) {
    *out += fmt::format(R"(<p class="verdict">Objects of class <b>{}</b> retain the most memory together: {} ({}).</p>)",
                        esc(cell_text(cls.rows[0][0], "-")), cell_span(cls, 0, 3),
                        share(as_int(cls.rows[0][3]), graph->total("bytes")));
  }
  const uint128 heap = graph != nullptr ? graph->total("bytes") : 0;
  if (const Table* top = find_table(report, "top_retainers")) {
    table_block(report, "top_retainers", "Top retainers", "", out,
                cut_note(*top, graph != nullptr ? graph->total("objects") : top->rows.size(), "objects"));
  }
  for (const char* key : {"class", "location", "gem"}) {
    grouped_block(report, std::string("retained_by_") + key, std::string("Retained by ") + key, "",
                  "shallow", heap, "shallow bytes", out);
  }
  if (const Table* un = find_table(report, "unreachable")) {
    table_block(report, "unreachable", "Unreachable objects",
                fmt::format("{} objects, {}: no GC root reaches them (garbage not yet collected).",
                            total_span(*un, "objects", false), total_span(*un, "bytes", true)),
                out,
                un->rows.empty() ? std::string()
                                 : cut_note(*un, un->total("objects"), "objects", "memsize",
                                            un->total("bytes")));
  }
  *out += "</section>";
}

/// Why alive: the merged shortest paths of table why_alive as a tree table.
/// Static rows go three levels deep (the root kinds and two hops); the
/// script adds the deeper rows from the JSON when a row is expanded.
void why_section(const Report& report, std::string* out) {
  const Table* why = find_table(report, "why_alive");
  if (why == nullptr) return;
  const bool multi = find_table(report, "new_retainers") != nullptr;
  open_section({"why", "Why alive"}, out);
  const int c_parent = why->column("parent"), c_depth = why->column("depth"),
            c_kind = why->column("kind"), c_class = why->column("class"),
            c_hops = why->column("hops"), c_targets = why->column("targets");
  size_t kinds = 0, best = 0;
  for (size_t r = 0; r < why->rows.size(); ++r) {
    if (!is_null(why->rows[r][static_cast<size_t>(c_parent)])) continue;
    if (kinds++ == 0) best = r;  // root kinds come by targets, most first
  }
  const std::string what = multi ? "the new objects that retain the most"
                                 : "the leak suspects' piles and the top retainers";
  if (kinds == 0) {
    *out += fmt::format(R"(<p class="verdict">None of {} is reachable from a GC root.</p>)", what);
  } else {
    *out += fmt::format(
        R"(<p class="verdict">{} objects ({}) are alive through {} kind{} of GC root; {} of them through <b>ROOT {}</b>.</p>)",
        total_span(*why, "targets", false), what, kinds, kinds == 1 ? "" : "s",
        cell_span(*why, best, c_targets), esc(as_text(why->rows[best][static_cast<size_t>(c_class)])));
  }
  *out += R"(<p class="note">Their shortest paths from the roots, merged: each row is a place on the paths, the objects there grouped by class, with what those objects retain (counted once). Expand a row to follow the paths.)";
  if (why->total("left_out") > 0) {
    *out += fmt::format(" {} more objects are left out to keep the tree small.", total_span(*why, "left_out", false));
  }
  *out += "</p>";
  *out += R"(<div class="table-wrap"><table class="data tree" data-table="why_alive"><thead><tr>)";
  const std::vector<std::string> shown = {"class", "objects", "address", "targets", "retained"};
  for (const std::string& name : shown) {
    const int c = why->column(name);
    *out += fmt::format(R"(<th data-col="{}" class="{}">{}</th>)", name,
                        is_number_kind(why->columns[static_cast<size_t>(c)].kind) ? "n" : "t",
                        name == "class" ? "path from the roots" : name);
  }
  *out += "</tr></thead><tbody>";
  for (size_t r = 0; r < why->rows.size(); ++r) {
    const auto& row = why->rows[r];
    const uint64_t depth = as_int(row[static_cast<size_t>(c_depth)]);
    if (depth > 2) continue;
    *out += fmt::format(R"(<tr data-row="{}" data-depth="{}" style="--d:{}">)", r, depth, depth);
    const std::string kind = as_text(row[static_cast<size_t>(c_kind)]);
    const std::string label =
        kind == "root" ? "ROOT " + as_text(row[static_cast<size_t>(c_class)])
        : kind == "hops" ? "\u2026 " + commas(exact(row[static_cast<size_t>(c_hops)])) + " hops \u2026"
                         : as_text(row[static_cast<size_t>(c_class)]);
    *out += fmt::format(R"(<td data-col="class" class="k-{}">{}</td>)", esc(kind), esc(label));
    for (size_t i = 1; i < shown.size(); ++i) {
      const int c = why->column(shown[i]);
      cell_td(why->columns[static_cast<size_t>(c)], row[static_cast<size_t>(c)], out);
    }
    *out += "</tr>";
  }
  *out += "</tbody></table></div></section>";
}

/// Which new objects retain the most (two or three dumps).
void new_retained_section(const Report& report, std::string* out) {
  const Table* top = find_table(report, "new_retainers");
  if (top == nullptr) return;
  open_section({"new-retained", "Which new objects retain the most"}, out);
  const uint128 heap = top->total("heap_bytes");
  if (top->rows.empty()) {
    *out += R"(<p class="verdict">No new object is reachable from a GC root in the last dump.</p>)";
  } else {
    const auto& r = top->rows[0];
    *out += fmt::format(
        R"(<p class="verdict">Together the new objects retain {} ({} of the last dump); the most, one <b>{}</b> from <code>{}</code>, retains {}.</p>)",
        total_span(*top, "retained", true), share(top->total("retained"), heap), esc(as_text(r[2])),
        esc(cell_text(r[4], "(no file)")), cell_span(*top, 0, top->column("retained")));
  }
  table_block(report, "new_retainers", "New objects retaining the most",
              fmt::format("Of {} new objects ({}) in the last dump; <b>retained</b> counts what they keep alive there, new or not.",
                          total_span(*top, "objects", false), total_span(*top, "bytes", true)),
              out);
  table_block(report, "new_retained_by_class", "By class", "", out);
  *out += "</section>";
}

void howto_section(const Report& report, std::string* out) {
  open_section({"howto", "How to read this"}, out);
  *out += R"(<ul class="note">)";
  *out += "<li><b>Shallow</b> bytes are an object's own <code>memsize</code>; <b>retained</b> bytes are what would be freed if it went away: itself and every object only it keeps alive.</li>";
  *out += "<li>Numbers are exact: hover a figure for every digit; <code>heapdump report --format json</code> gives the same tables.</li>";
  *out += "<li>Tables list the top rows only (<code>--lines</code>); click a column to sort, type in the box to filter.</li>";
  *out += "<li>Completeness: the line under a cut table says how many groups there are and what share of the bytes the rows not shown hold (<i>other</i>). Groups of retained memory overlap (an object retains what its children retain), so their share is of the shallow bytes; the growth tables rank by change and have no such line.</li>";
  if (const Table* by_gen = find_table(report, "generation_groups")) {
    const Table* gens = find_table(report, "generations");
    *out += fmt::format("<li>Generations: the allocation tables are kept per generation for {} of the {} generations with objects (those with the most memory), {} rows per table plus <i>other</i>, so a filtered table's sums are exact; <code>heapdump read FILE GEN --by KEY</code> gives any generation in full.</li>",
                        total_span(*by_gen, "generations", false),
                        gens != nullptr ? total_span(*gens, "generations", false) : std::string("?"),
                        total_span(*by_gen, "top", false));
  }
  if (find_table(report, "dominator_tree") != nullptr) {
    const Table& t = *find_table(report, "dominator_tree");
    *out += fmt::format("<li>The tree shows {} nodes; its totals are exact (<i>other</i> and <i>+N more</i> hold the rest).</li>",
                        total_span(t, "nodes", false));
  }
  *out += "</ul></section>";
}

}  // namespace

void render_html(const Report& report, std::string* out) {
  const Table* dumps = find_table(report, "dumps");
  const std::string names = dumps != nullptr ? dump_names(*dumps) : std::string();
  *out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  *out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n";
  *out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  *out += "<link rel=\"icon\" href=\"data:,\">\n";
  *out += fmt::format("<title>heapdump report: {}</title>\n<style>\n", esc(names));
  out->append(kReportCss);
  *out += "</style></head>\n<body>\n";
  *out += fmt::format(R"(<header><h1>heapdump report</h1><p class="files">{}</p></header>)", esc(names));
  // The table of contents: the sections this report has.
  std::vector<Section> toc = {{"summary", "Summary"}};
  if (find_table(report, "leak_suspects")) toc.push_back({"suspects", "Leak suspects"});
  if (find_table(report, "dominator_tree")) toc.push_back({"tree", "Who retains"});
  if (find_table(report, "retained_by_class")) toc.push_back({"retained", "Retained"});
  if (find_table(report, "diff")) {
    toc.push_back({"new", "What is new"});
    toc.push_back({"growth", "What grew"});
  }
  if (find_table(report, "new_retainers")) toc.push_back({"new-retained", "New retainers"});
  if (find_table(report, "why_alive")) toc.push_back({"why", "Why alive"});
  if (find_table(report, "generations")) toc.push_back({"generations", "Generations"});
  if (find_table(report, "allocated_by_location")) toc.push_back({"allocations", "Allocation sites"});
  toc.push_back({"howto", "How to read this"});
  *out += R"(<nav id="toc" aria-label="sections"><ul>)";
  for (const Section& s : toc) *out += fmt::format(R"(<li><a href="#{}">{}</a></li>)", s.id, esc(s.title));
  *out += "</ul></nav>\n<main>\n";
  gate_banner(report, out);
  summary_section(report, out);
  suspects_section(report, out);
  tree_section(report, out);
  retained_section(report, out);
  diff_section(report, out);
  new_retained_section(report, out);
  why_section(report, out);
  generations_section(report, out);
  allocations_section(report, out);
  howto_section(report, out);
  *out += "</main>\n";
  // The data: --format json's document, with every '<' escaped so that no
  // text from the dump can end the script element.
  *out += "<script type=\"application/json\" id=\"heapdump-data\">";
  std::string json;
  render_json(report, &json);
  for (char c : json) {
    if (c == '<') {
      *out += "\\u003c";
    } else {
      *out += c;
    }
  }
  *out += "</script>\n<script>\n";
  out->append(kReportLayoutJs);
  out->append(kReportJs);
  *out += "</script>\n</body></html>\n";
}

}  // namespace heapdump
