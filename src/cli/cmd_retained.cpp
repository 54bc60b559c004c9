// `heapdump retained FILE [--lines N] [--threshold PCT]`
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "heapdump/render.hpp"
#include "heapdump/retained.hpp"

namespace heapdump {
namespace {

struct RetainedCommand {
  std::string file;
  RetainedOptions options;  ///< --lines, --threshold, --include-tracer
  CommonOptions common;
};

int run_retained(RetainedCommand& cmd) {
  PhaseTimer timer;
  std::shared_ptr<const LoadedGraph> lg;
  if (!load_graph(cmd.file, cmd.common, &lg)) return kExitIoError;
  timer.lap("read+build");
  RetainedOptions& options = cmd.options;
  options.every_hop = cmd.common.format != "text";
  options.on_phase = [&timer](const char* what) { timer.lap(what); };
  Report report{"retained",
                {{"file", cmd.file}, {"lines", options.lines}, {"threshold", options.threshold}},
                retained_tables(lg, options)};
  std::string out;
  if (cmd.common.format == "text") {
    render_retained_text(
        {cmd.file, options.threshold, has_allocation_tracer(*lg), options.include_tracer},
        report.tables, &out);
  }
  return emit_report(cmd.common, report, out);
}

}  // namespace

Command add_retained(CLI::App& app) {
  auto cmd = std::make_shared<RetainedCommand>();
  CLI::App* sub = app.add_subcommand(
      "retained", "Retained sizes from the dominator tree: what keeps the most memory alive");
  add_dump_file(sub, &cmd->file);
  add_lines_option(sub, &cmd->options.lines, "Rows per section");
  add_threshold_option(sub, &cmd->options.threshold);
  sub->add_flag("--include-tracer", cmd->options.include_tracer,
                "Let Ruby's allocation tracer (named '(allocation tracer)') be a leak suspect "
                "like any object");
  add_common_options(sub, &cmd->common);
  return {sub, [cmd] { return run_retained(*cmd); }};
}

}  // namespace heapdump
