#include "cli/common.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "heapdump/input.hpp"
#include "heapdump/output.hpp"

namespace heapdump {

void add_common_options(CLI::App* cmd, CommonOptions* options) {
  cmd->add_option("--max-warnings", options->max_warnings,
                  "Skipped-line warnings to show per file (0 shows all); the total is always shown")
      ->capture_default_str();
}

void print_error(std::string_view message) {
  std::string line = fmt::format("heapdump: {}\n", message);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void StderrReporter::skipped_line(std::string_view source, uint64_t line, uint64_t /*offset*/,
                                  std::string_view reason) {
  ++shown_;
  if (max_warnings_ != 0 && shown_ > max_warnings_) return;
  print_error(fmt::format("{}:{}: skipped line: {}", source, line, reason));
}

void StderrReporter::finish_file(std::string_view source, const ReadStats& stats) {
  if (stats.skipped_lines > 0) {
    std::string hidden;
    if (max_warnings_ != 0 && stats.skipped_lines > max_warnings_) {
      hidden = fmt::format(" ({} not shown; --max-warnings 0 shows all)",
                           stats.skipped_lines - max_warnings_);
    }
    print_error(fmt::format("{}: skipped {} of {} lines that are not valid JSON objects{}", source,
                            stats.skipped_lines, stats.lines, hidden));
  }
  shown_ = 0;
}

bool read_file(const std::string& path, RecordSink& sink, StderrReporter& reporter,
               ReadStats* stats) {
  std::unique_ptr<InputSource> input;
  Status s = InputSource::open(path, &input);
  if (!s.ok()) {
    print_error(s.message());
    return false;
  }
  ReadStats local;
  s = read_dump(*input, sink, reporter, &local);
  if (!s.ok()) {
    print_error(s.message());
    return false;
  }
  if (!input->warning().empty()) print_error(input->warning());
  reporter.finish_file(input->name(), local);
  if (stats != nullptr) *stats = local;
  return true;
}

int emit(std::string_view text) {
  Status s = write_stdout(text);
  if (s.ok() || s.code() == Status::Code::kBrokenPipe) return kExitOk;
  print_error(s.message());
  return kExitIoError;
}

}  // namespace heapdump
