#include "cli/cmd_path.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/graph_common.hpp"
#include "heapdump/path.hpp"
#include "heapdump/names.hpp"
#include "parse/address.hpp"
#include "render/terminal_text.hpp"

namespace heapdump {
CLI::App* setup_path(CLI::App& app, PathCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "path", "Why is it still alive: shortest paths from GC roots to an object or a group");
  add_dump_file(sub, &cmd->file);
  sub->add_option("TARGET", cmd->address, "Address of the object, e.g. 0x7f3a1c2b4d50");
  sub->add_option("--class", cmd->class_name, "Every object of this class (e.g. Hash, Foo::Bar)");
  sub->add_option("--location", cmd->location,
                  "Every object allocated at FILE:LINE (as `read` shows it)");
  sub->add_option("--paths", cmd->paths, "Representative paths shown for a group")
      ->check(whole_number(1, UINT64_MAX))
      ->capture_default_str();
  add_lines_option(sub, &cmd->lines, "Rows of the merged view");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_path(const PathCommand& cmd) {
  const int given = !cmd.address.empty() + !cmd.class_name.empty() + !cmd.location.empty();
  if (given != 1) {
    print_error("give exactly one TARGET: an address, --class NAME or --location FILE:LINE "
                "(see 'heapdump path --help')");
    return kExitUsage;
  }
  uint64_t address = 0;
  if (!cmd.address.empty() && !parse_address(cmd.address, &address)) {
    print_error(fmt::format("TARGET must be an address like 0x7f3a1c2b4d50, not '{}' "
                            "(see 'heapdump path --help')",
                            cmd.address));
    return kExitUsage;
  }

  std::shared_ptr<const LoadedGraph> lg;
  if (!load_graph(cmd.file, cmd.common, &lg)) return kExitIoError;
  PathTarget target;
  target.by_address = !cmd.address.empty();
  target.address = address;
  target.class_name = cmd.class_name;
  target.location = cmd.location;
  PathOptions options;
  options.paths = cmd.paths;
  options.lines = cmd.lines;
  options.every_hop = cmd.common.format != "text";
  Report report{"path",
                {{"file", cmd.file},
                 {"target", cmd.address.empty() ? Cell{} : Cell{format_address(address)}},
                 {"class", cmd.class_name.empty() ? Cell{} : Cell{cmd.class_name}},
                 {"location", cmd.location.empty() ? Cell{} : Cell{cmd.location}},
                 {"paths", cmd.paths},
                 {"lines", cmd.lines}},
                {}};
  const Status status = path_tables(lg, target, options, &report.tables);
  if (!status.ok()) {
    print_error(fmt::format("{}: {}", cmd.file, status.message()));
    return status.code() == Status::Code::kNotFound ? kExitNoObjects : kExitIoError;
  }
  const std::string what = describe(target);
  const uint128 reachable_targets = report.tables[0].total("reachable_targets");
  const uint128 target_count = report.tables[0].total("targets");

  std::string out;
  if (cmd.common.format == "text") {
    const Table& pt = report.tables[0];
    out += fmt::format("Paths from GC roots to {} in {}\n", terminal_text(what),
                       terminal_text(cmd.file));
    out += "-------------------------------\n\n";
    out += fmt::format("targets: {} objects, {} bytes; reachable from a root: {}; unreachable: {}\n",
                       pt.total("targets"), pt.total("target_bytes"), pt.total("reachable_targets"),
                       pt.total("unreachable_targets"));
    for (uint64_t i = 1; i <= pt.total("paths"); ++i) {
      // The hop number of a path's last row (its target) is its length.
      uint128 hops = 0;
      for (const auto& r : pt.rows) {
        if (as_int(r[0]) == i) hops = as_int(r[1]);
      }
      out += fmt::format("\nPath {} of {} ({} hops)\n==============================\n", i,
                         pt.total("paths"), hops);
      render_path_text(pt, i, &out);
    }
    const Table& at = report.tables[1];
    if (!at.rows.empty()) {
      const auto& r = at.rows[0];
      std::string cls = terminal_text(as_text(r[2]));
      if (!is_null(r[3])) cls += " " + terminal_text(as_text(r[3]));
      out += fmt::format(
          "\nAccumulation point\n==============================\n"
          "  {} {} {} at {} (depth {}): on the paths of {} of {} reachable targets ({} bytes)\n",
          terminal_text(as_text(r[0])), terminal_text(as_text(r[1])), cls,
          is_null(r[4]) ? "-" : terminal_text(as_text(r[4])), as_int(r[6]),
          as_int(r[7]), pt.total("reachable_targets"), as_int(r[8]));
    }
    const Table& mt = report.tables[2];
    if (!mt.rows.empty()) {
      out += "\nMerged shortest paths (by class)\n==============================\n";
      out += "  targets    bytes  objects  class\n";
      for (const auto& r : mt.rows) {
        out += fmt::format("  {:>7} {:>8} {:>8}  {:{}}{}{}\n", as_int(r[4]), as_int(r[5]),
                           as_int(r[2]), "", 2 * as_int(r[0]), terminal_text(as_text(r[1])),
                           is_null(r[3]) ? std::string() : " " + terminal_text(as_text(r[3])));
      }
    }
  }
  const int code = emit_report(cmd.common, report, out);
  if (code == kExitOk && reachable_targets == 0) {
    print_error(fmt::format("{}: no GC root reaches {} ({} objects): they are garbage not yet "
                            "collected, or the dump is partial",
                            cmd.file, what, target_count));
    return kExitNoObjects;
  }
  return code;
}

}  // namespace heapdump
