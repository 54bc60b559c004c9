#include "cli/cmd_read.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "heapdump/read_report.hpp"
#include "heapdump/render.hpp"

namespace heapdump {
namespace {

/// Ensures the text ends in exactly one blank line before the next section.
void section_gap(std::string* out) {
  if (out->size() >= 2 && out->compare(out->size() - 2, 2, "\n\n") == 0) return;
  *out += '\n';
}

/// heapy's layout of the summary or the drill-down, then one section per
/// --by key and the string report.
void render_text(const ReadReport& built, std::string* out) {
  const std::vector<Table>& tables = built.report.tables;
  if (built.summary) {
    render_summary_text(tables[0], out);
  } else {
    const auto groups = tables.begin() + static_cast<std::ptrdiff_t>(built.drill_tables);
    const auto strings = groups + static_cast<std::ptrdiff_t>(built.group_tables);
    if (built.drill_tables > 0) {
      render_drill_down_text(built.label, std::vector<Table>(tables.begin(), groups), out);
    } else {
      render_analyzing_title(built.label.empty() ? std::string("all objects")
                                                 : "Generation: " + built.label,
                             out);
    }
    bool first_section = built.drill_tables == 0;
    for (auto t = groups; t != strings; ++t) {
      if (!first_section) section_gap(out);
      render_groups_text(*t, out);
      first_section = false;
    }
    if (strings != tables.end()) {
      if (!first_section) section_gap(out);
      render_strings_text(std::vector<Table>(strings, tables.end()), out);
    }
  }
}

}  // namespace

CLI::App* setup_read(CLI::App& app, ReadCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "read", "Summarise a heap dump by GC generation, or drill into one generation (or all)");
  add_dump_file(sub, &cmd->file);
  sub->add_option("GEN", cmd->generation,
                  "Generation number to drill into, a range A..B of generations, or 'all' for "
                  "every traced object");
  add_lines_option(sub, &cmd->lines, "Rows per section in a drill-down");
  cmd->lines_option = sub->get_option("--lines");
  sub->add_option("--by", cmd->by,
                  "Memory and objects per group: location (default: the drill-down), file, gem, "
                  "class, type or method; repeat or separate with commas for one section each. "
                  "Without GEN, every object of the dump is grouped")
      ->delimiter(',')
      ->check(CLI::IsMember({"location", "file", "gem", "class", "type", "method"}));
  sub->add_flag("--strings", cmd->strings,
                "String report: values with the most memory and the most copies, with their "
                "locations, and frozen-string candidates");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_read(const ReadCommand& cmd) {
  const bool attribution = !cmd.by.empty() || cmd.strings;
  if (cmd.generation.empty() && !attribution && cmd.lines_option != nullptr &&
      cmd.lines_option->count() > 0) {
    print_error("--lines applies to a drill-down (read FILE GEN --lines N) or to --by and "
                "--strings; the summary of generations has one row per generation "
                "(see 'heapdump read --help')");
    return kExitUsage;
  }
  StderrReporter reporter(cmd.common.max_warnings, cmd.common.quiet);
  ReadReportOptions options;
  options.file = cmd.file;
  options.generation = cmd.generation;
  options.lines = cmd.lines;
  options.by = cmd.by;
  options.strings = cmd.strings;
  options.read = cmd.common.read_options(cmd.common.thread_count());
  ReadReport built;
  const Status s = build_read_report(options, reporter, &built);
  if (s.code() == Status::Code::kInvalidArgument) {
    print_error(s.message() + " (see 'heapdump read --help')");
    return kExitUsage;
  }
  if (!s.ok()) {
    print_error(s.message());
    return s.code() == Status::Code::kNotFound ? kExitNoObjects : kExitIoError;
  }

  std::string out;
  if (cmd.common.format == "text") render_text(built, &out);
  return emit_report(cmd.common, built.report, out);
}

}  // namespace heapdump
