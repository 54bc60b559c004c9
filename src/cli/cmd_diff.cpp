// `heapdump diff BEFORE AFTER [RETAINED] [--output-diff FILE]`
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "heapdump/diff_report.hpp"
#include "heapdump/output.hpp"
#include "heapdump/render.hpp"
#include "heapdump/terminal_text.hpp"

namespace heapdump {
namespace {

struct DiffCommand {
  /// BEFORE, AFTER, RETAINED, --output-diff, the limits, --allow-skipped-lines,
  /// --lines, --sort, --include-tracer
  DiffOptions diff;
  std::string by = "total";                ///< --by: what the limits apply to
  const CLI::Option* by_option = nullptr;  ///< to tell whether --by was given
  CommonOptions common;
};

int run_diff(DiffCommand& cmd) {
  DiffOptions& options = cmd.diff;
  const bool gated = options.fail_objects || options.fail_bytes;
  if (!gated && cmd.by_option->count() > 0) {
    print_error("--by says what a --fail-if-new-objects or --fail-if-new-bytes limit applies "
                "to; give one (the report is always by type and allocation site; see "
                "'heapdump diff --help')");
    return kExitUsage;
  }
  std::vector<std::string> inputs = {options.before, options.after};
  if (!options.retained.empty()) inputs.push_back(options.retained);
  if (const std::string error = same_input_error(inputs, "diff"); !error.empty()) {
    print_error(error);
    return kExitUsage;
  }

  // The output goes to a temporary file that replaces the target only when
  // the diff is complete; it must not be one of the dumps being read.
  std::unique_ptr<OutputFile> output;
  if (options.output_diff) {
    Status s = check_output_path(*options.output_diff, inputs);
    if (!s.ok()) {
      print_error(fmt::format("--output-diff: {} (see 'heapdump diff --help')", s.message()));
      return kExitUsage;
    }
    s = OutputFile::open(*options.output_diff, &output);
    if (!s.ok()) {
      print_error(s.message());
      return kExitIoError;
    }
    options.on_reported = [&output](std::string_view line) {
      output->write(line);
      output->write("\n");
    };
  }
  StderrReporter reporter(cmd.common.max_warnings, cmd.common.quiet);
  options.sort_by_bytes = options.sort == "bytes";
  options.scope = gate_scope(cmd.by);
  options.read = cmd.common.read_options(cmd.common.thread_count());
  options.on_note = [](const std::string& note) { print_error(note); };
  DiffReport built;
  Status s = build_diff_report(options, reporter, &built);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  for (const std::string& note : built.notes) print_error(note);
  if (output) {
    s = output->commit();
    if (s.code() == Status::Code::kBrokenPipe) return kExitOk;  // `--output-diff - | head`
    if (!s.ok()) {
      print_error(s.message());
      return kExitIoError;
    }
    write_stderr_line(
        fmt::format("Writing heap dump diff to {}\n", terminal_text(*options.output_diff)));
  }
  if (!built.order_note.empty()) print_error(built.order_note);

  const Table& table = built.report.tables[0];  // "diff"
  const bool retained = !options.retained.empty();
  std::string out;
  if (cmd.common.format == "text") render_diff_text(table, retained, &out);
  const int code = emit_report(cmd.common, built.report, out);
  if (code != kExitOk) return code;
  if (cmd.common.format == "text" && !cmd.common.quiet) {
    // The total, after the report: on stderr, so that stdout keeps heapy's
    // layout line for line (../README "diff").
    write_stderr_line(diff_total_line(table, built.groups, retained));
  }
  return gate_exit(built.gate);
}

}  // namespace

Command add_diff(CLI::App& app) {
  auto cmd = std::make_shared<DiffCommand>();
  DiffOptions& diff = cmd->diff;
  CLI::App* sub = app.add_subcommand(
      "diff", "Objects allocated between BEFORE and AFTER (and still alive in RETAINED)");
  sub->add_option("BEFORE", diff.before, "Earlier dump")->required();
  sub->add_option("AFTER", diff.after, "Later dump of the same process")->required();
  sub->add_option("RETAINED", diff.retained,
                  "Optional third dump: report only objects still alive in it");
  sub->add_option("--output-diff,--output_diff", diff.output_diff,
                  "Write the reported AFTER lines, verbatim, to this file (- for standard "
                  "output); the file is replaced only when the diff completes, and must not be "
                  "one of the dumps")
      ->option_text("FILE");
  sub->add_option("--fail-if-new-objects", diff.fail_objects,
                  "Exit with status 4 if more than N new objects are found (see --by)")
      ->check(whole_number());
  sub->add_option("--fail-if-new-bytes", diff.fail_bytes,
                  "Exit with status 4 if new objects take more than N bytes (see --by)")
      ->check(whole_number());
  add_allow_skipped_lines_option(sub, &diff.allow_skipped_lines);
  cmd->by_option =
      sub->add_option("--by", cmd->by,
                      "What the --fail-if-new-* limits apply to: all new objects together "
                      "(total), each type (type) or each allocation site (location); only with "
                      "a limit")
          ->check(CLI::IsMember({"total", "type", "location"}))
          ->capture_default_str();
  sub->add_option("--lines", diff.lines,
                  "Rows to show, the first by --sort (default: all); the totals and the "
                  "--fail-if-new-* limits count every row")
      ->check(whole_number(1, UINT64_MAX));
  sub->add_option("--sort", diff.sort,
                  "Rank the rows by object count (count, heapy's order) or by bytes (bytes)")
      ->check(CLI::IsMember({"count", "bytes"}))
      ->capture_default_str();
  sub->add_flag("--include-tracer", diff.include_tracer,
                "Let the --fail-if-new-* limits count Ruby's allocation tracer (the DATA object "
                "of trace_object_allocations_start) when it is new; by default they leave it "
                "out, and a note gives its size");
  add_common_options(sub, &cmd->common);
  return {sub, [cmd] { return run_diff(*cmd); }};
}

}  // namespace heapdump
