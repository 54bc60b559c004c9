// `heapdump read FILE [GEN|all] [--lines N]`
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "cli/common.hpp"

namespace heapdump {

struct ReadCommand {
  std::string file;
  std::string generation;  ///< "" (summary), "all" or a decimal number
  uint64_t lines = 50;
  CommonOptions common;
};

CLI::App* setup_read(CLI::App& app, ReadCommand* cmd);
int run_read(const ReadCommand& cmd);

}  // namespace heapdump
