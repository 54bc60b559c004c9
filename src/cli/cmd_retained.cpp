#include "cli/cmd_retained.hpp"

#include <fmt/format.h>

#include <memory>

#include "cli/graph_common.hpp"
#include "heapdump/render.hpp"
#include "heapdump/retained.hpp"
#include "render/terminal_text.hpp"

namespace heapdump {
namespace {

std::string text_or(const Cell& c, const char* dflt) {
  return is_null(c) ? std::string(dflt) : terminal_text(as_text(c));
}

}  // namespace

CLI::App* setup_retained(CLI::App& app, RetainedCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "retained", "Retained sizes from the dominator tree: what keeps the most memory alive");
  add_dump_file(sub, &cmd->file);
  add_lines_option(sub, &cmd->lines, "Rows per section");
  sub->add_option("--threshold", cmd->threshold,
                  "Leak suspect: an object or class retaining at least this % of the heap")
      ->check(whole_number(1, 100))
      ->capture_default_str();
  sub->add_flag("--include-tracer", cmd->include_tracer,
                "Let Ruby's allocation tracer (named '(allocation tracer)') be a leak suspect "
                "like any object");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_retained(const RetainedCommand& cmd) {
  PhaseTimer timer;
  std::shared_ptr<const LoadedGraph> lg;
  if (!load_graph(cmd.file, cmd.common, &lg)) return kExitIoError;
  timer.lap("read+build");
  RetainedOptions options;
  options.lines = cmd.lines;
  options.threshold = cmd.threshold;
  options.include_tracer = cmd.include_tracer;
  options.every_hop = cmd.common.format != "text";
  options.on_phase = [&timer](const char* what) { timer.lap(what); };
  Report report{"retained",
                {{"file", cmd.file}, {"lines", cmd.lines}, {"threshold", cmd.threshold}},
                retained_tables(lg, options)};
  std::string out;
  if (cmd.common.format == "text") {
    const Table& gt = report.tables[0];
    const uint128 heap = gt.total("bytes");
    out += fmt::format("Retained memory (dominator tree) of {}\n", terminal_text(cmd.file));
    out += "-------------------------------\n\n";
    out += fmt::format("objects {}, references {} ({} of them class links), GC root references {}\n",
                       gt.total("objects"), gt.total("edges"), gt.total("class_edges"),
                       gt.total("root_references"));
    out += fmt::format("heap {} bytes; reachable from roots {} in {} objects; unreachable {} in {} objects\n",
                       heap, with_share(gt.total("reachable_bytes"), heap), gt.total("reachable_objects"),
                       with_share(gt.total("unreachable_bytes"), heap), gt.total("unreachable_objects"));
    if (gt.total("dangling_references") > 0) {
      out += fmt::format("references to objects not in the dump (left out): {}\n",
                         gt.total("dangling_references"));
    }
    if (has_allocation_tracer(*lg)) {
      const uint128 tb = gt.total("allocation_tracer_bytes");
      out += fmt::format("allocation tracing itself holds {} bytes ({:.1f}%){}\n", tb,
                         heap == 0 ? 0.0 : 100.0 * static_cast<double>(tb) / static_cast<double>(heap),
                         cmd.include_tracer ? "" : " (never a leak suspect; --include-tracer counts it)");
    }
    auto section = [&](const std::string& title) {
      out += fmt::format("\n{}\n==============================\n", title);
    };
    const Table& sus = report.tables[5];
    section(fmt::format("Leak suspects (retaining >= {}% of the heap)", cmd.threshold));
    if (sus.rows.empty()) out += "  none\n";
    for (const auto& r : sus.rows) {
      const uint64_t key = as_int(r[0]);
      if (as_text(r[1]) == "object") {
        out += fmt::format("{}. {} {} retains {}\n", key, terminal_text(as_text(r[2])),
                           terminal_text(as_text(r[3])),
                           with_share(as_int(r[5]), heap));
      } else {
        out += fmt::format("{}. class {} ({} objects) retains {}\n", key,
                           terminal_text(as_text(r[2])),
                           as_int(r[4]), with_share(as_int(r[5]), heap));
      }
      if (is_null(r[6])) {
        out += "   accumulation point: none, spread over the roots\n";
        continue;
      }
      out += fmt::format("   accumulation point: {} {} {} at {}, retaining {}\n",
                         terminal_text(as_text(r[8])), terminal_text(as_text(r[7])),
                         terminal_text(as_text(r[6])), text_or(r[9], "-"),
                         with_share(as_int(r[10]), heap));
      out += "   shortest path from a GC root:\n";
      render_path_text(report.tables[6], key, &out);
    }
    section("Top retainers (retained bytes, own bytes)");
    for (const auto& r : report.tables[1].rows) {
      std::string cls = terminal_text(as_text(r[2]));
      if (!is_null(r[3])) cls += " " + terminal_text(as_text(r[3]));
      out += fmt::format("  {:>12} {:>10}  {} {} {}  {}\n", as_int(r[6]), as_int(r[5]),
                         terminal_text(as_text(r[0])), terminal_text(as_text(r[1])), cls,
                         text_or(r[4], "-"));
    }
    auto groups = [&](const Table& tb, const std::string& title, const char* null_text) {
      section(title);
      for (const auto& r : tb.rows) {
        out += fmt::format("  {:>12} {:>10} {:>9}  {}\n", as_int(r[3]), as_int(r[2]), as_int(r[1]),
                           text_or(r[0], null_text));
      }
    };
    out += "\n(columns: retained bytes, own bytes, objects)";
    groups(report.tables[2], "Retained by class", "-");
    groups(report.tables[3], "Retained by location", "(no allocation info)");
    groups(report.tables[4], "Retained by gem", "-");
    const Table& un = report.tables[7];
    section(fmt::format("Unreachable from any GC root: {} objects, {} bytes", un.total("objects"),
                        un.total("bytes")));
    for (const auto& r : un.rows) {
      std::string cls = terminal_text(as_text(r[2]));
      if (!is_null(r[3])) cls += " " + terminal_text(as_text(r[3]));
      out += fmt::format("  {:>10}  {} {} {}  {}\n", as_int(r[5]), terminal_text(as_text(r[0])),
                         terminal_text(as_text(r[1])), cls, text_or(r[4], "-"));
    }
  }
  return emit_report(cmd.common, report, out);
}

}  // namespace heapdump
