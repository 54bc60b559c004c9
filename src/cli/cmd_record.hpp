// `heapdump record [-o DIR] [--every SECONDS] [--on-signal SIG] [--at-exit]
//                  [--gzip] [--max-dumps N] -- COMMAND [ARGS...]`
// Runs a Ruby program with share/heapdump/record.rb preloaded through
// RUBYOPT, so that it writes heap dumps into DIR; analyses nothing.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace heapdump {

struct RecordCommand {
  std::string dir = ".";
  std::string every;            ///< --every SECONDS; "" when not given
  std::string signal = "USR2";  ///< --on-signal, without "SIG"; "none" for no signal
  bool at_exit = false;
  bool gzip = false;
  std::optional<uint64_t> max_dumps;
  std::vector<std::string> command;  ///< COMMAND [ARGS...]
};

CLI::App* setup_record(CLI::App& app, RecordCommand* cmd);
int run_record(const RecordCommand& cmd);

}  // namespace heapdump
