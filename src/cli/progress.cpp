#include "cli/progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "render/terminal_text.hpp"

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

}  // namespace heapdump
