// `heapdump report FILE` and `heapdump report BEFORE AFTER [RETAINED]`: one
// self-contained HTML page.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "heapdump/output.hpp"
#include "heapdump/report_builder.hpp"
#include "heapdump/report_output.hpp"

namespace heapdump {
namespace {

struct ReportCommand {
  /// FILE..., --lines, --threshold, the limits, --by, --allow-skipped-lines,
  /// --include-tracer
  ReportOptions report;
  std::string output;                      ///< -o; "" = the format's default
  const CLI::Option* by_option = nullptr;  ///< to tell whether --by was given
  CommonOptions common;
};

int run_report(ReportCommand& cmd) {
  ReportOptions& options = cmd.report;
  const std::vector<std::string>& inputs = options.files;
  if (const std::string error = same_input_error(inputs, "report"); !error.empty()) {
    print_error(error);
    return kExitUsage;
  }
  const bool gated = options.fail_objects || options.fail_bytes;
  if (!gated && cmd.by_option->count() > 0) {
    print_error("--by applies to a --fail-if-new-objects or --fail-if-new-bytes limit, and none "
                "is given (see 'heapdump report --help')");
    return kExitUsage;
  }
  if (inputs.size() == 1 && gated) {
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
  options.read = cmd.common.read_options(cmd.common.thread_count());
  options.on_phase = [&timer](const char* what) { timer.lap(what); };
  BuiltReport built;
  s = build_report(options, reporter, &built);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  for (const std::string& note : built.notes) print_error(note);

  std::unique_ptr<OutputFile> out;
  s = OutputFile::open(output, &out);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  write_report(built.report, cmd.common.format, CsvOptions{cmd.common.csv_safe}, "",
               [&out](std::string_view bytes) {
                 out->write(bytes);
                 return Status::ok_status();
               });
  s = out->commit();
  timer.lap("write");
  if (s.code() == Status::Code::kBrokenPipe) return gate_exit(built.gate);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  if (output != "-" && cmd.common.format == "html") print_error("wrote " + output);
  return gate_exit(built.gate);
}

}  // namespace

Command add_report(CLI::App& app) {
  auto cmd = std::make_shared<ReportCommand>();
  ReportOptions& report = cmd->report;
  CLI::App* sub = app.add_subcommand(
      "report",
      "One self-contained HTML page: where the memory sits and what keeps it alive (FILE), or "
      "what is new and what grew (BEFORE AFTER [RETAINED])");
  sub->add_option("FILE", report.files,
                  "One heap dump, or BEFORE AFTER [RETAINED] as for diff (.json, .json.gz, "
                  ".json.zst)")
      ->required()
      ->expected(1, 3);
  sub->add_option("-o,--output", cmd->output,
                  "Where to write the page (default heapdump-report.html; - for standard "
                  "output); written in full or not at all, never over one of the dumps")
      ->option_text("FILE");
  add_lines_option(sub, &report.lines, "Rows per table");
  add_threshold_option(sub, &report.threshold);
  sub->add_option("--fail-if-new-objects", report.fail_objects,
                  "With two or three dumps: exit with status 4 if more than N new objects are "
                  "found (as diff; see --by)")
      ->check(whole_number());
  sub->add_option("--fail-if-new-bytes", report.fail_bytes,
                  "With two or three dumps: exit with status 4 if new objects take more than N "
                  "bytes (as diff; see --by)")
      ->check(whole_number());
  add_allow_skipped_lines_option(sub, &report.allow_skipped_lines);
  cmd->by_option = sub->add_option("--by", report.by,
                  "What the --fail-if-new-* limits apply to: total, type or location")
      ->check(CLI::IsMember({"total", "type", "location"}))
      ->capture_default_str();
  sub->add_flag("--include-tracer", report.include_tracer,
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
  return {sub, [cmd] { return run_report(*cmd); }};
}

}  // namespace heapdump
