// `heapdump compare A B [--by KEY]... [--lines N]`
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "cli/common.hpp"

namespace heapdump {

struct CompareCommand {
  std::string a;
  std::string b;
  std::vector<std::string> by;  ///< --by keys; empty means class
  uint64_t lines = 50;
  bool include_tracer = false;  ///< --include-tracer: count Ruby's allocation tracer like any object
  CommonOptions common;
};

CLI::App* setup_compare(CLI::App& app, CompareCommand* cmd);
int run_compare(const CompareCommand& cmd);

}  // namespace heapdump
