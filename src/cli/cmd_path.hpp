// `heapdump path FILE (ADDRESS | --class NAME | --location FILE:LINE)`
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "cli/common.hpp"

namespace heapdump {

struct PathCommand {
  std::string file;
  std::string address;   ///< TARGET, "" when not given
  std::string class_name;
  std::string location;
  uint64_t paths = 3;    ///< representative paths shown for a group
  uint64_t lines = 30;   ///< rows of the merged view
  CommonOptions common;
};

CLI::App* setup_path(CLI::App& app, PathCommand* cmd);
int run_path(const PathCommand& cmd);

}  // namespace heapdump
