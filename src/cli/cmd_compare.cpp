#include "cli/cmd_compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "heapdump/allocation_tracer.hpp"
#include "heapdump/class_names.hpp"
#include "heapdump/compare.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/render.hpp"

namespace heapdump {
namespace {

/// What one parsing thread folds one dump into: one GroupBy per key.
struct CompareWork {
  CompareWork(const std::vector<GroupKey>& keys, bool include_tracer) {
    for (GroupKey key : keys) {
      groups.push_back(std::make_unique<GroupBy>(key, std::nullopt, !include_tracer));
      tee.add(*groups.back());
    }
    tee.add(names);
    tee.add(tracer);
  }
  RecordSink& sink() { return tee; }
  void merge(const CompareWork& o) {
    for (size_t i = 0; i < groups.size(); ++i) groups[i]->merge(*o.groups[i]);
    names.merge(o.names);
    tracer.merge(o.tracer);
  }
  std::vector<std::unique_ptr<GroupBy>> groups;
  ClassNames names;
  AllocationTracerTally tracer;
  TeeSink tee;
};

}  // namespace

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

  StderrReporter reporter(cmd.common);
  const unsigned threads = cmd.common.thread_count();
  PerThread<CompareWork> work_a(threads, keys, cmd.include_tracer);
  if (!read_file_parallel(cmd.a, work_a.sinks(), cmd.common.read_options(threads), reporter)) return kExitIoError;
  CompareWork& a = work_a.merged();
  PerThread<CompareWork> work_b(threads, keys, cmd.include_tracer);
  if (!read_file_parallel(cmd.b, work_b.sinks(), cmd.common.read_options(threads), reporter)) return kExitIoError;
  CompareWork& b = work_b.merged();

  Report report{"compare",
                {{"a", cmd.a},
                 {"b", cmd.b},
                 {"by", by_text},
                 {"lines", cmd.lines},
                 {"include_tracer", uint64_t{cmd.include_tracer ? 1u : 0u}}},
                {}};
  for (size_t i = 0; i < keys.size(); ++i) {
    report.tables.push_back(compare_groups(keys[i], a.groups[i]->groups(a.names),
                                           b.groups[i]->groups(b.names), cmd.lines));
    // What Ruby's allocation tracer holds in each dump, counted or not.
    report.tables.back().totals.emplace_back("allocation_tracer_bytes_a", a.tracer.bytes());
    report.tables.back().totals.emplace_back("allocation_tracer_bytes_b", b.tracer.bytes());
  }
  std::string out;
  if (cmd.common.format == "text") {
    render_compare_text(cmd.a, cmd.b, report.tables, cmd.include_tracer, &out);
  }
  return emit_report(cmd.common, report, out);
}

}  // namespace heapdump
