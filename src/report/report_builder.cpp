#include "heapdump/report_builder.hpp"

#include <fmt/format.h>

#include <future>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "heapdump/allocation_sites.hpp"
#include "heapdump/diff.hpp"
#include "heapdump/gate.hpp"
#include "heapdump/graph.hpp"
#include "heapdump/identity_set.hpp"
#include "heapdump/new_retained.hpp"
#include "heapdump/retained.hpp"
#include "report/group_work.hpp"

namespace heapdump {
namespace {

constexpr Column::Kind kText = Column::Kind::kText;
constexpr Column::Kind kCount = Column::Kind::kCount;

/// The keys the allocation and growth tables group by.
const std::vector<GroupKey> kAllocationKeys = {GroupKey::kClass, GroupKey::kLocation,
                                               GroupKey::kGem};

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

/// Reads `path` through `pipeline` into `info` (role, file, stats, warning).
Status read_into(ReadPipeline& pipeline, const std::string& role, const std::string& path,
                 ReadListener& listener, InputInfo* info) {
  InputRead read;
  *info = InputInfo{role, path, {}, {}};
  const Status s = pipeline.run(path, listener, &read);
  info->stats = read.stats;
  info->warning = read.warning;
  return s;
}

void phase(const ReportOptions& o, const char* what) {
  if (o.on_phase) o.on_phase(what);
}

/// `report FILE`: the object graph, its dominator tree, and what was
/// allocated where, from one read.
Status build_single(const ReportOptions& o, ReadListener& listener, BuiltReport* out) {
  const std::string& file = o.files[0];
  ReadOptions read = o.read;
  read.decode_references = true;
  // One read feeds the graph and the generation and allocation tables.
  GraphLoader loader(read.threads);
  // (GroupWork: the generations and class names; AllocationSites: the
  // allocation tables, per generation too.)
  PerThread<GroupWork> work(read.threads, std::vector<GroupKey>{}, false, true);
  auto sites = std::make_unique<PerThread<AllocationSites>>(read.threads, o.lines, make_string_sightings());
  ReadPipeline pipeline(read);
  pipeline.add(loader.sinks());
  pipeline.add(work.sinks());
  pipeline.add(sites->sinks());
  InputInfo info;
  Status s = read_into(pipeline, "dump", file, listener, &info);
  if (!s.ok()) return s;
  phase(o, "parse");
  GroupWork& alloc = work.merged();
  // The allocation tables are made on a second thread while the graph is
  // built, and their aggregators freed there: done in about half the time the
  // build takes, so their memory (the strings' values above all) is mostly
  // gone before the build's peak. The threads' aggregators are merged first
  // (merging holds two of them). std::async: the future waits for its thread
  // if building the graph throws, and get() passes on what the thread threw.
  AllocationSites& merged_sites = sites->merged();
  phase(o, "sites merge");
  std::future<std::vector<Table>> site_tables_made = std::async(std::launch::async, [&] {
    std::vector<Table> made = merged_sites.tables(alloc.names, o.lines);
    sites.reset();
    return made;
  });
  const std::shared_ptr<const LoadedGraph> graph = loader.finish(file, &out->notes);
  std::vector<Table> site_tables = site_tables_made.get();
  phase(o, "sites tables and build");

  RetainedOptions retained;
  retained.lines = o.lines;
  retained.threshold = o.threshold;
  retained.tree_view = true;
  retained.why_alive = true;
  retained.include_tracer = o.include_tracer;
  retained.on_phase = o.on_phase;
  std::vector<Table> tables = retained_tables(graph, retained);
  tables[0].totals.push_back({"allocation_tracing", has_allocation_tracer(*graph) ? 1 : 0});

  Report& report = out->report;
  report.parameters = {{"file", file},
                       {"lines", o.lines},
                       {"threshold", o.threshold},
                       {"include_tracer", uint64_t{o.include_tracer ? 1u : 0u}}};
  report.tables.push_back(dumps_table({info}));
  for (Table& t : tables) report.tables.push_back(std::move(t));
  report.tables.push_back(alloc.generations->to_table());
  for (Table& t : site_tables) report.tables.push_back(std::move(t));
  return Status::ok_status();
}

/// `report BEFORE AFTER [RETAINED]`: what is new (diff), what grew from
/// the first dump to the last (compare), and the leak gate's verdict.
Status build_multi(const ReportOptions& o, ReadListener& listener, BuiltReport* out) {
  const std::string& before_file = o.files[0];
  const std::string& after_file = o.files[1];
  const std::string retained_file = o.files.size() > 2 ? o.files[2] : std::string();
  const unsigned threads = o.read.threads;
  TypeIds types;
  std::vector<InputInfo> inputs;

  // BEFORE (and RETAINED): identities, and groups for the growth tables.
  IdentitySet before;
  PerThread<GroupWork> first(threads, kAllocationKeys, !o.include_tracer, true);
  PerThread<GroupWork> last(threads, kAllocationKeys, !o.include_tracer, true);
  // The last dump's graph, loaded in the read that feeds the diff (AFTER)
  // or the identities of RETAINED: what the new objects retain.
  GraphLoader last_graph(threads);
  auto collect = [&](const std::string& path, const std::string& role, IdentitySet* set,
                     PerThread<GroupWork>* groups, GraphLoader* graph) {
    PerThread<IdentityCollector> collectors(threads, *set, types);
    ReadOptions read = o.read;
    read.decode_references = graph != nullptr;
    ReadPipeline pipeline(read);
    pipeline.add(collectors.sinks());
    pipeline.add(groups->sinks());
    if (graph != nullptr) pipeline.add(graph->sinks());
    const Status s = read_into(pipeline, role, path, listener, &inputs.emplace_back());
    for (unsigned i = 0; i < threads; ++i) collectors.at(i).flush();
    set->seal(threads);
    return s;
  };
  Status s = collect(before_file, "before", &before, &first, nullptr);
  if (!s.ok()) return s;
  std::unique_ptr<IdentitySet> retained;
  if (!retained_file.empty()) {
    retained = std::make_unique<IdentitySet>();
    s = collect(retained_file, "retained", retained.get(), &last, &last_graph);
    if (!s.ok()) return s;
  }
  // AFTER: streamed through the diff (and, with two dumps, the groups).
  PerThread<DiffAggregator> diffs(threads, types, before, retained.get());
  for (unsigned i = 0; i < threads; ++i) diffs.at(i).keep_new_addresses();
  {
    ReadOptions read = o.read;
    read.decode_references = !retained;
    ReadPipeline pipeline(read);
    pipeline.add(diffs.sinks());
    if (!retained) {
      pipeline.add(last.sinks());
      pipeline.add(last_graph.sinks());
    }
    s = read_into(pipeline, "after", after_file, listener, &inputs.emplace_back());
    if (!s.ok()) return s;
  }
  // Header order: the dumps as given.
  if (retained) std::swap(inputs[1], inputs[2]);
  DiffAggregator& diff = diffs.merged();
  const GroupWork& a = first.merged();
  const GroupWork& b = last.merged();

  Report& report = out->report;
  report.parameters = {{"before", before_file},
                       {"after", after_file},
                       {"retained", retained_file.empty() ? Cell{} : Cell{retained_file}},
                       {"lines", o.lines},
                       {"include_tracer", uint64_t{o.include_tracer ? 1u : 0u}}};
  report.tables.push_back(dumps_table(inputs));
  Table shown = diff.to_table(DiffAggregator::Sort::kCount, o.lines);
  shown.totals.push_back({"groups", diff.group_count()});
  report.tables.push_back(std::move(shown));
  for (Table& t : compare_tables(kAllocationKeys, a, b, o.lines)) {
    report.tables.push_back(std::move(t));
  }
  report.tables.push_back(b.generations->to_table());
  {
    const std::shared_ptr<const LoadedGraph> graph =
        last_graph.finish(retained ? retained_file : after_file, &out->notes);
    for (Table& t : new_retained_tables(graph, std::move(diff.new_addresses()), o.lines,
                                        o.include_tracer)) {
      report.tables.push_back(std::move(t));
    }
  }

  // The leak gate, judged as `diff` judges it (README "Leak gates"), with
  // diff's table "gate".
  if (!o.fail_objects && !o.fail_bytes) return Status::ok_status();
  if (diff.new_tracer_objects() > 0 && !o.include_tracer) {
    out->notes.push_back(fmt::format(
        "note: allocation tracing itself holds {} bytes, new in {} (Ruby's allocation tracer: a "
        "DATA object); the --fail-if-new-* limits leave it out, --include-tracer counts it",
        decimal(diff.new_tracer_bytes()),
        after_file == "-" ? std::string("<stdin>") : after_file));
  }
  std::vector<GateInput> gate_inputs;
  for (const InputInfo& in : inputs) {
    gate_inputs.push_back({in.file == "-" ? std::string("<stdin>") : in.file, !in.warning.empty(),
                           in.stats.skipped_lines, in.stats.objects});
  }
  GateLimits limits;
  limits.max_new_objects = o.fail_objects;
  limits.max_new_bytes = o.fail_bytes;
  limits.scope = gate_scope(o.by);
  report.parameters.push_back(
      {"fail_if_new_objects", o.fail_objects ? Cell{*o.fail_objects} : Cell{}});
  report.parameters.push_back({"fail_if_new_bytes", o.fail_bytes ? Cell{*o.fail_bytes} : Cell{}});
  report.parameters.push_back({"by", o.by});
  // A gate judges every group, the allocation tracer left out unless
  // --include-tracer (as diff).
  report.tables.push_back(judge_leak_gate(
      diff.to_table(DiffAggregator::Sort::kCount, UINT64_MAX, !o.include_tracer), limits,
      gate_inputs, o.allow_skipped_lines, &out->gate));
  return Status::ok_status();
}

}  // namespace

Status build_report(const ReportOptions& options, ReadListener& listener, BuiltReport* out) {
  if (options.files.empty() || options.files.size() > 3) {
    return Status::invalid_argument("report reads one dump, or two or three");
  }
  return options.files.size() == 1 ? build_single(options, listener, out)
                                   : build_multi(options, listener, out);
}

}  // namespace heapdump
