#include "heapdump/diff_report.hpp"

#include <fmt/format.h>

#include <memory>

#include "heapdump/diff.hpp"
#include "heapdump/identity_set.hpp"

namespace heapdump {
namespace {

std::string shown_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

/// What a leak gate needs to know of an input.
GateInput gate_input(const InputRead& read, const std::string& path) {
  return {shown_name(path), !read.warning.empty(), read.stats.skipped_lines, read.stats.objects};
}

}  // namespace

Status build_diff_report(const DiffOptions& o, ReadListener& listener, DiffReport* out) {
  const unsigned threads = o.read.threads;
  TypeIds types;
  std::vector<GateInput> inputs;
  std::optional<uint64_t> before_highest;  // BEFORE's highest generation
  auto collect = [&](const std::string& path, IdentitySet* set,
                     std::optional<uint64_t>* highest) {
    PerThread<IdentityCollector> collectors(threads, *set, types);
    ReadPipeline pipeline(o.read);
    pipeline.add(collectors.sinks());
    InputRead read;
    const Status s = pipeline.run(path, listener, &read);
    if (s.ok()) inputs.push_back(gate_input(read, path));
    for (unsigned i = 0; i < threads; ++i) {
      IdentityCollector& c = collectors.at(i);
      c.flush();
      const std::optional<uint64_t> h = c.highest_generation();
      if (highest != nullptr && h && (!*highest || *h > **highest)) *highest = h;
    }
    set->seal(threads);
    if (s.ok() && set->repeated_addresses() > 0 && o.on_note) {
      const size_t n = set->repeated_addresses();
      o.on_note(fmt::format("{}: {} {} an address already seen (not a sound dump); diff keeps "
                            "each as an object of its own, so an AFTER object that matches any "
                            "of them is not new",
                            shown_name(path), n, n == 1 ? "record repeats" : "records repeat"));
    }
    return s;
  };
  IdentitySet before;
  Status s = collect(o.before, &before, &before_highest);
  if (!s.ok()) return s;
  std::unique_ptr<IdentitySet> retained;
  if (!o.retained.empty()) {
    retained = std::make_unique<IdentitySet>();
    s = collect(o.retained, retained.get(), nullptr);
    if (!s.ok()) return s;
  }

  // Reported lines go out in file order: AFTER is then parsed on one thread.
  ReadOptions after_options = o.read;
  if (o.on_reported) after_options.threads = 1;
  PerThread<DiffAggregator> diffs(after_options.threads, types, before, retained.get(),
                                  o.on_reported);
  ReadPipeline pipeline(after_options);
  pipeline.add(diffs.sinks());
  InputRead after_read;
  s = pipeline.run(o.after, listener, &after_read);
  if (!s.ok()) return s;
  inputs.push_back(gate_input(after_read, o.after));
  const DiffAggregator& diff = diffs.merged();
  const bool gated = o.fail_objects || o.fail_bytes;
  if (gated && diff.new_tracer_objects() > 0 && !o.include_tracer) {
    // Tracing started between the dumps: its table is the tool's memory, not
    // a leak. The report lists it (heapy's diff does), the limits leave it out.
    out->notes.push_back(fmt::format(
        "note: allocation tracing itself holds {} bytes, new in {} (Ruby's allocation tracer: a "
        "DATA object); the --fail-if-new-* limits leave it out, --include-tracer counts it",
        decimal(diff.new_tracer_bytes()), shown_name(o.after)));
  }
  // Swapped arguments: AFTER's objects all look new, or none does.
  const std::optional<uint64_t> after_highest = diff.highest_generation();
  if (before_highest && after_highest && *after_highest < *before_highest) {
    out->order_note = fmt::format(
        "AFTER looks older than BEFORE: the highest generation of {} is {}, of {} {}; were the "
        "two swapped? (diff BEFORE AFTER)",
        shown_name(o.after), *after_highest, shown_name(o.before), *before_highest);
  }

  auto path_or_null = [](const std::string& p) { return p.empty() ? Cell{} : Cell{p}; };
  out->groups = diff.group_count();
  out->report.parameters = {{"before", o.before},
                            {"after", o.after},
                            {"retained", path_or_null(o.retained)},
                            {"output_diff", path_or_null(o.output_diff.value_or(""))},
                            {"lines", o.lines ? Cell{*o.lines} : Cell{}},
                            {"sort", o.sort},
                            {"include_tracer", uint64_t{o.include_tracer ? 1u : 0u}}};
  out->report.tables.push_back(
      diff.to_table(o.sort_by_bytes ? DiffAggregator::Sort::kBytes : DiffAggregator::Sort::kCount,
                    o.lines.value_or(UINT64_MAX)));
  if (gated) {
    // Every group counts for the gate, whatever --lines shows; the tracer
    // only with --include-tracer.
    GateLimits limits;
    limits.max_new_objects = o.fail_objects;
    limits.max_new_bytes = o.fail_bytes;
    limits.scope = o.scope;
    out->report.tables.push_back(judge_leak_gate(
        diff.to_table(DiffAggregator::Sort::kCount, UINT64_MAX, !o.include_tracer), limits, inputs,
        o.allow_skipped_lines, &out->gate));
  }
  return s;
}

}  // namespace heapdump
