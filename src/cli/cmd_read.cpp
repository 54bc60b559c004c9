#include "cli/cmd_read.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "heapdump/class_names.hpp"
#include "heapdump/drill_down.hpp"
#include "heapdump/generation_summary.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/render.hpp"
#include "heapdump/string_report.hpp"
#include "heapdump/traced_counter.hpp"

namespace heapdump {
namespace {

struct SummaryWork {
  GenerationSummary summary;
  RecordSink& sink() { return summary; }
  void merge(const SummaryWork& o) { summary.merge(o.summary); }
};

/// What one parsing thread of `read FILE GEN|all` folds into. The threads
/// share `sightings` (heapdump/value_sightings.hpp).
struct DrillWork {
  DrillWork(Selection selection, const std::shared_ptr<ValueSightings>& sightings)
      : drill(selection, sightings) {
    tee.add(drill);
    tee.add(names);
    tee.add(traced);
  }
  RecordSink& sink() { return tee; }
  void merge(const DrillWork& o) {
    drill.merge(o.drill);
    names.merge(o.names);
    traced.merge(o.traced);
  }
  DrillDown drill;
  ClassNames names;
  TracedCounter traced;
  TeeSink tee;
};

/// What `read` with --by or --strings computes.
struct AttributionPlan {
  std::optional<Selection> selection;  ///< none: every object of the dump
  bool drill = false;                  ///< the classic drill-down (GEN and --by location)
  std::vector<GroupKey> keys;          ///< --by sections
  bool strings = false;                ///< --strings
  /// Shared by the parsing threads' DrillDowns.
  std::shared_ptr<ValueSightings> sightings = make_value_sightings();
};

/// What one parsing thread of an attribution `read` folds into.
struct AttributionWork {
  explicit AttributionWork(const AttributionPlan& plan) : traced(plan.selection) {
    if (plan.drill) {
      drill = std::make_unique<DrillDown>(*plan.selection, plan.sightings);
      tee.add(*drill);
    }
    for (GroupKey key : plan.keys) {
      groups.push_back(std::make_unique<GroupBy>(key, plan.selection));
      tee.add(*groups.back());
    }
    if (plan.strings) {
      strings = std::make_unique<StringReport>(plan.selection);
      tee.add(*strings);
    }
    tee.add(names);
    tee.add(traced);
  }
  RecordSink& sink() { return tee; }
  void merge(const AttributionWork& o) {
    if (drill) drill->merge(*o.drill);
    for (size_t i = 0; i < groups.size(); ++i) groups[i]->merge(*o.groups[i]);
    if (strings) strings->merge(*o.strings);
    names.merge(o.names);
    traced.merge(o.traced);
  }
  std::unique_ptr<DrillDown> drill;
  std::vector<std::unique_ptr<GroupBy>> groups;
  std::unique_ptr<StringReport> strings;
  ClassNames names;
  TracedCounter traced;
  TeeSink tee;
};

/// A decimal number of 0 to 2^64 - 1 (every generation a dump can hold).
bool parse_number(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    if (__builtin_mul_overflow(value, uint64_t{10}, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value)) {
      return false;
    }
  }
  *out = value;
  return true;
}

/// "all", "N" or "A..B" (inclusive, A <= B). Returns "" or an error message.
std::string parse_generation(const std::string& text, Selection* sel) {
  if (text == "all") {
    sel->all = true;
    return "";
  }
  const size_t dots = text.find("..");
  if (dots != std::string::npos) {
    uint64_t first = 0, last = 0;
    if (!parse_number(text.substr(0, dots), &first) || !parse_number(text.substr(dots + 2), &last) ||
        first > last) {
      return fmt::format("a GEN range must be A..B, two generation numbers with A <= B, not '{}' "
                         "(see 'heapdump read --help')",
                         text);
    }
    sel->all = false;
    sel->range = true;
    sel->generation = first;
    sel->last = last;
    return "";
  }
  uint64_t value = 0;
  if (!parse_number(text, &value)) {
    return fmt::format("GEN must be a generation number, a range A..B or 'all', not '{}' "
                       "(see 'heapdump read --help')",
                       text);
  }
  sel->all = false;
  sel->generation = value;
  return "";
}

std::string selection_label(const Selection& s) {
  if (s.all) return "all";
  if (s.range) return fmt::format("{}..{}", s.generation, s.last);
  return std::to_string(s.generation);
}

/// "3..7, 9, 12" (at most `limit` pieces, then "...").
std::string generation_list(const std::set<uint64_t>& generations, size_t limit = 8) {
  std::string out;
  size_t pieces = 0;
  for (auto it = generations.begin(); it != generations.end();) {
    const uint64_t first = *it;
    uint64_t last = first;
    for (++it; it != generations.end() && *it == last + 1; ++it) last = *it;
    if (pieces == limit) {
      out += ", ...";
      break;
    }
    if (!out.empty()) out += ", ";
    out += first == last ? std::to_string(first) : fmt::format("{}..{}", first, last);
    ++pieces;
  }
  return out;
}

/// Exit status 1 with the reason on stderr.
int no_objects(const std::string& file, const Selection& selection, const TracedCounter& counts) {
  if (counts.objects == 0) {
    print_error(fmt::format("{}: the file has no objects", file));
    return kExitNoObjects;
  }
  const uint64_t traced = counts.traced;
  std::string which = "no objects";
  if (!selection.all) {
    which = selection.range ? fmt::format("no objects of generations {}..{}", selection.generation,
                                          selection.last)
                            : fmt::format("no objects of generation {}", selection.generation);
  }
  std::string hint;
  if (traced == 0) {
    hint = "; the dump has no allocation info at all: call "
           "ObjectSpace.trace_object_allocations_start before the code you want to inspect";
  } else if (!selection.all && !counts.generations.empty()) {
    hint = fmt::format("; its objects with allocation info are of generations {}",
                       generation_list(counts.generations));
  }
  print_error(fmt::format("{}: {} with allocation info (file/line){}", file, which, hint));
  return kExitNoObjects;
}

/// Ensures the text ends in exactly one blank line before the next section.
void section_gap(std::string* out) {
  if (out->size() >= 2 && out->compare(out->size() - 2, 2, "\n\n") == 0) return;
  *out += '\n';
}

int run_attribution(const ReadCommand& cmd, const std::optional<Selection>& selection,
                    StderrReporter& reporter, unsigned threads) {
  AttributionPlan plan;
  plan.selection = selection;
  plan.strings = cmd.strings;
  std::string by_text;
  for (const std::string& name : cmd.by) {
    GroupKey key = GroupKey::kLocation;
    parse_group_key(name, &key);  // CLI11 checked the names
    if (!by_text.empty()) by_text += ',';
    by_text += name;
    if (key == GroupKey::kLocation && selection) {
      plan.drill = true;
    } else if (std::find(plan.keys.begin(), plan.keys.end(), key) == plan.keys.end()) {
      plan.keys.push_back(key);
    }
  }
  PerThread<AttributionWork> work(threads, plan);
  if (!read_file_parallel(cmd.file, work.sinks(), cmd.common.read_options(threads), reporter)) return kExitIoError;
  AttributionWork& result = work.merged();
  if (selection && result.traced.selected == 0) {
    return no_objects(cmd.file, *selection, result.traced);
  }

  const std::string label = selection ? selection_label(*selection) : std::string();
  Report report{"read",
                {{"file", cmd.file},
                 {"generation", selection ? Cell{label} : Cell{}},
                 {"lines", cmd.lines},
                 {"by", by_text.empty() ? Cell{} : Cell{by_text}},
                 {"strings", uint64_t{cmd.strings ? 1u : 0u}}},
                {}};
  std::string out;
  const bool text = cmd.common.format == "text";
  if (result.drill) {
    report.tables = result.drill->to_tables(cmd.lines, result.names);
    if (text) render_drill_down_text(label, report.tables, &out);
  } else if (text) {
    render_analyzing_title(selection ? "Generation: " + label : std::string("all objects"), &out);
  }
  bool first_section = result.drill == nullptr;
  for (const auto& group : result.groups) {
    report.tables.push_back(group->to_table(cmd.lines, result.names));
    if (text) {
      if (!first_section) section_gap(&out);
      render_groups_text(report.tables.back(), &out);
    }
    first_section = false;
  }
  if (result.strings) {
    std::vector<Table> strings = result.strings->to_tables(cmd.lines);
    if (text) {
      if (!first_section) section_gap(&out);
      render_strings_text(strings, &out);
    }
    for (Table& t : strings) report.tables.push_back(std::move(t));
  }
  return emit_report(cmd.common, report, out);
}

}  // namespace

CLI::App* setup_read(CLI::App& app, ReadCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "read", "Summarise a heap dump by GC generation, or drill into one generation (or all)");
  add_dump_file(sub, &cmd->file);
  sub->add_option("GEN", cmd->generation,
                  "Generation number to drill into, a range A..B of generations, or 'all' for "
                  "every traced object");
  add_lines_option(sub, &cmd->lines, "Rows per section in a drill-down");
  cmd->lines_option = sub->get_option("--lines");
  sub->add_option("--by", cmd->by,
                  "Memory and objects per group: location (default: the drill-down), file, gem, "
                  "class, type or method; repeat or separate with commas for one section each. "
                  "Without GEN, every object of the dump is grouped")
      ->delimiter(',')
      ->check(CLI::IsMember({"location", "file", "gem", "class", "type", "method"}));
  sub->add_flag("--strings", cmd->strings,
                "String report: values with the most memory and the most copies, with their "
                "locations, and frozen-string candidates");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_read(const ReadCommand& cmd) {
  StderrReporter reporter(cmd.common);
  const unsigned threads = cmd.common.thread_count();
  std::string out;
  const bool attribution = !cmd.by.empty() || cmd.strings;
  if (cmd.generation.empty() && !attribution && cmd.lines_option != nullptr &&
      cmd.lines_option->count() > 0) {
    print_error("--lines applies to a drill-down (read FILE GEN --lines N) or to --by and "
                "--strings; the summary of generations has one row per generation "
                "(see 'heapdump read --help')");
    return kExitUsage;
  }
  if (cmd.generation.empty() && !attribution) {
    PerThread<SummaryWork> work(threads);
    if (!read_file_parallel(cmd.file, work.sinks(), cmd.common.read_options(threads), reporter)) return kExitIoError;
    Report report{"read", {{"file", cmd.file}, {"generation", Cell{}}}, {}};
    report.tables.push_back(work.merged().summary.to_table());
    if (cmd.common.format == "text") render_summary_text(report.tables[0], &out);
    return emit_report(cmd.common, report, out);
  }

  Selection selection;
  if (!cmd.generation.empty()) {
    const std::string error = parse_generation(cmd.generation, &selection);
    if (!error.empty()) {
      print_error(error);
      return kExitUsage;
    }
  }
  const bool classic = cmd.strings == false &&
                       std::all_of(cmd.by.begin(), cmd.by.end(),
                                   [](const std::string& k) { return k == "location"; });
  if (attribution && !(classic && !cmd.generation.empty())) {
    return run_attribution(cmd, cmd.generation.empty() ? std::nullopt : std::optional(selection),
                           reporter, threads);
  }

  // The drill-down, exactly as before (also `--by location` with GEN).
  PerThread<DrillWork> work(threads, selection, make_value_sightings());
  if (!read_file_parallel(cmd.file, work.sinks(), cmd.common.read_options(threads), reporter)) return kExitIoError;
  DrillWork& result = work.merged();
  if (result.drill.selected_objects() == 0) {
    return no_objects(cmd.file, selection, result.traced);
  }
  const std::string label = selection_label(selection);
  Report report{"read",
                {{"file", cmd.file}, {"generation", label}, {"lines", cmd.lines}},
                result.drill.to_tables(cmd.lines, result.names)};
  if (cmd.common.format == "text") render_drill_down_text(label, report.tables, &out);
  return emit_report(cmd.common, report, out);
}

}  // namespace heapdump
