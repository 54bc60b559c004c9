// `heapdump read FILE [GEN|A..B|all] [--lines N] [--by KEY]... [--strings]`
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "heapdump/read_report.hpp"
#include "heapdump/render.hpp"

namespace heapdump {
namespace {

struct ReadCommand {
  ReadReportOptions report;  ///< FILE, GEN, --lines, --by, --strings
  const CLI::Option* lines_option = nullptr;  ///< to tell whether --lines was given
  CommonOptions common;
};

int run_read(ReadCommand& cmd) {
  const bool attribution = !cmd.report.by.empty() || cmd.report.strings;
  if (cmd.report.generation.empty() && !attribution && cmd.lines_option->count() > 0) {
    print_error("--lines applies to a drill-down (read FILE GEN --lines N) or to --by and "
                "--strings; the summary of generations has one row per generation "
                "(see 'heapdump read --help')");
    return kExitUsage;
  }
  StderrReporter reporter(cmd.common.max_warnings, cmd.common.quiet);
  cmd.report.read = cmd.common.read_options(cmd.common.thread_count());
  ReadReport built;
  const Status s = build_read_report(cmd.report, reporter, &built);
  if (s.code() == Status::Code::kInvalidArgument) {
    print_error(s.message() + " (see 'heapdump read --help')");
    return kExitUsage;
  }
  if (!s.ok()) {
    print_error(s.message());
    return s.code() == Status::Code::kNotFound ? kExitNoObjects : kExitIoError;
  }
  std::string out;
  if (cmd.common.format == "text") render_read_text(built, &out);
  return emit_report(cmd.common, built.report, out);
}

}  // namespace

Command add_read(CLI::App& app) {
  auto cmd = std::make_shared<ReadCommand>();
  CLI::App* sub = app.add_subcommand(
      "read", "Summarise a heap dump by GC generation, or drill into one generation (or all)");
  add_dump_file(sub, &cmd->report.file);
  sub->add_option("GEN", cmd->report.generation,
                  "Generation number to drill into, a range A..B of generations, or 'all' for "
                  "every traced object");
  add_lines_option(sub, &cmd->report.lines, "Rows per section in a drill-down");
  cmd->lines_option = sub->get_option("--lines");
  sub->add_option("--by", cmd->report.by,
                  "Memory and objects per group: location (default: the drill-down), file, gem, "
                  "class, type or method; repeat or separate with commas for one section each. "
                  "Without GEN, every object of the dump is grouped")
      ->delimiter(',')
      ->check(CLI::IsMember({"location", "file", "gem", "class", "type", "method"}));
  sub->add_flag("--strings", cmd->report.strings,
                "String report: values with the most memory and the most copies, with their "
                "locations, and frozen-string candidates");
  add_common_options(sub, &cmd->common);
  return {sub, [cmd] { return run_read(*cmd); }};
}

}  // namespace heapdump
