#include "cli/cmd_diff.hpp"

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <vector>

#include "heapdump/stderr.hpp"
#include "heapdump/diff_report.hpp"
#include "heapdump/gate.hpp"
#include "heapdump/output.hpp"
#include "heapdump/render.hpp"
#include "render/terminal_text.hpp"

namespace heapdump {

CLI::App* setup_diff(CLI::App& app, DiffCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "diff", "Objects allocated between BEFORE and AFTER (and still alive in RETAINED)");
  sub->add_option("BEFORE", cmd->before, "Earlier dump")->required();
  sub->add_option("AFTER", cmd->after, "Later dump of the same process")->required();
  sub->add_option("RETAINED", cmd->retained,
                  "Optional third dump: report only objects still alive in it");
  sub->add_option("--output-diff,--output_diff", cmd->output_diff,
                  "Write the reported AFTER lines, verbatim, to this file (- for standard "
                  "output); the file is replaced only when the diff completes, and must not be "
                  "one of the dumps")
      ->option_text("FILE");
  sub->add_option("--fail-if-new-objects", cmd->fail_objects,
                  "Exit with status 4 if more than N new objects are found (see --by)")
      ->check(whole_number());
  sub->add_option("--fail-if-new-bytes", cmd->fail_bytes,
                  "Exit with status 4 if new objects take more than N bytes (see --by)")
      ->check(whole_number());
  add_allow_skipped_lines_option(sub, &cmd->allow_skipped_lines);
  cmd->by_option =
      sub->add_option("--by", cmd->by,
                      "What the --fail-if-new-* limits apply to: all new objects together "
                      "(total), each type (type) or each allocation site (location); only with "
                      "a limit")
          ->check(CLI::IsMember({"total", "type", "location"}))
          ->capture_default_str();
  sub->add_option("--lines", cmd->lines,
                  "Rows to show, the first by --sort (default: all); the totals and the "
                  "--fail-if-new-* limits count every row")
      ->check(whole_number(1, UINT64_MAX));
  sub->add_option("--sort", cmd->sort,
                  "Rank the rows by object count (count, heapy's order) or by bytes (bytes)")
      ->check(CLI::IsMember({"count", "bytes"}))
      ->capture_default_str();
  sub->add_flag("--include-tracer", cmd->include_tracer,
                "Let the --fail-if-new-* limits count Ruby's allocation tracer (the DATA object "
                "of trace_object_allocations_start) when it is new; by default they leave it "
                "out, and a note gives its size");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_diff(const DiffCommand& cmd) {
  const bool gated = cmd.fail_objects || cmd.fail_bytes;
  if (!gated && cmd.by_option != nullptr && cmd.by_option->count() > 0) {
    print_error("--by says what a --fail-if-new-objects or --fail-if-new-bytes limit applies "
                "to; give one (the report is always by type and allocation site; see "
                "'heapdump diff --help')");
    return kExitUsage;
  }
  std::vector<std::string> inputs = {cmd.before, cmd.after};
  if (!cmd.retained.empty()) inputs.push_back(cmd.retained);
  if (const std::string error = same_input_error(inputs, "diff"); !error.empty()) {
    print_error(error);
    return kExitUsage;
  }

  // The output goes to a temporary file that replaces the target only when
  // the diff is complete; it must not be one of the dumps being read.
  std::unique_ptr<OutputFile> output;
  if (cmd.output_diff) {
    Status s = check_output_path(*cmd.output_diff, inputs);
    if (!s.ok()) {
      print_error(fmt::format("--output-diff: {} (see 'heapdump diff --help')", s.message()));
      return kExitUsage;
    }
    s = OutputFile::open(*cmd.output_diff, &output);
    if (!s.ok()) {
      print_error(s.message());
      return kExitIoError;
    }
  }

  std::function<void(std::string_view)> write_line;
  if (output) {
    write_line = [&output](std::string_view line) {
      output->write(line);
      output->write("\n");
    };
  }
  StderrReporter reporter(cmd.common.max_warnings, cmd.common.quiet);
  DiffOptions options;
  options.before = cmd.before;
  options.after = cmd.after;
  options.retained = cmd.retained;
  options.lines = cmd.lines;
  options.sort = cmd.sort;
  options.sort_by_bytes = cmd.sort == "bytes";
  options.include_tracer = cmd.include_tracer;
  options.fail_objects = cmd.fail_objects;
  options.fail_bytes = cmd.fail_bytes;
  options.scope = gate_scope(cmd.by);
  options.allow_skipped_lines = cmd.allow_skipped_lines;
  options.output_diff = cmd.output_diff;
  options.on_reported = write_line;
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
    write_stderr_line(fmt::format("Writing heap dump diff to {}\n", terminal_text(*cmd.output_diff)));
  }
  if (!built.order_note.empty()) print_error(built.order_note);

  const Report& report = built.report;
  std::string out;
  if (cmd.common.format == "text") render_diff_text(report.tables[0], !cmd.retained.empty(), &out);
  const int code = emit_report(cmd.common, report, out);
  if (code != kExitOk) return code;
  if (cmd.common.format == "text" && !cmd.common.quiet) {
    // The total, after the report: on stderr, so that stdout keeps heapy's
    // layout line for line (../README "diff").
    const Table& t = report.tables[0];
    const uint128 objects = t.total("objects");
    if (objects == 0) {
      write_stderr_line("no new objects\n");
    } else {
      std::string shown;
      if (t.rows.size() < built.groups) {
        shown = fmt::format(" ({} of {} rows shown)", t.rows.size(), built.groups);
      }
      write_stderr_line(fmt::format("{} {}, {} bytes new{}{}\n", decimal(objects),
                                    objects == 1 ? "object" : "objects", decimal(t.total("bytes")),
                                    cmd.retained.empty() ? "" : " and retained", shown));
    }
  }
  return gate_exit(built.gate);
}

}  // namespace heapdump
