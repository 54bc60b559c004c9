#include "cli/cmd_retained.hpp"

#include <memory>

#include "heapdump/render.hpp"
#include "heapdump/retained.hpp"

namespace heapdump {

CLI::App* setup_retained(CLI::App& app, RetainedCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "retained", "Retained sizes from the dominator tree: what keeps the most memory alive");
  add_dump_file(sub, &cmd->file);
  add_lines_option(sub, &cmd->lines, "Rows per section");
  sub->add_option("--threshold", cmd->threshold,
                  "Leak suspect: an object or class retaining at least this % of the heap")
      ->check(whole_number(1, 100))
      ->capture_default_str();
  sub->add_flag("--include-tracer", cmd->include_tracer,
                "Let Ruby's allocation tracer (named '(allocation tracer)') be a leak suspect "
                "like any object");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_retained(const RetainedCommand& cmd) {
  PhaseTimer timer;
  std::shared_ptr<const LoadedGraph> lg;
  if (!load_graph(cmd.file, cmd.common, &lg)) return kExitIoError;
  timer.lap("read+build");
  RetainedOptions options;
  options.lines = cmd.lines;
  options.threshold = cmd.threshold;
  options.include_tracer = cmd.include_tracer;
  options.every_hop = cmd.common.format != "text";
  options.on_phase = [&timer](const char* what) { timer.lap(what); };
  Report report{"retained",
                {{"file", cmd.file}, {"lines", cmd.lines}, {"threshold", cmd.threshold}},
                retained_tables(lg, options)};
  std::string out;
  if (cmd.common.format == "text") {
    render_retained_text({cmd.file, cmd.threshold, has_allocation_tracer(*lg), cmd.include_tracer},
                         report.tables, &out);
  }
  return emit_report(cmd.common, report, out);
}

}  // namespace heapdump
