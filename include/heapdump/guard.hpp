// The process around a command: running out of memory anywhere, or any
// other exception that escapes, is one message on stderr and an exit
// status, never an abort.
#pragma once

#include <functional>

namespace heapdump {

/// Runs `command` and returns its exit status. Running out of memory in it
/// (std::bad_alloc, also from a parsing thread, or thrown inside a noexcept
/// function, which ends in std::terminate) prints "heapdump: out of memory:
/// ..." and gives `failure` (temporary output files removed); so does any
/// other exception that escapes it ("heapdump: internal error: ...").
int run_guarded(const std::function<int()>& command, int failure);

}  // namespace heapdump
