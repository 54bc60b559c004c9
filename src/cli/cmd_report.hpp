// `heapdump report FILE` and `heapdump report BEFORE AFTER [RETAINED]`: one
// self-contained HTML page.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"

namespace heapdump {

struct ReportCommand {
  std::vector<std::string> files;   ///< FILE, or BEFORE AFTER [RETAINED]
  std::string output;               ///< -o; "" = the format's default
  uint64_t lines = 20;              ///< rows per table
  uint64_t threshold = 10;          ///< leak suspect: retains >= this % of the heap
  std::optional<uint64_t> fail_objects;  ///< --fail-if-new-objects (two or three dumps)
  std::optional<uint64_t> fail_bytes;    ///< --fail-if-new-bytes
  std::string by = "total";              ///< what the limits apply to
  const CLI::Option* by_option = nullptr;  ///< to tell whether --by was given
  uint64_t allow_skipped_lines = 0;
  bool include_tracer = false;           ///< count Ruby's allocation tracer like any object
  CommonOptions common;
};

CLI::App* setup_report(CLI::App& app, ReportCommand* cmd);
int run_report(const ReportCommand& cmd);

}  // namespace heapdump
