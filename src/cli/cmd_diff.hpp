// `heapdump diff BEFORE AFTER [RETAINED] [--output-diff FILE]`
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "cli/common.hpp"

namespace heapdump {

struct DiffCommand {
  std::string before;
  std::string after;
  std::string retained;  ///< "" when not given
  std::optional<std::string> output_diff;  ///< --output-diff, if given
  std::optional<uint64_t> fail_objects;  ///< --fail-if-new-objects
  std::optional<uint64_t> fail_bytes;    ///< --fail-if-new-bytes
  std::string by = "total";              ///< --by: what the limits apply to
  uint64_t allow_skipped_lines = 0;      ///< --allow-skipped-lines: per input, before a gate is unjudged
  const CLI::Option* by_option = nullptr;  ///< to tell whether --by was given
  std::optional<uint64_t> lines;         ///< --lines: rows shown (default: all, as heapy)
  std::string sort = "count";            ///< --sort: rank rows by "count" or "bytes"
  bool include_tracer = false;           ///< --include-tracer: report a new allocation tracer
  CommonOptions common;
};

CLI::App* setup_diff(CLI::App& app, DiffCommand* cmd);
int run_diff(const DiffCommand& cmd);

}  // namespace heapdump
