#include "cli/cmd_compare.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "heapdump/compare_report.hpp"
#include "heapdump/render.hpp"

namespace heapdump {

CLI::App* setup_compare(CLI::App& app, CompareCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "compare",
      "Memory and objects per group in dump A and dump B, and the difference; the dumps may "
      "come from different processes");
  sub->add_option("A", cmd->a, "First dump (the baseline)")->required();
  sub->add_option("B", cmd->b, "Second dump")->required();
  sub->add_option("--by", cmd->by,
                  "Group by class (default), location, gem, type, file or method; repeat or "
                  "separate with commas for one section each")
      ->delimiter(',')
      ->check(CLI::IsMember({"location", "file", "gem", "class", "type", "method"}));
  add_lines_option(sub, &cmd->lines, "Rows per section (the groups that grew most)");
  sub->add_flag("--include-tracer", cmd->include_tracer,
                "Count Ruby's allocation tracer (the DATA object of "
                "trace_object_allocations_start, named '(allocation tracer)') like any object; "
                "by default it is left out of every group and its size given in a note");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_compare(const CompareCommand& cmd) {
  if (cmd.a == "-" && cmd.b == "-") {
    // Standard input can be read once: B would be empty and all of A "gone".
    print_error("A and B are both '-'; standard input can be read only once "
                "(see 'heapdump compare --help')");
    return kExitUsage;
  }
  std::vector<GroupKey> keys;
  std::string by_text;
  for (const std::string& name : cmd.by) {
    GroupKey key = GroupKey::kClass;
    parse_group_key(name, &key);  // CLI11 checked the names
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    keys.push_back(key);
    if (!by_text.empty()) by_text += ',';
    by_text += name;
  }
  if (keys.empty()) {
    keys.push_back(GroupKey::kClass);
    by_text = "class";
  }

  StderrReporter reporter(cmd.common.max_warnings, cmd.common.quiet);
  CompareOptions options{cmd.a, cmd.b, keys, by_text, cmd.lines, cmd.include_tracer,
                         cmd.common.read_options(cmd.common.thread_count())};
  Report report;
  const Status s = build_compare_report(options, reporter, &report);
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  std::string out;
  if (cmd.common.format == "text") {
    render_compare_text(cmd.a, cmd.b, report.tables, cmd.include_tracer, &out);
  }
  return emit_report(cmd.common, report, out);
}

}  // namespace heapdump
