#include "cli/cmd_read.hpp"

#include <fmt/format.h>

#include "heapdump/class_names.hpp"
#include "heapdump/drill_down.hpp"
#include "heapdump/generation_summary.hpp"
#include "heapdump/render.hpp"

namespace heapdump {
namespace {

/// Counts objects that carry allocation info, to explain an empty selection.
class TracedCounter final : public RecordSink {
 public:
  void on_record(const ObjectRecord& r) override {
    if (r.kind == RecordKind::kObject && r.has_file) ++traced;
  }
  uint64_t traced = 0;
};

/// What one parsing thread of `read FILE` folds into.
struct SummaryWork {
  GenerationSummary summary;
  RecordSink& sink() { return summary; }
  void merge(const SummaryWork& o) { summary.merge(o.summary); }
};

/// What one parsing thread of `read FILE GEN|all` folds into.
struct DrillWork {
  explicit DrillWork(Selection selection) : drill(selection) {
    tee.add(drill);
    tee.add(names);
    tee.add(traced);
  }
  RecordSink& sink() { return tee; }
  void merge(const DrillWork& o) {
    drill.merge(o.drill);
    names.merge(o.names);
    traced.traced += o.traced.traced;
  }
  DrillDown drill;
  ClassNames names;
  TracedCounter traced;
  TeeSink tee;
};

bool parse_generation(const std::string& text, Selection* sel) {
  if (text == "all") {
    sel->all = true;
    return true;
  }
  if (text.empty() || text.size() > 19) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  sel->all = false;
  sel->generation = value;
  return true;
}

}  // namespace

CLI::App* setup_read(CLI::App& app, ReadCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "read", "Summarise a heap dump by GC generation, or drill into one generation (or all)");
  sub->add_option("FILE", cmd->file, "Heap dump from ObjectSpace.dump_all (.json or .json.gz; - for stdin)")
      ->required();
  sub->add_option("GEN", cmd->generation,
                  "Generation number to drill into, or 'all' for every traced object");
  sub->add_option("--lines", cmd->lines, "Rows per section in a drill-down")
      ->check(whole_number())
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX))
      ->capture_default_str();
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_read(const ReadCommand& cmd) {
  StderrReporter reporter(cmd.common);
  const unsigned threads = cmd.common.thread_count();
  std::string out;
  if (cmd.generation.empty()) {
    PerThread<SummaryWork> work(threads);
    if (!read_file_parallel(cmd.file, work.sinks(), threads, reporter)) return kExitIoError;
    Report report{"read", {{"file", cmd.file}, {"generation", Cell{}}}, {}};
    report.tables.push_back(work.merged().summary.to_table());
    if (cmd.common.format == "text") render_summary_text(report.tables[0], &out);
    return emit_report(cmd.common, report, out);
  }

  Selection selection;
  if (!parse_generation(cmd.generation, &selection)) {
    print_error(fmt::format("GEN must be a generation number or 'all', not '{}' "
                            "(see 'heapdump read --help')",
                            cmd.generation));
    return kExitUsage;
  }
  PerThread<DrillWork> work(threads, selection);
  if (!read_file_parallel(cmd.file, work.sinks(), threads, reporter)) return kExitIoError;
  DrillWork& result = work.merged();
  if (result.drill.selected_objects() == 0) {
    const std::string which =
        selection.all ? "no objects" : fmt::format("no objects of generation {}", selection.generation);
    std::string hint;
    if (result.traced.traced == 0) {
      hint = "; the dump has no allocation info at all: call "
             "ObjectSpace.trace_object_allocations_start before the code you want to inspect";
    }
    print_error(fmt::format("{}: {} with allocation info (file/line){}", cmd.file, which, hint));
    return kExitNoObjects;
  }
  const std::string label = selection.all ? "all" : std::to_string(selection.generation);
  Report report{"read",
                {{"file", cmd.file}, {"generation", label}, {"lines", cmd.lines}},
                result.drill.to_tables(cmd.lines, result.names)};
  if (cmd.common.format == "text") render_drill_down_text(label, report.tables, &out);
  return emit_report(cmd.common, report, out);
}

}  // namespace heapdump
