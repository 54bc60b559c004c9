// `heapdump retained FILE [--lines N]`
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "cli/common.hpp"

namespace heapdump {

struct RetainedCommand {
  std::string file;
  uint64_t lines = 20;
  uint64_t threshold = 10;  ///< leak suspect: retains >= this % of the heap
  /// Count Ruby's allocation tracer like any object (by default it is never
  /// a leak suspect: it is the tool's own table, not the program's memory).
  bool include_tracer = false;
  CommonOptions common;
};

CLI::App* setup_retained(CLI::App& app, RetainedCommand* cmd);
int run_retained(const RetainedCommand& cmd);

}  // namespace heapdump
