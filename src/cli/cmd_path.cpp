#include "cli/cmd_path.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "heapdump/path.hpp"
#include "heapdump/render.hpp"
#include "heapdump/names.hpp"
#include "parse/address.hpp"

namespace heapdump {

CLI::App* setup_path(CLI::App& app, PathCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "path", "Why is it still alive: shortest paths from GC roots to an object or a group");
  add_dump_file(sub, &cmd->file);
  sub->add_option("TARGET", cmd->address, "Address of the object, e.g. 0x7f3a1c2b4d50");
  sub->add_option("--class", cmd->class_name, "Every object of this class (e.g. Hash, Foo::Bar)");
  sub->add_option("--location", cmd->location,
                  "Every object allocated at FILE:LINE, or anywhere in FILE; FILE may be the "
                  "end of a path (leak.rb:79)");
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
    if (status.code() == Status::Code::kInvalidArgument) return kExitUsage;  // an ambiguous --location
    return status.code() == Status::Code::kNotFound ? kExitNoObjects : kExitIoError;
  }
  const std::string what = describe(target);

  std::string out;
  if (cmd.common.format == "text") render_path_text(what, cmd.file, report.tables, &out);
  const int code = emit_report(cmd.common, report, out);
  const Table& paths = report.tables[0];  // "paths"
  if (code == kExitOk && paths.total("reachable_targets") == 0) {
    print_error(fmt::format("{}: no GC root reaches {} ({} objects): they are garbage not yet "
                            "collected, or the dump is partial",
                            cmd.file, what, paths.total("targets")));
    return kExitNoObjects;
  }
  return code;
}

}  // namespace heapdump
