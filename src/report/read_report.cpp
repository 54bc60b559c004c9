#include "heapdump/read_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "heapdump/class_names.hpp"
#include "heapdump/drill_down.hpp"
#include "heapdump/generation_summary.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/input.hpp"
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
  uint64_t lines = 0;                  ///< --lines: the rows of a --strings table
  /// Shared by the parsing threads' DrillDowns, and StringReports.
  std::shared_ptr<ValueSightings> sightings = make_value_sightings();
  std::shared_ptr<StringSightings> string_sightings = make_string_sightings();
  /// How the StringReports read long values back (a plain regular file), or none.
  ValueReadBack read_back;
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
      strings = std::make_unique<StringReport>(plan.selection, plan.lines, plan.string_sightings,
                                               plan.read_back);
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
      return fmt::format("a GEN range must be A..B, two generation numbers with A <= B, not '{}'",
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
    return fmt::format("GEN must be a generation number, a range A..B or 'all', not '{}'",
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

/// Why GEN selected nothing, as kNotFound.
Status no_objects(const std::string& file, const Selection& selection, const TracedCounter& counts) {
  if (counts.objects == 0) return Status::not_found(fmt::format("{}: the file has no objects", file));
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
  return Status::not_found(
      fmt::format("{}: {} with allocation info (file/line){}", file, which, hint));
}

/// Reads `file` into per-thread `work`.
template <typename T>
Status read_into(const ReadReportOptions& o, PerThread<T>& work, ReadListener& listener) {
  ReadPipeline pipeline(o.read);
  pipeline.add(work.sinks());
  return pipeline.run(o.file, listener);
}

Status build_attribution(const ReadReportOptions& o, const std::optional<Selection>& selection,
                         ReadListener& listener, ReadReport* out) {
  AttributionPlan plan;
  plan.selection = selection;
  plan.strings = o.strings;
  plan.lines = o.lines;
  std::string by_text;
  for (const std::string& name : o.by) {
    GroupKey key = GroupKey::kLocation;
    parse_group_key(name, &key);  // the CLI checked the names
    if (!by_text.empty()) by_text += ',';
    by_text += name;
    if (key == GroupKey::kLocation && selection) {
      plan.drill = true;
    } else if (std::find(plan.keys.begin(), plan.keys.end(), key) == plan.keys.end()) {
      plan.keys.push_back(key);
    }
  }
  // Opened here, so that the string report can read long values back from
  // it after the read (only a plain regular file can be).
  std::unique_ptr<InputSource> input;
  Status s = InputSource::open(o.file, &input);
  if (!s.ok()) return s;
  if (o.strings && input->regular_file()) {
    const InputSource* in = input.get();
    plan.read_back = {in->name(), [in](uint64_t offset, uint64_t size, std::string* text) {
                        text->resize(size);
                        return in->read_at(offset, text->data(), size);
                      }};
  }
  PerThread<AttributionWork> work(o.read.threads, plan);
  {
    ReadPipeline pipeline(o.read);
    pipeline.add(work.sinks());
    s = pipeline.run(*input, listener);
  }
  if (!s.ok()) return s;
  AttributionWork& result = work.merged();
  if (selection && result.traced.selected == 0) return no_objects(o.file, *selection, result.traced);

  out->label = selection ? selection_label(*selection) : std::string();
  Report& report = out->report;
  report.parameters = {{"file", o.file},
                       {"generation", selection ? Cell{out->label} : Cell{}},
                       {"lines", o.lines},
                       {"by", by_text.empty() ? Cell{} : Cell{by_text}},
                       {"strings", uint64_t{o.strings ? 1u : 0u}}};
  if (result.drill) {
    report.tables = result.drill->to_tables(o.lines, result.names);
    out->drill_tables = report.tables.size();
  }
  for (const auto& group : result.groups) {
    report.tables.push_back(group->to_table(o.lines, result.names));
    ++out->group_tables;
  }
  if (result.strings) {
    std::vector<Table> tables;
    s = result.strings->to_tables(o.lines, &tables);
    if (!s.ok()) return s;
    for (Table& t : tables) report.tables.push_back(std::move(t));
  }
  return Status::ok_status();
}

}  // namespace

Status build_read_report(const ReadReportOptions& o, ReadListener& listener, ReadReport* out) {
  const bool attribution = !o.by.empty() || o.strings;
  if (o.generation.empty() && !attribution) {
    PerThread<SummaryWork> work(o.read.threads);
    Status s = read_into(o, work, listener);
    if (!s.ok()) return s;
    out->summary = true;
    out->report.parameters = {{"file", o.file}, {"generation", Cell{}}};
    out->report.tables.push_back(work.merged().summary.to_table());
    return s;
  }

  Selection selection;
  if (!o.generation.empty()) {
    const std::string error = parse_generation(o.generation, &selection);
    if (!error.empty()) return Status::invalid_argument(error);
  }
  const bool classic = !o.strings && std::all_of(o.by.begin(), o.by.end(), [](const std::string& k) {
    return k == "location";
  });
  if (attribution && !(classic && !o.generation.empty())) {
    return build_attribution(o, o.generation.empty() ? std::nullopt : std::optional(selection),
                             listener, out);
  }

  // The drill-down, exactly as before (also `--by location` with GEN).
  PerThread<DrillWork> work(o.read.threads, selection, make_value_sightings());
  Status s = read_into(o, work, listener);
  if (!s.ok()) return s;
  DrillWork& result = work.merged();
  if (result.drill.selected_objects() == 0) return no_objects(o.file, selection, result.traced);
  out->label = selection_label(selection);
  out->report.parameters = {{"file", o.file}, {"generation", out->label}, {"lines", o.lines}};
  out->report.tables = result.drill.to_tables(o.lines, result.names);
  out->drill_tables = out->report.tables.size();
  return s;
}

}  // namespace heapdump
