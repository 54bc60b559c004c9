#include "parse/mapped_window.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace heapdump {
namespace {

/// The windows mapped now, for the SIGBUS handler: begin and end addresses
/// of each (begin 0: a free entry; 1: being filled in). Plain atomics, so
/// the handler can read them at any moment.
struct Range {
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
};
constexpr int kMaxWindows = 256;
Range g_windows[kMaxWindows];
std::atomic<uint64_t> g_reads_past_end{0};
uintptr_t g_page_size = 4096;
std::once_flag g_install_once;
struct sigaction g_previous;  // the SIGBUS action before ours

void on_sigbus(int signo, siginfo_t* info, void* context) {
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Range& r : g_windows) {
    const uintptr_t begin = r.begin.load();
    if (begin > 1 && at >= begin && at < r.end.load()) {
      // The file shrank under this window: give the page zero bytes, and let
      // the faulting read run again. mmap is async-signal-safe.
      void* page = reinterpret_cast<void*>(at & ~(g_page_size - 1));
      if (mmap(page, g_page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
          MAP_FAILED) {
        g_reads_past_end.fetch_add(1);
        return;
      }
      break;
    }
  }
  // Not a window of ours: what would have happened without this handler.
  // The previous handler, if there was one (a sanitizer's, say), else the
  // default action: the read runs again and the signal ends the process.
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(signo, info, context);
    return;
  }
  if ((g_previous.sa_flags & SA_SIGINFO) == 0 && g_previous.sa_handler != SIG_DFL &&
      g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(signo);
    return;
  }
  signal(signo, SIG_DFL);
}

void install_handler() {
  g_page_size = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  struct sigaction action {};
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &g_previous);
}

int claim_slot(uintptr_t begin, uintptr_t end) {
  for (int i = 0; i < kMaxWindows; ++i) {
    uintptr_t expected = 0;
    if (g_windows[i].begin.compare_exchange_strong(expected, 1)) {
      g_windows[i].end.store(end);
      g_windows[i].begin.store(begin);
      return i;
    }
  }
  return -1;
}

}  // namespace

bool MappedWindow::map(int fd, uint64_t offset, size_t length) {
  reset();
  if (length == 0) return false;
  std::call_once(g_install_once, install_handler);
  const uint64_t aligned = offset & ~static_cast<uint64_t>(g_page_size - 1);
  const size_t lead = static_cast<size_t>(offset - aligned);
  void* base = mmap(nullptr, lead + length, PROT_READ, MAP_PRIVATE, fd, static_cast<off_t>(aligned));
  if (base == MAP_FAILED) return false;
  const auto begin = reinterpret_cast<uintptr_t>(base);
  const int slot = claim_slot(begin, begin + lead + length);
  if (slot < 0) {
    munmap(base, lead + length);
    return false;
  }
  base_ = base;
  base_length_ = lead + length;
  data_ = static_cast<const char*>(base) + lead;
  size_ = length;
  slot_ = slot;
  return true;
}

void MappedWindow::reset() {
  if (base_ == nullptr) return;
  g_windows[slot_].begin.store(0);  // unregister before the addresses can be reused
  munmap(base_, base_length_);
  base_ = nullptr;
  base_length_ = 0;
  data_ = nullptr;
  size_ = 0;
  slot_ = -1;
}

uint64_t MappedWindow::reads_past_end() { return g_reads_past_end.load(); }

}  // namespace heapdump
