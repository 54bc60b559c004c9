#include "heapdump/stderr.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "heapdump/terminal_text.hpp"

namespace heapdump {
namespace {
std::mutex g_stderr;               // serialises everything written to stderr
bool g_progress_showing = false;  // a progress line is on screen (guarded by g_stderr)
}  // namespace

void write_stderr_line(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_stderr);
  if (g_progress_showing) {
    std::fputs("\r\x1b[K", stderr);
    g_progress_showing = false;
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

ProgressLine::ProgressLine(std::string name, uint64_t total)
    : name_(std::move(name)), total_(total), start_(std::chrono::steady_clock::now()) {}

bool ProgressLine::wanted(uint64_t total) {
  if (!::isatty(STDERR_FILENO)) return false;
  uint64_t min_bytes = uint64_t{100} << 20;
  if (const char* env = std::getenv("HEAPDUMP_PROGRESS_MIN_BYTES")) {
    min_bytes = std::strtoull(env, nullptr, 10);
  }
  return total == 0 || total >= min_bytes;
}

std::string ProgressLine::format(const std::string& name, uint64_t done, uint64_t total,
                                 double seconds) {
  const double mb = static_cast<double>(done) / 1e6;
  const double rate = seconds > 0 ? mb / seconds : 0;
  std::string line = fmt::format("heapdump: {}  ", terminal_text(name));
  if (total > 0) {
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    line += fmt::format("{:3.0f}%  {:.1f} MB of {:.1f} MB  {:.0f} MB/s", fraction * 100, mb,
                        static_cast<double>(total) / 1e6, rate);
    if (rate > 0 && done < total) {
      const double eta = static_cast<double>(total - done) / 1e6 / rate;
      line += fmt::format("  ETA {:.0f}s", eta);
    }
  } else {
    line += fmt::format("{:.1f} MB  {:.0f} MB/s", mb, rate);
  }
  return line;
}

void ProgressLine::update(uint64_t done) {
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const std::string text = "\r" + format(name_, done, total_, seconds) + "\x1b[K";
  std::lock_guard<std::mutex> lock(g_stderr);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  drawn_ = true;
  g_progress_showing = true;
}

void ProgressLine::finish() {
  if (!drawn_) return;
  std::lock_guard<std::mutex> lock(g_stderr);
  if (g_progress_showing) std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  g_progress_showing = false;
  drawn_ = false;
}

void print_error(std::string_view message) {
  // Messages name files and quote dump text: one line, no terminal controls.
  std::string line = "heapdump: ";
  append_terminal_text(message, &line);
  line += '\n';
  write_stderr_line(line);
}

StderrReporter::StderrReporter(uint64_t max_warnings, bool quiet)
    : max_warnings_(max_warnings), quiet_(quiet) {}

StderrReporter::~StderrReporter() = default;

void StderrReporter::skipped_line(std::string_view source, uint64_t line, uint64_t /*offset*/,
                                  std::string_view reason) {
  ++shown_;
  if (max_warnings_ != 0 && shown_ > max_warnings_) return;
  print_error(fmt::format("{}:{}: skipped line: {}", source, line, reason));
}

std::function<void(uint64_t)> StderrReporter::progress(std::string_view name,
                                                       uint64_t size_hint) {
  if (quiet_ || !ProgressLine::wanted(size_hint)) return {};
  progress_ = std::make_unique<ProgressLine>(std::string(name), size_hint);
  return [this](uint64_t done) { progress_->update(done); };
}

void StderrReporter::read_ended() {
  if (progress_) progress_->finish();
  progress_.reset();
}

void StderrReporter::input_read(std::string_view name, const ReadStats& stats,
                                std::string_view warning) {
  if (!warning.empty()) print_error(warning);
  if (stats.skipped_lines > 0) {
    std::string hidden;
    if (max_warnings_ != 0 && stats.skipped_lines > max_warnings_) {
      hidden = fmt::format(" ({} not shown; --max-warnings 0 shows all)",
                           stats.skipped_lines - max_warnings_);
    }
    print_error(fmt::format("{}: skipped {} of {} lines that are not valid JSON objects{}", name,
                            stats.skipped_lines, stats.lines, hidden));
  }
  shown_ = 0;
}

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

PhaseTimer::PhaseTimer() : on_(std::getenv("HEAPDUMP_TIMING") != nullptr), last_(now_seconds()) {}

void PhaseTimer::lap(const char* what) {
  if (!on_) return;
  const double t = now_seconds();
  // Peak and current resident memory so far, from /proc (Linux).
  std::string hwm, rss;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      std::string_view l(line);
      while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.remove_suffix(1);
      if (l.rfind("VmHWM:", 0) == 0) hwm = std::string(l.substr(6));
      if (l.rfind("VmRSS:", 0) == 0) rss = std::string(l.substr(6));
    }
    std::fclose(f);
  }
  print_error(fmt::format("timing: {} {:.3f}s (peak{}, now{})", what, t - last_, hwm, rss));
  last_ = t;
}

}  // namespace heapdump
