// Renderers: Tables in, bytes out. They never see the parser.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/table.hpp"

namespace heapdump {

struct ReadReport;  // heapdump/read_report.hpp

/// `read FILE` in heapy's layout, from the "generations" table.
void render_summary_text(const Table& generations, std::string* out);

/// `read FILE GEN|all` in heapy's layout, from DrillDown::to_tables().
/// `label` is what follows "Generation: " in the title ("all", "5").
void render_drill_down_text(std::string_view label, const std::vector<Table>& tables,
                            std::string* out);

/// `diff` in heapy's line format, from the "diff" table. `retained` selects
/// the "Retained" wording of the three-dump form.
void render_diff_text(const Table& diff, bool retained, std::string* out);
/// The line `diff` writes on stderr after its text: "N objects, B bytes new"
/// (" and retained" with `retained`; " (R of G rows shown)" when the "diff"
/// table shows fewer than its `groups`), or "no new objects".
std::string diff_total_line(const Table& diff, size_t groups, bool retained);

/// `read`'s text (src/render/read_text.cpp): heapy's layout of the summary
/// or the drill-down, then one section per --by key and the string report.
void render_read_text(const ReadReport& read, std::string* out);

/// `read FILE [GEN] --by KEY` and `--strings` (src/render/attribution_text.cpp).
/// The title block "\nAnalyzing Heap (LABEL)\n" + 31 '-' + "\n\n".
void render_analyzing_title(std::string_view label, std::string* out);
/// One "by_KEY" table (GroupBy::to_table) as a section: a title
/// "memory and objects by KEY (B bytes, N objects)", a rule of 30 '=', and rows
/// "  BYTES  OBJECTS  KEY", numbers right-aligned per column.
void render_groups_text(const Table& by, std::string* out);
/// The three tables of StringReport::to_tables as sections. A value longer
/// than 120 characters is shown cut to its first 120, then "… (N bytes)"
/// with N its whole size.
void render_strings_text(const std::vector<Table>& tables, std::string* out);
/// `compare A B`: a header naming both dumps (and, when either has Ruby's
/// allocation tracer, a note of its size: left out of the groups, or counted
/// with `tracer_included`), then one section per "compare_by_KEY" table with
/// signed deltas and NEW/GONE markers.
void render_compare_text(std::string_view a, std::string_view b, const std::vector<Table>& tables,
                         bool tracer_included, std::string* out);

/// `path` and `retained` (src/render/graph_text.cpp), from the tables of
/// path_tables() and retained_tables() (heapdump/path.hpp, retained.hpp),
/// found by table and column name.
///
/// One path of a hop table (columns hop, root, address, type, class, name,
/// location, memsize after the path number, which is the first column):
/// the rows whose first cell is `key`, at most the first and last
/// kPathEndHops hops, with a line "… 4,999,980 hops …" for a gap in the hop
/// numbers (hops the table left out, or this function).
void render_path_hops_text(const Table& hops, uint64_t key, std::string* out);
/// `path`: `what` names the target (describe() in heapdump/path.hpp),
/// `file` the dump.
void render_path_text(std::string_view what, std::string_view file,
                      const std::vector<Table>& tables, std::string* out);
/// What the text of `retained` says beside its tables.
struct RetainedText {
  std::string_view file;        ///< the dump, as given
  uint64_t threshold = 10;      ///< --threshold
  bool has_tracer = false;      ///< has_allocation_tracer() of the graph
  bool include_tracer = false;  ///< --include-tracer
};
void render_retained_text(const RetainedText& what, const std::vector<Table>& tables,
                          std::string* out);

/// Any command's Report as one JSON document (schema_version 1), ending in
/// "\n". The schema is docs/output-formats.md; integers are exact, text
/// that is not valid UTF-8 becomes {"latin1": "..."} (see there).
///
/// `flush`, if given, is called with `out` between rows once it holds 1 MB
/// or more; it may write the bytes out and clear it, so that a big report
/// (Table::row_source) is never held as one string.
using RenderFlush = std::function<void(std::string* out)>;
void render_json(const Report& report, std::string* out, const RenderFlush& flush = {});

/// How render_csv writes text cells.
struct CsvOptions {
  /// --csv-safe: a text cell that starts with '=', '+', '-', '@', tab or CR
  /// gets a leading "'", so that a spreadsheet shows it instead of running it
  /// as a formula (OWASP, "CSV Injection"). Off: text cells hold the exact bytes.
  bool formula_safe = false;
};

/// Any command's Report as one RFC 4180 CSV document (CRLF line ends): a
/// header row "table,<columns...>", one record per table row, then one
/// "<table>.totals" record per table with totals. See docs/output-formats.md.
/// `flush` as for render_json.
void render_csv(const Report& report, std::string* out, CsvOptions options = {},
                const RenderFlush& flush = {});

/// `report` as one self-contained HTML page (src/render/html.cpp): static
/// HTML for the verdicts and every table row (each number with its exact
/// value in data-value), the Report as render_json() writes it in a
/// <script type="application/json" id="heapdump-data"> element ('<' written
/// as \u003c), and the inline CSS and script of src/render/report/. No
/// time or other varying input: the same report gives the same bytes.
void render_html(const Report& report, std::string* out);

}  // namespace heapdump
