#include "cli/common.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <thread>

#include "heapdump/output.hpp"
#include "heapdump/report_output.hpp"

namespace heapdump {

const CLI::Validator& whole_number() {
  static const CLI::Validator validator = whole_number(0, UINT64_MAX);
  return validator;
}

CLI::Validator whole_number(uint64_t min, uint64_t max) {
  const std::string allowed = max == UINT64_MAX ? fmt::format("a whole number >= {}", min)
                                                 : fmt::format("a whole number from {} to {}", min, max);
  return CLI::Validator(
      [min, max, allowed](std::string& value) -> std::string {
        const std::string why = "must be " + allowed + ", not '" + value + "'";
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
          return why;
        }
        // CLI11 would turn a number past 2^64-1 into 2^64-1.
        uint64_t parsed = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
        if (ec != std::errc() || end != value.data() + value.size()) {
          return "Value " + value + " is too large (at most " + std::to_string(UINT64_MAX) + ")";
        }
        if (parsed < min || parsed > max) return why;
        return "";
      },
      "UINT");
}

std::string empty_argument_error(int argc, const char* const* argv) {
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.size() > 2 && arg.substr(0, 2) == "--" && arg.find('=') == arg.size() - 1) {
      return fmt::format("{} needs a value: file names, numbers and other values cannot be "
                         "empty",
                         arg.substr(0, arg.size() - 1));
    }
    if (!arg.empty()) continue;
    const std::string_view before(argv[i - 1]);
    if (before.size() > 1 && before[0] == '-' && before.find('=') == std::string_view::npos) {
      return fmt::format("argument {} (after '{}') is an empty string: file names, numbers and "
                         "other values cannot be empty",
                         i, before);
    }
    return fmt::format("argument {} is an empty string: file names, numbers and other values "
                       "cannot be empty",
                       i);
  }
  return {};
}

std::string same_input_error(const std::vector<std::string>& inputs, std::string_view command) {
  auto same_file = [](const std::string& a, const std::string& b) {
    if (a == b) return true;
    struct stat sa, sb;
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
    return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t j = i + 1; j < inputs.size(); ++j) {
      if (same_file(inputs[i], inputs[j])) {
        return fmt::format("'{}' and '{}' are the same file; {} needs different dumps (see "
                           "'heapdump {} --help')",
                           inputs[i], inputs[j], command, command);
      }
    }
  }
  return "";
}

void add_dump_file(CLI::App* cmd, std::string* file) {
  cmd->add_option("FILE", *file,
                  "Heap dump from ObjectSpace.dump_all (.json or .json.gz; - for stdin)")
      ->required();
}

void add_lines_option(CLI::App* cmd, uint64_t* lines, const std::string& description) {
  cmd->add_option("--lines", *lines, description)
      ->check(whole_number(1, UINT64_MAX))
      ->capture_default_str();
}

void add_threshold_option(CLI::App* cmd, uint64_t* threshold) {
  cmd->add_option("--threshold", *threshold,
                  "Leak suspect: an object or class retaining at least this % of the heap")
      ->check(whole_number(1, 100))
      ->capture_default_str();
}

void add_allow_skipped_lines_option(CLI::App* cmd, uint64_t* allowed) {
  cmd->add_option("--allow-skipped-lines", *allowed,
                  "With a --fail-if-new-* limit: accept up to N skipped lines per input; more, "
                  "an input that ended early or one with no objects exits with status 5")
      ->check(whole_number())
      ->capture_default_str();
}

void add_common_options(CLI::App* cmd, CommonOptions* options) {
  cmd->add_option("--max-warnings", options->max_warnings,
                  "Skipped-line warnings to show per file (0 shows all); the total is always shown")
      ->check(whole_number())
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", options->quiet, "No progress line on stderr");
  cmd->add_option("--format", options->format,
                  "Output format: text (heapy's layout), json or csv (exact integers; see "
                  "docs/output-formats.md)")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  cmd->add_flag("--csv-safe", options->csv_safe,
                "With --format csv: prefix ' to text cells that start with = + - @ tab or CR, so "
                "that a spreadsheet shows them instead of running them as formulas");
  cmd->parse_complete_callback([options] {
    if (options->csv_safe && options->format != "csv") {
      throw CLI::ValidationError("--csv-safe", "only applies to --format csv");
    }
  });
  cmd->add_option("--threads", options->threads,
                  "Parsing threads (default: one per core); output is the same for any number")
      ->check(whole_number(1, 256));
  cmd->add_option("--max-line-bytes", options->max_line_bytes,
                  "Skip (and report) a line longer than this many bytes without keeping it in "
                  "memory; the default, 2 GiB, is far above the longest line of a real dump")
      ->check(whole_number(1, UINT64_MAX))
      ->capture_default_str();
}

ReadOptions CommonOptions::read_options(unsigned thread_count) const {
  ReadOptions options;
  options.threads = thread_count;
  options.max_line_bytes = max_line_bytes;
  return options;
}

unsigned CommonOptions::thread_count() const {
  if (threads != 0) return threads;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : std::min(cores, 64u);
}

bool load_graph(const std::string& file, const CommonOptions& options,
                std::shared_ptr<const LoadedGraph>* out) {
  PhaseTimer timer;
  StderrReporter reporter(options.max_warnings, options.quiet);
  std::vector<std::string> notes;
  const Status s = read_graph(file, options.read_options(options.thread_count()), reporter, out,
                              &notes, [&timer](const char* what) { timer.lap(what); });
  if (!s.ok()) {
    print_error(s.message());
    return false;
  }
  if (std::getenv("HEAPDUMP_TIMING") != nullptr) print_error(graph_memory_line(**out));
  for (const std::string& note : notes) print_error(note);
  return true;
}

int emit_report(const CommonOptions& options, const Report& report, std::string_view text) {
  const Status s = write_report(report, options.format, CsvOptions{options.csv_safe}, text,
                                write_stdout);
  if (s.ok() || s.code() == Status::Code::kBrokenPipe) return kExitOk;
  print_error(s.message());
  return kExitIoError;
}

int gate_exit(const GateOutcome& gate) {
  if (gate.kind == GateOutcome::Kind::kNotJudged) {
    print_error(fmt::format("leak gate not judged: {}; exit status 5", gate.detail));
    return kExitGateUnjudged;
  }
  if (gate.kind != GateOutcome::Kind::kTripped) return kExitOk;
  print_error("leak gate tripped: " + gate.detail);
  return kExitGate;
}

}  // namespace heapdump
