#include "cli/cmd_report.hpp"

#include <fmt/format.h>

#include <memory>
#include <vector>

#include "heapdump/stderr.hpp"
#include "heapdump/output.hpp"
#include "heapdump/render.hpp"
#include "heapdump/report_builder.hpp"
#include "render/terminal_text.hpp"

namespace heapdump {

CLI::App* setup_report(CLI::App& app, ReportCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "report",
      "One self-contained HTML page: where the memory sits and what keeps it alive (FILE), or "
      "what is new and what grew (BEFORE AFTER [RETAINED])");
  sub->add_option("FILE", cmd->files,
                  "One heap dump, or BEFORE AFTER [RETAINED] as for diff (.json, .json.gz, "
                  ".json.zst)")
      ->required()
      ->expected(1, 3);
  sub->add_option("-o,--output", cmd->output,
                  "Where to write the page (default heapdump-report.html; - for standard "
                  "output); written in full or not at all, never over one of the dumps")
      ->option_text("FILE");
  add_lines_option(sub, &cmd->lines, "Rows per table");
  sub->add_option("--threshold", cmd->threshold,
                  "Leak suspect: an object or class retaining at least this % of the heap")
      ->check(whole_number(1, 100))
      ->capture_default_str();
  sub->add_option("--fail-if-new-objects", cmd->fail_objects,
                  "With two or three dumps: exit with status 4 if more than N new objects are "
                  "found (as diff; see --by)")
      ->check(whole_number());
  sub->add_option("--fail-if-new-bytes", cmd->fail_bytes,
                  "With two or three dumps: exit with status 4 if new objects take more than N "
                  "bytes (as diff; see --by)")
      ->check(whole_number());
  add_allow_skipped_lines_option(sub, &cmd->allow_skipped_lines);
  cmd->by_option = sub->add_option("--by", cmd->by,
                  "What the --fail-if-new-* limits apply to: total, type or location")
      ->check(CLI::IsMember({"total", "type", "location"}))
      ->capture_default_str();
  sub->add_flag("--include-tracer", cmd->include_tracer,
                "Count Ruby's allocation tracer (the DATA object of "
                "trace_object_allocations_start) like any object: as a leak suspect, in the "
                "growth tables and in the --fail-if-new-* limits (as retained, compare, diff)");
  cmd->common.format = "html";
  add_common_options(sub, &cmd->common);
  // The page is the default; json and csv give the same tables.
  sub->remove_option(sub->get_option("--format"));
  sub->add_option("--format", cmd->common.format,
                  "Output format: html (the page), json or csv (the page's tables; see "
                  "docs/output-formats.md)")
      ->check(CLI::IsMember({"html", "json", "csv"}))
      ->capture_default_str();
  return sub;
}

int run_report(const ReportCommand& cmd) {
  const std::vector<std::string>& inputs = cmd.files;
  if (const std::string error = same_input_error(inputs, "report"); !error.empty()) {
    print_error(error);
    return kExitUsage;
  }
  const bool gated = cmd.fail_objects || cmd.fail_bytes;
  if (!gated && cmd.by_option != nullptr && cmd.by_option->count() > 0) {
    print_error("--by applies to a --fail-if-new-objects or --fail-if-new-bytes limit, and none "
                "is given (see 'heapdump report --help')");
    return kExitUsage;
  }
  if (inputs.size() == 1 && (cmd.fail_objects || cmd.fail_bytes)) {
    print_error("--fail-if-new-objects and --fail-if-new-bytes need two or three dumps "
                "(see 'heapdump report --help')");
    return kExitUsage;
  }
  const std::string output =
      !cmd.output.empty() ? cmd.output : cmd.common.format == "html" ? "heapdump-report.html" : "-";
  Status s = check_output_path(output, inputs);
  if (!s.ok()) {
    print_error(fmt::format("-o: {} (see 'heapdump report --help')", s.message()));
    return kExitUsage;
  }

  PhaseTimer timer;
  StderrReporter reporter(cmd.common.max_warnings, cmd.common.quiet);
  ReportOptions options;
  options.files = cmd.files;
  options.lines = cmd.lines;
  options.threshold = cmd.threshold;
  options.fail_objects = cmd.fail_objects;
  options.fail_bytes = cmd.fail_bytes;
  options.by = cmd.by;
  options.allow_skipped_lines = cmd.allow_skipped_lines;
  options.include_tracer = cmd.include_tracer;
  options.read = cmd.common.read_options(cmd.common.thread_count());
  options.on_phase = [&timer](const char* what) { timer.lap(what); };
  BuiltReport built;
  s = build_report(options, reporter, &built);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  for (const std::string& note : built.notes) print_error(note);
  const Report& report = built.report;

  std::unique_ptr<OutputFile> out;
  s = OutputFile::open(output, &out);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  std::string buf;
  auto flush = [&out](std::string* b) {
    out->write(*b);
    b->clear();
  };
  if (cmd.common.format == "json") {
    render_json(report, &buf, flush);
  } else if (cmd.common.format == "csv") {
    render_csv(report, &buf, CsvOptions{cmd.common.csv_safe}, flush);
  } else {
    render_html(report, &buf);
  }
  flush(&buf);
  s = out->commit();
  timer.lap("write");
  if (s.code() == Status::Code::kBrokenPipe) return gate_exit(built.gate);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  if (output != "-" && cmd.common.format == "html") {
    write_stderr_line(fmt::format("heapdump: wrote {}\n", terminal_text(output)));
  }
  return gate_exit(built.gate);
}

}  // namespace heapdump
