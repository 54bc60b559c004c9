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
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX))
      ->capture_default_str();
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_read(const ReadCommand& cmd) {
  StderrReporter reporter(cmd.common.max_warnings);
  std::string out;
  if (cmd.generation.empty()) {
    GenerationSummary summary;
    if (!read_file(cmd.file, summary, reporter)) return kExitIoError;
    render_summary_text(summary.to_table(), &out);
    return emit(out);
  }

  Selection selection;
  if (!parse_generation(cmd.generation, &selection)) {
    print_error(fmt::format("GEN must be a generation number or 'all', not '{}' "
                            "(see 'heapdump read --help')",
                            cmd.generation));
    return kExitUsage;
  }
  DrillDown drill(selection);
  ClassNames names;
  TracedCounter traced;
  TeeSink tee;
  tee.add(drill);
  tee.add(names);
  tee.add(traced);
  if (!read_file(cmd.file, tee, reporter)) return kExitIoError;
  if (drill.selected_objects() == 0) {
    const std::string which =
        selection.all ? "no objects" : fmt::format("no objects of generation {}", selection.generation);
    std::string hint;
    if (traced.traced == 0) {
      hint = "; the dump has no allocation info at all: call "
             "ObjectSpace.trace_object_allocations_start before the code you want to inspect";
    }
    print_error(fmt::format("{}: {} with allocation info (file/line){}", cmd.file, which, hint));
    return kExitNoObjects;
  }
  const std::string label = selection.all ? "all" : std::to_string(selection.generation);
  render_drill_down_text(label, drill.to_tables(cmd.lines, names), &out);
  return emit(out);
}

}  // namespace heapdump
