#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <new>
#include <stdexcept>
#include <string>

#include "heapdump/guard.hpp"

using namespace heapdump;

namespace {

void throw_out_of_memory() { throw std::bad_alloc(); }
void throw_logic_error() { throw std::logic_error("boom"); }

/// Runs `body` under run_guarded() (failure status 3) in a forked child whose stderr is
/// captured; returns the child's wait status.
template <typename F>
int in_child(F body, std::string* err) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::_exit(run_guarded(
        [&] {
          body();
          return 0;
        },
        3));
  }
  ::close(fds[1]);
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) err->append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace

TEST_CASE("run_guarded: out of memory inside a noexcept function still exits 3 with the message") {
  // The std::terminate path: a bad_alloc that cannot be caught (simdjson
  // makes its implementation objects inside noexcept dom::parser::allocate).
  std::string err;
  const int status = in_child([] { [&]() noexcept { throw_out_of_memory(); }(); }, &err);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
  CHECK(err.rfind("heapdump: out of memory: the process was refused more memory", 0) == 0);
}

TEST_CASE("run_guarded: out of memory that can be caught exits 3 with the message") {
  std::string err;
  const int status = in_child([] { throw_out_of_memory(); }, &err);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
  CHECK(err.rfind("heapdump: out of memory: the process was refused more memory", 0) == 0);
}

TEST_CASE("run_guarded: another exception inside a noexcept function still aborts") {
  std::string err;
  const int status = in_child([] { [&]() noexcept { throw_logic_error(); }(); }, &err);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
}
