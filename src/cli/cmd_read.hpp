// `heapdump read FILE [GEN|A..B|all] [--lines N] [--by KEY]... [--strings]`
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "cli/common.hpp"

namespace heapdump {

struct ReadCommand {
  std::string file;
  std::string generation;  ///< "" (summary), "all", a decimal number or a range "A..B"
  uint64_t lines = 50;
  const CLI::Option* lines_option = nullptr;  ///< to tell whether --lines was given
  std::vector<std::string> by;  ///< --by keys, in order given (location, file, gem, class, type, method)
  bool strings = false;         ///< --strings: the string report
  CommonOptions common;
};

CLI::App* setup_read(CLI::App& app, ReadCommand* cmd);
int run_read(const ReadCommand& cmd);

}  // namespace heapdump
