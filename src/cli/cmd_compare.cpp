// `heapdump compare A B [--by KEY]... [--lines N]`
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "heapdump/compare_report.hpp"
#include "heapdump/render.hpp"

namespace heapdump {
namespace {

struct CompareCommand {
  CompareOptions compare;  ///< A, B, --by, --lines, --include-tracer
  CommonOptions common;
};

int run_compare(CompareCommand& cmd) {
  CompareOptions& options = cmd.compare;
  if (options.a == "-" && options.b == "-") {
    // Standard input can be read once: B would be empty and all of A "gone".
    print_error("A and B are both '-'; standard input can be read only once "
                "(see 'heapdump compare --help')");
    return kExitUsage;
  }
  options.read = cmd.common.read_options(cmd.common.thread_count());

  StderrReporter reporter(cmd.common.max_warnings, cmd.common.quiet);
  Report report;
  const Status s = build_compare_report(options, reporter, &report);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  std::string out;
  if (cmd.common.format == "text") {
    render_compare_text(options.a, options.b, report.tables, options.include_tracer, &out);
  }
  return emit_report(cmd.common, report, out);
}

}  // namespace

Command add_compare(CLI::App& app) {
  auto cmd = std::make_shared<CompareCommand>();
  CLI::App* sub = app.add_subcommand(
      "compare",
      "Memory and objects per group in dump A and dump B, and the difference; the dumps may "
      "come from different processes");
  sub->add_option("A", cmd->compare.a, "First dump (the baseline)")->required();
  sub->add_option("B", cmd->compare.b, "Second dump")->required();
  sub->add_option("--by", cmd->compare.by,
                  "Group by class (default), location, gem, type, file or method; repeat or "
                  "separate with commas for one section each")
      ->delimiter(',')
      ->check(CLI::IsMember({"location", "file", "gem", "class", "type", "method"}));
  cmd->compare.lines = 50;
  add_lines_option(sub, &cmd->compare.lines, "Rows per section (the groups that grew most)");
  sub->add_flag("--include-tracer", cmd->compare.include_tracer,
                "Count Ruby's allocation tracer (the DATA object of "
                "trace_object_allocations_start, named '(allocation tracer)') like any object; "
                "by default it is left out of every group and its size given in a note");
  add_common_options(sub, &cmd->common);
  return {sub, [cmd] { return run_compare(*cmd); }};
}

}  // namespace heapdump
