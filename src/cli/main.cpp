// heapdump: fast, heapy-compatible analysis of Ruby heap dumps.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/help_format.hpp"
#include "heapdump/guard.hpp"
#include "heapdump/input.hpp"
#include "heapdump/stderr.hpp"

namespace {

/// True if `token` (such as --lines or --lines=3 or -q) names an option of
/// `app` or of its parents.
bool known_option(const CLI::App& app, const std::string& token) {
  const std::string name = token.substr(0, token.find('='));
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      if (opt->check_name(name)) return true;
    }
  }
  return false;
}

/// Parses the command line and runs the command; main() guards it all.
int run(int argc, char** argv) {
  CLI::App app{"heapdump: fast, heapy-compatible analysis of Ruby heap dumps"};
  app.name("heapdump");  // usage lines say heapdump, not the path it was run by
  app.formatter(std::make_shared<heapdump::HelpFormatter>(heapdump::help_width()));
  app.set_version_flag("-V,--version", std::string(HEAPDUMP_VERSION) + "\n" +
                                            heapdump::decompressor_versions());
  app.require_subcommand(1, 1);
  const std::vector<heapdump::Command> commands = {
      heapdump::add_read(app),
      heapdump::add_diff(app),
      heapdump::add_compare(app),
      heapdump::add_path(app),
      heapdump::add_retained(app),
      heapdump::add_report(app),
      heapdump::add_record(app),
  };
  // CLI11 heads the list with each subcommand's group ("Subcommands" by
  // default; a formatter label does not reach it).
  for (const heapdump::Command& c : commands) c.app->group("Commands");

  // `heapdump help [COMMAND]` is `heapdump [COMMAND] --help`.
  std::vector<const char*> args(argv, argv + argc);
  if (argc > 1 && std::string(argv[1]) == "help") {
    if (argc > 3) {
      heapdump::print_error("help takes at most one COMMAND (see 'heapdump --help')");
      return heapdump::kExitUsage;
    }
    args.erase(args.begin() + 1);
    args.push_back("--help");
    argc = static_cast<int>(args.size());
  }
  if (argc > 1 && args[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const heapdump::Command& c : commands) {
      known = known || c.app->get_name() == args[1];
      names += (names.empty() ? "" : ", ") + c.app->get_name();
    }
    if (!known) {
      heapdump::print_error(fmt::format(
          "unknown command '{}'; the commands are {} (see 'heapdump --help')", args[1], names));
      return heapdump::kExitUsage;
    }
  }
  // CLI11 takes "" as "not given" (`read a.json ""` would print the
  // summary, `diff a b ""` run a two-way diff): no argument of heapdump's
  // may be empty. A command whose positionals come last (record: the
  // program and its arguments) is checked up to its first positional; what
  // follows belongs to the program, where "" is a valid argument.
  std::string empty;
  if (argc > 1 && args[1][0] != '-') {
    int own = argc;
    const CLI::App* sub = app.get_subcommand(args[1]);
    if (sub->get_positionals_at_end()) {
      for (int i = 2; i < argc; ++i) {
        const std::string arg = args[i];
        if (arg == "--") {
          own = i;
          break;
        }
        if (arg.size() > 1 && arg[0] == '-') {
          const CLI::Option* opt = sub->get_option_no_throw(arg);
          if (opt != nullptr && opt->get_items_expected_max() > 0) ++i;  // its value
          continue;
        }
        own = i + 1;  // the program's name is checked, its arguments are not
        break;
      }
    }
    empty = heapdump::empty_argument_error(own, args.data());
  }
  if (!empty.empty()) {
    // `empty` may quote the option before it: escaped like every argument.
    heapdump::print_error(fmt::format("{} (see 'heapdump {} --help')", empty, args[1]));
    return heapdump::kExitUsage;
  }
  try {
    app.parse(argc, args.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string sub;
    const CLI::App* parsed = &app;
    for (const heapdump::Command& c : commands) {
      if (c.app->parsed()) {
        sub = " " + c.app->get_name();
        parsed = c.app;
      }
    }
    // A mistyped option: name the one that was probably meant.
    std::string hint;
    for (int i = 1; i < argc && hint.empty(); ++i) {
      const std::string token = args[i];
      if (token == "--") break;
      if (token.size() < 2 || token[0] != '-' || (token[1] >= '0' && token[1] <= '9')) continue;
      if (known_option(*parsed, token)) continue;
      if (token == "--mmap") {  // removed in issue 25; old scripts may pass it
        hint = "; --mmap was removed: a file is always read with read(2), which was as fast or "
               "faster; drop the option";
        break;
      }
      const std::string near = heapdump::nearest_option(*parsed, token.substr(0, token.find('=')));
      if (!near.empty()) hint = "; did you mean '" + near + "'?";
    }
    // CLI11's messages quote the arguments: print_error() escapes them.
    heapdump::print_error(fmt::format("{}{} (see 'heapdump{} --help')", e.what(), hint, sub));
    return heapdump::kExitUsage;
  }
  for (const heapdump::Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return heapdump::kExitUsage;  // unreachable: CLI11 requires one subcommand
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is seen as EPIPE and ends quietly
  // Any exception that escapes, from setting up the command line as much as
  // from running a command, is one message and exit 3, never an abort.
  return heapdump::run_guarded([argc, argv] { return run(argc, argv); }, heapdump::kExitIoError);
}
