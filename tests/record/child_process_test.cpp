#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "record/child_process.hpp"

using namespace heapdump;

namespace {

/// No child of this process is left (exited but not reaped, or running).
bool no_children_left() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace

TEST_CASE("find_command: PATH search and paths, with shells' 126 and 127") {
  std::string why;
  CHECK(find_command("sh", &why) == 0);
  CHECK(find_command("/bin/sh", &why) == 0);
  CHECK(find_command("heapdump-no-such-command", &why) == kExitNotFound);
  CHECK(why == "command not found");
  CHECK(find_command("", &why) == kExitNotFound);
  CHECK(find_command("/nonexistent/ruby", &why) == kExitNotFound);
  CHECK(why == "No such file or directory");
  CHECK(find_command("/etc/hostname/x", &why) == kExitNotFound);
  CHECK(find_command("/", &why) == kExitCannotExecute);
  CHECK(why == "Is a directory");

  // A file in PATH without the execute bit: 126, unless a later PATH
  // directory has an executable one (as execvp).
  char dir[] = "/tmp/heapdump-find-command-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string d = dir;
  std::ofstream(d + "/tool") << "#!/bin/sh\n";
  ::chmod((d + "/tool").c_str(), 0644);
  const std::string saved = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  ::setenv("PATH", d.c_str(), 1);
  const int alone = find_command("tool", &why);
  const std::string alone_why = why;
  ::setenv("PATH", (d + ":/usr/bin:/bin").c_str(), 1);
  const int with_sh = find_command("sh", &why);
  ::setenv("PATH", saved.c_str(), 1);
  ::unlink((d + "/tool").c_str());
  ::rmdir(dir);
  CHECK(alone == kExitCannotExecute);  // even root: access(X_OK) needs one x bit
  CHECK(alone_why == "Permission denied");
  CHECK(with_sh == 0);
}

TEST_CASE("run_child: exit status, death by signal, and 128 + signal") {
  ChildExit exit;
  std::string why;
  int code = -1;
  pid_t started = 0;
  REQUIRE(run_child({"sh", "-c", "exit 7"}, [&](pid_t p) { started = p; }, &exit, &why, &code));
  CHECK(exit.pid == started);
  CHECK_FALSE(exit.signaled);
  CHECK(exit.code == 7);
  CHECK(exit.status() == 7);

  REQUIRE(run_child({"sh", "-c", "kill -KILL $$"}, nullptr, &exit, &why, &code));
  CHECK(exit.signaled);
  CHECK(exit.code == SIGKILL);
  CHECK(exit.status() == 128 + SIGKILL);
  CHECK(no_children_left());
}

TEST_CASE("run_child: a program that cannot be executed leaves no child") {
  ChildExit exit;
  std::string why;
  int code = -1;
  bool started = false;
  CHECK_FALSE(run_child({"/nonexistent/ruby"}, [&](pid_t) { started = true; }, &exit, &why,
                        &code));
  CHECK_FALSE(started);
  CHECK(code == kExitNotFound);
  CHECK(why == "No such file or directory");
  CHECK_FALSE(run_child({"/"}, nullptr, &exit, &why, &code));
  CHECK(code == kExitCannotExecute);
  CHECK(no_children_left());
}

TEST_CASE("run_child: SIGTERM and SIGINT sent to heapdump reach the child") {
  struct sigaction before_term = {}, before_int = {};
  ::sigaction(SIGTERM, nullptr, &before_term);
  ::sigaction(SIGINT, nullptr, &before_int);
  for (int signal : {SIGTERM, SIGINT}) {
    INFO(signal);
    ChildExit exit;
    std::string why;
    int code = -1;
    // The child would sleep for 30 s; the signal heapdump gets (from
    // kill(), not a terminal) is sent on, and ends it at once.
    REQUIRE(run_child({"sleep", "30"}, [signal](pid_t) { ::kill(::getpid(), signal); }, &exit,
                      &why, &code));
    CHECK(exit.signaled);
    CHECK(exit.code == signal);
    CHECK(exit.status() == 128 + signal);
  }
  // The dispositions are put back as they were.
  struct sigaction after_term = {}, after_int = {};
  ::sigaction(SIGTERM, nullptr, &after_term);
  ::sigaction(SIGINT, nullptr, &after_int);
  CHECK(after_term.sa_sigaction == before_term.sa_sigaction);
  CHECK(after_int.sa_sigaction == before_int.sa_sigaction);
}

TEST_CASE("signal_name") {
  CHECK(signal_name(SIGINT) == "SIGINT");
  CHECK(signal_name(SIGKILL) == "SIGKILL");
  CHECK(signal_name(0) == "signal 0");
}
