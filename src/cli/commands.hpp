// The subcommands. Each add_*() declares its options on a new subcommand of
// `app` (into a struct of its own, private to its cmd_*.cpp) and returns
// the function that runs it once the command line is parsed: options ->
// the command's Report -> rendered -> written, and its exit status.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace heapdump {

struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_read(CLI::App& app);      // read FILE [GEN]
Command add_diff(CLI::App& app);      // diff BEFORE AFTER [RETAINED]
Command add_compare(CLI::App& app);   // compare A B
Command add_path(CLI::App& app);      // path FILE TARGET
Command add_retained(CLI::App& app);  // retained FILE
Command add_report(CLI::App& app);    // report FILE | BEFORE AFTER [RETAINED]
Command add_record(CLI::App& app);    // record [options] COMMAND...

}  // namespace heapdump
