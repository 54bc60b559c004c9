#include "heapdump/guard.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <new>
#include <string_view>

#include "heapdump/output.hpp"
#include "heapdump/stderr.hpp"

namespace heapdump {
namespace {

/// Writes a fixed message to stderr without allocating: after an allocation
/// failed there may be no memory left even for a message (a std::string in
/// a handler that throws again would escape main and abort).
void write_fixed(std::string_view message) {
  while (!message.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, message.data(), message.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    message.remove_prefix(static_cast<size_t>(n));
  }
}

constexpr std::string_view kOutOfMemory =
    "heapdump: out of memory: the process was refused more memory (ulimit -v, prlimit --as, a "
    "container's limit, or the machine's); the command was stopped\n";

/// The process ends through std::terminate when an exception cannot be
/// caught: one thrown inside a noexcept function, e.g. std::bad_alloc when
/// simdjson makes its implementation objects on first use inside
/// dom::parser::allocate(). Out of memory then still gets its message and
/// the failure status (temporary output files removed); anything else goes
/// on to the runtime's handler (a message and abort).
std::terminate_handler g_runtime_terminate = nullptr;
int g_failure = 1;

[[noreturn]] void on_terminate() {
  if (const std::exception_ptr e = std::current_exception()) {
    bool out_of_memory = false;
    try {
      std::rethrow_exception(e);
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    } catch (...) {
    }
    if (out_of_memory) {
      remove_output_temporaries();
      write_fixed(kOutOfMemory);
      std::_Exit(g_failure);
    }
  }
  if (g_runtime_terminate != nullptr) g_runtime_terminate();
  std::abort();
}

}  // namespace

int run_guarded(const std::function<int()>& command, int failure) {
  g_failure = failure;
  if (g_runtime_terminate == nullptr) g_runtime_terminate = std::set_terminate(on_terminate);
  try {
    return command();
  } catch (const std::bad_alloc&) {
    write_fixed(kOutOfMemory);
  } catch (const std::exception& e) {
    try {
      print_error(fmt::format("internal error: {}", e.what()));
    } catch (...) {
      write_fixed("heapdump: internal error\n");
    }
  } catch (...) {
    write_fixed("heapdump: internal error: an exception that is not a std::exception\n");
  }
  return failure;
}

}  // namespace heapdump
