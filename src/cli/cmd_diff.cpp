#include "cli/cmd_diff.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "heapdump/diff.hpp"
#include "heapdump/identity_set.hpp"
#include "heapdump/output.hpp"
#include "heapdump/render.hpp"

namespace heapdump {
namespace {

/// True if a and b name the same file (same path, or same device and inode).
bool same_file(const std::string& a, const std::string& b) {
  if (a == b) return true;
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

CLI::App* setup_diff(CLI::App& app, DiffCommand* cmd) {
  CLI::App* sub = app.add_subcommand(
      "diff", "Objects allocated between BEFORE and AFTER (and still alive in RETAINED)");
  sub->add_option("BEFORE", cmd->before, "Earlier dump")->required();
  sub->add_option("AFTER", cmd->after, "Later dump of the same process")->required();
  sub->add_option("RETAINED", cmd->retained,
                  "Optional third dump: report only objects still alive in it");
  sub->add_option("--output-diff,--output_diff", cmd->output_diff,
                  "Write the reported AFTER lines, verbatim, to this file");
  add_common_options(sub, &cmd->common);
  return sub;
}

int run_diff(const DiffCommand& cmd) {
  std::vector<std::string> inputs = {cmd.before, cmd.after};
  if (!cmd.retained.empty()) inputs.push_back(cmd.retained);
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t j = i + 1; j < inputs.size(); ++j) {
      if (same_file(inputs[i], inputs[j])) {
        print_error(fmt::format("'{}' and '{}' are the same file; diff needs different dumps "
                                "(see 'heapdump diff --help')",
                                inputs[i], inputs[j]));
        return kExitUsage;
      }
    }
  }

  std::unique_ptr<OutputFile> output;
  if (!cmd.output_diff.empty()) {
    Status s = OutputFile::open(cmd.output_diff, &output);
    if (!s.ok()) {
      print_error(s.message());
      return kExitIoError;
    }
  }

  StderrReporter reporter(cmd.common.max_warnings);
  TypeIds types;
  IdentitySet before(types);
  if (!read_file(cmd.before, before, reporter)) return kExitIoError;
  before.seal();
  std::unique_ptr<IdentitySet> retained;
  if (!cmd.retained.empty()) {
    retained = std::make_unique<IdentitySet>(types);
    if (!read_file(cmd.retained, *retained, reporter)) return kExitIoError;
    retained->seal();
  }

  std::function<void(std::string_view)> write_line;
  if (output) {
    write_line = [&output](std::string_view line) {
      output->write(line);
      output->write("\n");
    };
  }
  DiffAggregator diff(types, before, retained.get(), write_line);
  if (!read_file(cmd.after, diff, reporter)) return kExitIoError;

  if (output) {
    Status s = output->close();
    if (!s.ok()) {
      print_error(s.message());
      return kExitIoError;
    }
    const std::string note = fmt::format("Writing heap dump diff to {}\n", cmd.output_diff);
    std::fwrite(note.data(), 1, note.size(), stderr);
  }
  std::string out;
  render_diff_text(diff.to_table(), retained != nullptr, &out);
  return emit(out);
}

}  // namespace heapdump
