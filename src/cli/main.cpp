// heapdump: fast, heapy-compatible analysis of Ruby heap dumps.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <string_view>

#include "cli/cmd_diff.hpp"
#include "cli/cmd_read.hpp"
#include "cli/common.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is seen as EPIPE and ends quietly

  CLI::App app{"heapdump: fast, heapy-compatible analysis of Ruby heap dumps"};
  app.set_version_flag("--version", HEAPDUMP_VERSION);
  app.require_subcommand(1, 1);
  heapdump::ReadCommand read;
  heapdump::DiffCommand diff;
  CLI::App* read_cmd = heapdump::setup_read(app, &read);
  CLI::App* diff_cmd = heapdump::setup_diff(app, &diff);

  if (argc > 1 && argv[1][0] != '-' && std::string_view(argv[1]) != "read" &&
      std::string_view(argv[1]) != "diff") {
    std::fprintf(stderr, "heapdump: unknown command '%s'; the commands are read and diff "
                 "(see 'heapdump --help')\n", argv[1]);
    return heapdump::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const char* sub = read_cmd->parsed() ? " read" : diff_cmd->parsed() ? " diff" : "";
    std::fprintf(stderr, "heapdump: %s (see 'heapdump%s --help')\n", e.what(), sub);
    return heapdump::kExitUsage;
  }
  if (read_cmd->parsed()) return heapdump::run_read(read);
  return heapdump::run_diff(diff);
}
