#include "cli/cmd_report.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "cli/graph_common.hpp"
#include "cli/progress.hpp"
#include "heapdump/allocation_tracer.hpp"
#include "heapdump/class_names.hpp"
#include "heapdump/compare.hpp"
#include "heapdump/diff.hpp"
#include "heapdump/gate.hpp"
#include "heapdump/graph.hpp"
#include "heapdump/generation_summary.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/identity_set.hpp"
#include "heapdump/output.hpp"
#include "heapdump/render.hpp"
#include "heapdump/retained.hpp"
#include "render/terminal_text.hpp"

namespace heapdump {
namespace {

constexpr Column::Kind kText = Column::Kind::kText;
constexpr Column::Kind kCount = Column::Kind::kCount;
constexpr Column::Kind kBytes = Column::Kind::kBytes;

/// The keys the allocation and growth tables group by.
const std::vector<GroupKey> kAllocationKeys = {GroupKey::kClass, GroupKey::kLocation,
                                               GroupKey::kGem};

/// What one parsing thread folds a dump into besides the graph (or the
/// identities of diff): generations, and memory per class, location, gem.
/// `leave_out_tracer`: the groups leave Ruby's allocation tracer out (as
/// compare does by default); `tracer` counts it either way.
struct AllocationWork {
  explicit AllocationWork(bool leave_out_tracer = false) {
    tee.add(generations);
    for (GroupKey key : kAllocationKeys) {
      groups.push_back(std::make_unique<GroupBy>(key, std::nullopt, leave_out_tracer));
      tee.add(*groups.back());
    }
    tee.add(names);
    tee.add(tracer);
  }
  RecordSink& sink() { return tee; }
  void merge(const AllocationWork& o) {
    generations.merge(o.generations);
    for (size_t i = 0; i < groups.size(); ++i) groups[i]->merge(*o.groups[i]);
    names.merge(o.names);
    tracer.merge(o.tracer);
  }
  GenerationSummary generations;
  std::vector<std::unique_ptr<GroupBy>> groups;
  ClassNames names;
  AllocationTracerTally tracer;
  TeeSink tee;
};

/// One input as the page's header describes it.
struct InputInfo {
  std::string role;  ///< "dump", "before", "after", "retained"
  std::string file;
  ReadStats stats;
  std::string warning;  ///< the input's own warning (ended early), or ""
};

Table dumps_table(const std::vector<InputInfo>& inputs) {
  Table t;
  t.name = "dumps";
  t.columns = {{"role", kText},  {"file", kText},          {"lines", kCount},
               {"objects", kCount}, {"skipped_lines", kCount}, {"ended_early", kCount}};
  for (const InputInfo& in : inputs) {
    t.rows.push_back(make_row(in.role, in.file, in.stats.lines, in.stats.objects,
                              in.stats.skipped_lines, uint64_t{in.warning.empty() ? 0u : 1u}));
  }
  return t;
}

/// True if a and b name the same file (same path, or same device and inode).
bool same_file(const std::string& a, const std::string& b) {
  if (a == b) return true;
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/// `report FILE`: the object graph, its dominator tree, and what was
/// allocated where, from one read. Fills `report`; an exit code other than
/// kExitOk on error.
int compute_single(const ReportCommand& cmd, Report* report) {
  const std::string& file = cmd.files[0];
  PhaseTimer timer;
  StderrReporter reporter(cmd.common);
  const unsigned threads = cmd.common.thread_count();
  // One read feeds the graph and the generation and allocation tables.
  GraphLoader loader(threads);
  PerThread<AllocationWork> work(threads);
  const SinkForWorker graph_sinks = loader.sinks();
  const SinkForWorker work_sinks = work.sinks();
  std::vector<std::unique_ptr<TeeSink>> tees;
  for (unsigned i = 0; i < threads; ++i) {
    tees.push_back(std::make_unique<TeeSink>());
    tees.back()->add(graph_sinks(i));
    tees.back()->add(work_sinks(i));
  }
  ReadOptions options = cmd.common.read_options(threads);
  options.decode_references = true;
  InputInfo info{"dump", file, {}, {}};
  if (!read_file_parallel(
          file, [&tees](unsigned i) -> RecordSink& { return *tees[i]; }, options, reporter,
          &info.stats, &info.warning)) {
    return kExitIoError;
  }
  timer.lap("parse");
  std::vector<std::string> notes;
  const std::shared_ptr<const LoadedGraph> graph = loader.finish(file, &notes);
  for (const std::string& note : notes) print_error(note);
  timer.lap("build");
  AllocationWork& alloc = work.merged();

  RetainedOptions retained;
  retained.lines = cmd.lines;
  retained.threshold = cmd.threshold;
  retained.tree_view = true;
  retained.include_tracer = cmd.include_tracer;
  retained.on_phase = [&timer](const char* what) { timer.lap(what); };
  std::vector<Table> tables = retained_tables(graph, retained);
  tables[0].totals.push_back({"allocation_tracing", has_allocation_tracer(*graph) ? 1 : 0});

  report->parameters = {{"file", file},
                        {"lines", cmd.lines},
                        {"threshold", cmd.threshold},
                        {"include_tracer", uint64_t{cmd.include_tracer ? 1u : 0u}}};
  report->tables.push_back(dumps_table({info}));
  for (Table& t : tables) report->tables.push_back(std::move(t));
  report->tables.push_back(alloc.generations.to_table());
  for (size_t i = 0; i < kAllocationKeys.size(); ++i) {
    Table by = alloc.groups[i]->to_table(cmd.lines, alloc.names);
    by.name = "allocated_" + by.name;
    report->tables.push_back(std::move(by));
  }
  return kExitOk;
}

/// `report BEFORE AFTER [RETAINED]`: what is new (diff), what grew from
/// the first dump to the last (compare), and the leak gate's verdict.
/// `gate_exit` receives 4 or 5 when a gate trips or cannot be judged, and
/// `gate_message` the line diff prints then (after the page is written).
int compute_multi(const ReportCommand& cmd, Report* report, int* gate_exit,
                  std::string* gate_message) {
  const std::string& before_file = cmd.files[0];
  const std::string& after_file = cmd.files[1];
  const std::string retained_file = cmd.files.size() > 2 ? cmd.files[2] : std::string();
  StderrReporter reporter(cmd.common);
  const unsigned threads = cmd.common.thread_count();
  TypeIds types;
  std::vector<InputInfo> inputs;

  // BEFORE: identities, and groups for the growth tables.
  IdentitySet before;
  PerThread<AllocationWork> first(threads, !cmd.include_tracer);
  PerThread<AllocationWork> last(threads, !cmd.include_tracer);
  auto collect = [&](const std::string& path, const std::string& role, IdentitySet* set,
                     PerThread<AllocationWork>* groups) {
    std::vector<std::unique_ptr<IdentityCollector>> collectors;
    std::vector<std::unique_ptr<TeeSink>> tees;
    SinkForWorker group_sinks = groups != nullptr ? groups->sinks() : SinkForWorker{};
    for (unsigned i = 0; i < threads; ++i) {
      collectors.push_back(std::make_unique<IdentityCollector>(*set, types));
      tees.push_back(std::make_unique<TeeSink>());
      tees.back()->add(*collectors.back());
      if (groups != nullptr) tees.back()->add(group_sinks(i));
    }
    InputInfo& in = inputs.emplace_back(InputInfo{role, path, {}, {}});
    const bool ok = read_file_parallel(
        path, [&](unsigned i) -> RecordSink& { return *tees[i]; },
        cmd.common.read_options(threads), reporter, &in.stats, &in.warning);
    for (auto& c : collectors) c->flush();
    set->seal(threads);
    return ok;
  };
  if (!collect(before_file, "before", &before, &first)) return kExitIoError;
  std::unique_ptr<IdentitySet> retained;
  if (!retained_file.empty()) {
    retained = std::make_unique<IdentitySet>();
    if (!collect(retained_file, "retained", retained.get(), &last)) return kExitIoError;
  }
  // AFTER: streamed through the diff (and, with two dumps, the groups).
  std::vector<std::unique_ptr<DiffAggregator>> diffs;
  std::vector<std::unique_ptr<TeeSink>> tees;
  SinkForWorker last_sinks = last.sinks();
  for (unsigned i = 0; i < threads; ++i) {
    diffs.push_back(std::make_unique<DiffAggregator>(types, before, retained.get()));
    tees.push_back(std::make_unique<TeeSink>());
    tees.back()->add(*diffs.back());
    if (!retained) tees.back()->add(last_sinks(i));
  }
  {
    InputInfo& in = inputs.emplace_back(InputInfo{"after", after_file, {}, {}});
    if (!read_file_parallel(
            after_file, [&](unsigned i) -> RecordSink& { return *tees[i]; },
            cmd.common.read_options(threads), reporter, &in.stats, &in.warning)) {
      return kExitIoError;
    }
  }
  // Header order: the dumps as given.
  if (retained) std::swap(inputs[1], inputs[2]);
  DiffAggregator& diff = *diffs[0];
  for (size_t i = 1; i < diffs.size(); ++i) diff.merge(*diffs[i]);
  AllocationWork& a = first.merged();
  AllocationWork& b = last.merged();

  report->parameters = {{"before", before_file},
                        {"after", after_file},
                        {"retained", retained_file.empty() ? Cell{} : Cell{retained_file}},
                        {"lines", cmd.lines},
                        {"include_tracer", uint64_t{cmd.include_tracer ? 1u : 0u}}};
  report->tables.push_back(dumps_table(inputs));
  // A gate judges every group, the allocation tracer left out unless
  // --include-tracer (as diff).
  const Table all_rows =
      diff.to_table(DiffAggregator::Sort::kCount, UINT64_MAX, !cmd.include_tracer);
  Table shown = diff.to_table(DiffAggregator::Sort::kCount, cmd.lines);
  shown.totals.push_back({"groups", diff.to_table().rows.size()});
  report->tables.push_back(std::move(shown));
  for (size_t i = 0; i < kAllocationKeys.size(); ++i) {
    report->tables.push_back(compare_groups(kAllocationKeys[i], a.groups[i]->groups(a.names),
                                            b.groups[i]->groups(b.names), cmd.lines));
    // What Ruby's allocation tracer holds in each dump, counted or not.
    report->tables.back().totals.emplace_back("allocation_tracer_bytes_a", a.tracer.bytes());
    report->tables.back().totals.emplace_back("allocation_tracer_bytes_b", b.tracer.bytes());
  }
  report->tables.push_back(b.generations.to_table());

  // The leak gate, judged as `diff` judges it (README "Leak gates"), with
  // diff's table "gate".
  if (!cmd.fail_objects && !cmd.fail_bytes) return kExitOk;
  std::string not_judged;
  for (const InputInfo& in : inputs) {
    const std::string why = unjudged_reason(!in.warning.empty(), in.stats.skipped_lines,
                                            in.stats.objects, cmd.allow_skipped_lines);
    if (!why.empty()) {
      not_judged = (in.file == "-" ? std::string("<stdin>") : in.file) + ": " + why;
      break;
    }
  }
  GateLimits limits;
  limits.max_new_objects = cmd.fail_objects;
  limits.max_new_bytes = cmd.fail_bytes;
  limits.scope = gate_scope(cmd.by);
  if (diff.new_tracer_objects() > 0 && !cmd.include_tracer) {
    print_error(fmt::format("note: allocation tracing itself holds {} bytes, new in {} (Ruby's "
                            "allocation tracer: a DATA object); the --fail-if-new-* limits leave "
                            "it out, --include-tracer counts it",
                            decimal(diff.new_tracer_bytes()),
                            after_file == "-" ? std::string("<stdin>") : after_file));
  }
  const std::vector<GateVerdict> verdicts = judge_gates(all_rows, limits);
  report->parameters.push_back({"fail_if_new_objects", cmd.fail_objects ? Cell{*cmd.fail_objects} : Cell{}});
  report->parameters.push_back({"fail_if_new_bytes", cmd.fail_bytes ? Cell{*cmd.fail_bytes} : Cell{}});
  report->parameters.push_back({"by", cmd.by});
  report->tables.push_back(gate_table(verdicts, limits, not_judged));
  if (!not_judged.empty()) {
    gate_message->assign(fmt::format("leak gate not judged: {}; exit status 5", not_judged));
    *gate_exit = kExitGateUnjudged;
    return kExitOk;
  }
  const std::string breach = tripped_message(verdicts);
  if (!breach.empty()) {
    gate_message->assign("leak gate tripped: " + breach);
    *gate_exit = kExitGate;
  }
  return kExitOk;
}

}  // namespace

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
  sub->add_option("--allow-skipped-lines", cmd->allow_skipped_lines,
                  "With a --fail-if-new-* limit: accept up to N skipped lines per input; more, "
                  "an input that ended early or one with no objects exits with status 5")
      ->check(whole_number())
      ->capture_default_str();
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
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t j = i + 1; j < inputs.size(); ++j) {
      if (same_file(inputs[i], inputs[j])) {
        print_error(fmt::format("'{}' and '{}' are the same file; report needs different dumps "
                                "(see 'heapdump report --help')",
                                inputs[i], inputs[j]));
        return kExitUsage;
      }
    }
  }
  if (std::count(inputs.begin(), inputs.end(), "-") > 1) {
    print_error("'-' is given more than once; standard input can be read only once "
                "(see 'heapdump report --help')");
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

  Report report{"report", {}, {}};
  int gate_exit = kExitOk;
  std::string gate_message;
  const int code = inputs.size() == 1 ? compute_single(cmd, &report)
                                      : compute_multi(cmd, &report, &gate_exit, &gate_message);
  if (code != kExitOk) return code;

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
  if (s.code() == Status::Code::kBrokenPipe) {
    if (!gate_message.empty()) print_error(gate_message);
    return gate_exit;
  }
  if (!s.ok()) {
    print_error(s.message());
    return kExitIoError;
  }
  if (output != "-" && cmd.common.format == "html") {
    write_stderr_line(fmt::format("heapdump: wrote {}\n", terminal_text(output)));
  }
  if (!gate_message.empty()) print_error(gate_message);
  return gate_exit;
}

}  // namespace heapdump
