// `heapdump path FILE (ADDRESS | --class NAME | --location FILE:LINE)`
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "heapdump/address.hpp"
#include "heapdump/names.hpp"
#include "heapdump/path.hpp"
#include "heapdump/render.hpp"

namespace heapdump {
namespace {

struct PathCommand {
  std::string file;
  std::string address;  ///< TARGET, "" when not given
  PathTarget target;    ///< --class, --location
  PathOptions options;  ///< --paths, --lines
  CommonOptions common;
};

int run_path(PathCommand& cmd) {
  PathTarget& target = cmd.target;
  const int given = !cmd.address.empty() + !target.class_name.empty() + !target.location.empty();
  if (given != 1) {
    print_error("give exactly one TARGET: an address, --class NAME or --location FILE:LINE "
                "(see 'heapdump path --help')");
    return kExitUsage;
  }
  target.by_address = !cmd.address.empty();
  if (target.by_address && !parse_address(cmd.address, &target.address)) {
    print_error(fmt::format("TARGET must be an address like 0x7f3a1c2b4d50, not '{}' "
                            "(see 'heapdump path --help')",
                            cmd.address));
    return kExitUsage;
  }

  std::shared_ptr<const LoadedGraph> lg;
  if (!load_graph(cmd.file, cmd.common, &lg)) return kExitIoError;
  cmd.options.every_hop = cmd.common.format != "text";
  const auto text_or_null = [](const std::string& s) { return s.empty() ? Cell{} : Cell{s}; };
  Report report{"path",
                {{"file", cmd.file},
                 {"target", target.by_address ? Cell{format_address(target.address)} : Cell{}},
                 {"class", text_or_null(target.class_name)},
                 {"location", text_or_null(target.location)},
                 {"paths", cmd.options.paths},
                 {"lines", cmd.options.lines}},
                {}};
  const Status status = path_tables(lg, target, cmd.options, &report.tables);
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

}  // namespace

Command add_path(CLI::App& app) {
  auto cmd = std::make_shared<PathCommand>();
  CLI::App* sub = app.add_subcommand(
      "path", "Why is it still alive: shortest paths from GC roots to an object or a group");
  add_dump_file(sub, &cmd->file);
  sub->add_option("TARGET", cmd->address, "Address of the object, e.g. 0x7f3a1c2b4d50");
  sub->add_option("--class", cmd->target.class_name,
                  "Every object of this class (e.g. Hash, Foo::Bar)");
  sub->add_option("--location", cmd->target.location,
                  "Every object allocated at FILE:LINE, or anywhere in FILE; FILE may be the "
                  "end of a path (leak.rb:79)");
  sub->add_option("--paths", cmd->options.paths, "Representative paths shown for a group")
      ->check(whole_number(1, UINT64_MAX))
      ->capture_default_str();
  add_lines_option(sub, &cmd->options.lines, "Rows of the merged view");
  add_common_options(sub, &cmd->common);
  return {sub, [cmd] { return run_path(*cmd); }};
}

}  // namespace heapdump
