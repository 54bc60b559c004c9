#include "cli/cmd_diff.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "cli/progress.hpp"
#include "heapdump/diff.hpp"
#include "heapdump/gate.hpp"
#include "heapdump/identity_set.hpp"
#include "heapdump/output.hpp"
#include "heapdump/render.hpp"
#include "render/terminal_text.hpp"

namespace heapdump {
namespace {

/// True if a and b name the same file (same path, or same device and inode).
bool same_file(const std::string& a, const std::string& b) {
  if (a == b) return true;
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

CLI::App* setup_diff(CLI::App& app, DiffCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "diff", "Objects allocated between BEFORE and AFTER (and still alive in RETAINED)");
  sub->add_option("BEFORE", cmd->before, "Earlier dump")->required();
  sub->add_option("AFTER", cmd->after, "Later dump of the same process")->required();
  sub->add_option("RETAINED", cmd->retained,
                  "Optional third dump: report only objects still alive in it");
  sub->add_option("--output-diff,--output_diff", cmd->output_diff,
                  "Write the reported AFTER lines, verbatim, to this file (- for standard "
                  "output); the file is replaced only when the diff completes, and must not be "
                  "one of the dumps")
      ->option_text("FILE");
  sub->add_option("--fail-if-new-objects", cmd->fail_objects,
                  "Exit with status 4 if more than N new objects are found (see --by)")
      ->check(whole_number());
  sub->add_option("--fail-if-new-bytes", cmd->fail_bytes,
                  "Exit with status 4 if new objects take more than N bytes (see --by)")
      ->check(whole_number());
  sub->add_option("--allow-skipped-lines", cmd->allow_skipped_lines,
                  "With a --fail-if-new-* limit: accept up to N skipped lines per input; more, "
                  "an input that ended early or one with no objects exits with status 5")
      ->check(whole_number())
      ->capture_default_str();
  cmd->by_option =
      sub->add_option("--by", cmd->by,
                      "What the --fail-if-new-* limits apply to: all new objects together "
                      "(total), each type (type) or each allocation site (location); only with "
                      "a limit")
          ->check(CLI::IsMember({"total", "type", "location"}))
          ->capture_default_str();
  sub->add_option("--lines", cmd->lines,
                  "Rows to show, the first by --sort (default: all); the totals and the "
                  "--fail-if-new-* limits count every row")
      ->check(whole_number(1, UINT64_MAX));
  sub->add_option("--sort", cmd->sort,
                  "Rank the rows by object count (count, heapy's order) or by bytes (bytes)")
      ->check(CLI::IsMember({"count", "bytes"}))
      ->capture_default_str();
  sub->add_flag("--include-tracer", cmd->include_tracer,
                "Let the --fail-if-new-* limits count Ruby's allocation tracer (the DATA object "
                "of trace_object_allocations_start) when it is new; by default they leave it "
                "out, and a note gives its size");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_diff(const DiffCommand& cmd) {
  const bool gated = cmd.fail_objects || cmd.fail_bytes;
  if (!gated && cmd.by_option != nullptr && cmd.by_option->count() > 0) {
    print_error("--by says what a --fail-if-new-objects or --fail-if-new-bytes limit applies "
                "to; give one (the report is always by type and allocation site; see "
                "'heapdump diff --help')");
    return kExitUsage;
  }
  std::vector<std::string> inputs = {cmd.before, cmd.after};
  if (!cmd.retained.empty()) inputs.push_back(cmd.retained);
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t j = i + 1; j < inputs.size(); ++j) {
      if (same_file(inputs[i], inputs[j])) {
        print_error(fmt::format("'{}' and '{}' are the same file; diff needs different dumps "
                                "(see 'heapdump diff --help')",
                                inputs[i], inputs[j]));
        return kExitUsage;
      }
    }
  }

  // The output goes to a temporary file that replaces the target only when
  // the diff is complete; it must not be one of the dumps being read.
  std::unique_ptr<OutputFile> output;
  if (cmd.output_diff) {
    Status s = check_output_path(*cmd.output_diff, inputs);
    if (!s.ok()) {
      print_error(fmt::format("--output-diff: {} (see 'heapdump diff --help')", s.message()));
      return kExitUsage;
    }
    s = OutputFile::open(*cmd.output_diff, &output);
    if (!s.ok()) {
      print_error(s.message());
      return kExitIoError;
    }
  }

  StderrReporter reporter(cmd.common);
  const unsigned threads = cmd.common.thread_count();
  TypeIds types;
  // What a leak gate needs to know of each input (issue 22 §1).
  struct InputCheck {
    std::string name;
    ReadStats stats;
    std::string warning;
  };
  std::vector<InputCheck> checks;
  std::optional<uint64_t> before_highest;  // BEFORE's highest generation
  auto collect = [&](const std::string& path, IdentitySet* set,
                     std::optional<uint64_t>* highest = nullptr) {
    std::vector<std::unique_ptr<IdentityCollector>> collectors;
    for (unsigned i = 0; i < threads; ++i) {
      collectors.push_back(std::make_unique<IdentityCollector>(*set, types));
    }
    InputCheck& check = checks.emplace_back();
    check.name = path == "-" ? "<stdin>" : path;
    bool ok = read_file_parallel(
        path, [&](unsigned i) -> RecordSink& { return *collectors[i]; },
        cmd.common.read_options(threads), reporter, &check.stats, &check.warning);
    for (auto& c : collectors) {
      c->flush();
      const std::optional<uint64_t> h = c->highest_generation();
      if (highest != nullptr && h && (!*highest || *h > **highest)) *highest = h;
    }
    set->seal(threads);
    if (ok && set->repeated_addresses() > 0) {
      const size_t n = set->repeated_addresses();
      print_error(fmt::format("{}: {} {} an address already seen (not a sound dump); diff "
                              "keeps each as an object of its own, so an AFTER object that "
                              "matches any of them is not new",
                              path == "-" ? "<stdin>" : path, n,
                              n == 1 ? "record repeats" : "records repeat"));
    }
    return ok;
  };
  IdentitySet before;
  if (!collect(cmd.before, &before, &before_highest)) return kExitIoError;
  std::unique_ptr<IdentitySet> retained;
  if (!cmd.retained.empty()) {
    retained = std::make_unique<IdentitySet>();
    if (!collect(cmd.retained, retained.get())) return kExitIoError;
  }

  std::function<void(std::string_view)> write_line;
  if (output) {
    write_line = [&output](std::string_view line) {
      output->write(line);
      output->write("\n");
    };
  }
  // --output-diff writes lines in file order, so AFTER is then parsed on one thread.
  const unsigned after_threads = output ? 1 : threads;
  std::vector<std::unique_ptr<DiffAggregator>> diffs;
  for (unsigned i = 0; i < after_threads; ++i) {
    diffs.push_back(std::make_unique<DiffAggregator>(types, before, retained.get(), write_line));
  }
  InputCheck& after_check = checks.emplace_back();
  after_check.name = cmd.after == "-" ? "<stdin>" : cmd.after;
  if (!read_file_parallel(
          cmd.after, [&](unsigned i) -> RecordSink& { return *diffs[i]; },
          cmd.common.read_options(after_threads), reporter, &after_check.stats,
          &after_check.warning)) {
    return kExitIoError;
  }
  DiffAggregator& diff = *diffs[0];
  for (size_t i = 1; i < diffs.size(); ++i) diff.merge(*diffs[i]);
  const std::optional<uint64_t> after_highest = diff.highest_generation();
  if (gated && diff.new_tracer_objects() > 0 && !cmd.include_tracer) {
    // Tracing started between the dumps: its table is the tool's memory, not
    // a leak. The report lists it (heapy's diff does), the limits leave it out.
    print_error(fmt::format("note: allocation tracing itself holds {} bytes, new in {} (Ruby's "
                            "allocation tracer: a DATA object); the --fail-if-new-* limits leave "
                            "it out, --include-tracer counts it",
                            decimal(diff.new_tracer_bytes()), after_check.name));
  }

  if (output) {
    Status s = output->commit();
    if (s.code() == Status::Code::kBrokenPipe) return kExitOk;  // `--output-diff - | head`
    if (!s.ok()) {
      print_error(s.message());
      return kExitIoError;
    }
    write_stderr_line(fmt::format("Writing heap dump diff to {}\n", terminal_text(*cmd.output_diff)));
  }
  // Swapped arguments: AFTER's objects all look new, or none does.
  if (before_highest && after_highest && *after_highest < *before_highest) {
    print_error(fmt::format("AFTER looks older than BEFORE: the highest generation of {} is {}, "
                            "of {} {}; were the two swapped? (diff BEFORE AFTER)",
                            after_check.name, *after_highest, checks[0].name, *before_highest));
  }

  // The gate is judged before the report is written, so that JSON and CSV
  // carry its verdict (table "gate") and CI need not read stderr.
  std::string not_judged;  // "FILE: why", when a gate cannot be judged
  if (gated) {
    // A gate judged on a dump that was not read whole would pass a failed
    // copy: say why it cannot be judged instead (README "Leak gates").
    for (const InputCheck& c : checks) {
      const std::string why = unjudged_reason(!c.warning.empty(), c.stats.skipped_lines,
                                              c.stats.objects, cmd.allow_skipped_lines);
      if (!why.empty()) {
        not_judged = c.name + ": " + why;
        break;
      }
    }
  }
  GateLimits limits;
  limits.max_new_objects = cmd.fail_objects;
  limits.max_new_bytes = cmd.fail_bytes;
  limits.scope = gate_scope(cmd.by);

  // Every group counts for the gate, whatever --lines shows.
  const Table all_rows = diff.to_table();
  const std::vector<GateVerdict> verdicts = judge_gates(
      diff.to_table(DiffAggregator::Sort::kCount, UINT64_MAX, !cmd.include_tracer), limits);
  auto path_or_null = [](const std::string& p) { return p.empty() ? Cell{} : Cell{p}; };
  Report report{"diff",
                {{"before", cmd.before},
                 {"after", cmd.after},
                 {"retained", path_or_null(cmd.retained)},
                 {"output_diff", path_or_null(cmd.output_diff.value_or(""))},
                 {"lines", cmd.lines ? Cell{*cmd.lines} : Cell{}},
                 {"sort", cmd.sort},
                 {"include_tracer", uint64_t{cmd.include_tracer ? 1u : 0u}}},
                {diff.to_table(cmd.sort == "bytes" ? DiffAggregator::Sort::kBytes
                                                   : DiffAggregator::Sort::kCount,
                               cmd.lines.value_or(UINT64_MAX))}};
  if (gated) report.tables.push_back(gate_table(verdicts, limits, not_judged));
  std::string out;
  if (cmd.common.format == "text") render_diff_text(report.tables[0], retained != nullptr, &out);
  const int code = emit_report(cmd.common, report, out);
  if (code != kExitOk) return code;
  if (cmd.common.format == "text" && !cmd.common.quiet) {
    // The total, after the report: on stderr, so that stdout keeps heapy's
    // layout line for line (../README "diff").
    const Table& t = report.tables[0];
    const uint128 objects = t.total("objects");
    if (objects == 0) {
      write_stderr_line("no new objects\n");
    } else {
      const size_t groups = all_rows.rows.size();
      std::string shown;
      if (t.rows.size() < groups) shown = fmt::format(" ({} of {} rows shown)", t.rows.size(), groups);
      write_stderr_line(fmt::format("{} {}, {} bytes new{}{}\n", decimal(objects),
                                    objects == 1 ? "object" : "objects", decimal(t.total("bytes")),
                                    retained ? " and retained" : "", shown));
    }
  }

  if (!not_judged.empty()) {
    print_error(fmt::format("leak gate not judged: {}; exit status 5", not_judged));
    return kExitGateUnjudged;
  }
  const std::string breach = tripped_message(verdicts);
  if (!breach.empty()) {
    print_error("leak gate tripped: " + breach);
    return kExitGate;
  }
  return kExitOk;
}

}  // namespace heapdump
