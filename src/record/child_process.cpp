#include "record/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace heapdump {
namespace {

// The running child, for the signal handler (0: none yet, or already ended).
volatile sig_atomic_t g_child = 0;
// A signal that came before the child existed, sent once it does.
volatile sig_atomic_t g_pending = 0;

void forward_signal(int signal, siginfo_t* info, void* /*context*/) {
  // A terminal's ^C goes to its whole foreground process group, the child
  // included (the kernel marks it SI_KERNEL): sending it again would
  // interrupt the child twice (and its at-exit dump on the second).
  if (info != nullptr && info->si_code == SI_KERNEL) return;
  const int saved = errno;
  const pid_t child = g_child;
  if (child > 0) {
    ::kill(child, signal);
  } else {
    g_pending = signal;
  }
  errno = saved;
}

constexpr int kForwarded[] = {SIGINT, SIGTERM};

/// Installs forward_signal for SIGINT and SIGTERM (but leaves an ignored one
/// ignored), and SIG_DFL for SIGCHLD so the child can be waited for; puts
/// everything back when destroyed.
class ForwardSignals {
 public:
  ForwardSignals() {
    for (size_t i = 0; i < std::size(kForwarded); ++i) {
      struct sigaction action = {};
      ::sigaction(kForwarded[i], nullptr, &saved_[i]);
      if (saved_[i].sa_handler == SIG_IGN && !(saved_[i].sa_flags & SA_SIGINFO)) continue;
      action.sa_sigaction = forward_signal;
      action.sa_flags = SA_SIGINFO;  // no SA_RESTART: waiting is retried by hand
      sigemptyset(&action.sa_mask);
      ::sigaction(kForwarded[i], &action, nullptr);
      installed_[i] = true;
    }
    struct sigaction child = {};
    child.sa_handler = SIG_DFL;
    sigemptyset(&child.sa_mask);
    ::sigaction(SIGCHLD, &child, &saved_chld_);
  }
  ~ForwardSignals() {
    for (size_t i = 0; i < std::size(kForwarded); ++i) {
      if (installed_[i]) ::sigaction(kForwarded[i], &saved_[i], nullptr);
    }
    ::sigaction(SIGCHLD, &saved_chld_, nullptr);
  }
  /// In the child, before exec: the default action for what was forwarded.
  void reset_in_child() const {
    for (size_t i = 0; i < std::size(kForwarded); ++i) {
      if (installed_[i]) ::signal(kForwarded[i], SIG_DFL);
    }
  }
  ForwardSignals(const ForwardSignals&) = delete;
  ForwardSignals& operator=(const ForwardSignals&) = delete;

 private:
  struct sigaction saved_[std::size(kForwarded)] = {};
  struct sigaction saved_chld_ = {};
  bool installed_[std::size(kForwarded)] = {};
};

/// 0 if `path` is an executable regular file, else 126 or 127 with *error.
int check_executable(const std::string& path, std::string* error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int e = errno;
    *error = std::strerror(e);
    return e == ENOENT || e == ENOTDIR ? kExitNotFound : kExitCannotExecute;
  }
  if (S_ISDIR(st.st_mode)) {
    *error = std::strerror(EISDIR);
    return kExitCannotExecute;
  }
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
    *error = std::strerror(EACCES);
    return kExitCannotExecute;
  }
  return 0;
}

/// Waits for `pid` without losing the wait to a signal.
bool wait_for(pid_t pid, int* status) {
  // Wait without reaping first: until the child is reaped its PID cannot be
  // reused, so the signal handler may still send to it; stop that, then reap.
  siginfo_t info;
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0) {
    if (errno != EINTR) break;
  }
  g_child = 0;
  while (::waitpid(pid, status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

}  // namespace

int find_command(const std::string& name, std::string* error) {
  if (name.empty()) {
    *error = "command not found";
    return kExitNotFound;
  }
  if (name.find('/') != std::string::npos) return check_executable(name, error);
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env != nullptr ? path_env : "/bin:/usr/bin";
  int result = kExitNotFound;
  std::string reason = "command not found";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const std::string dir = end == start ? "." : path.substr(start, end - start);
    std::string why;
    const int found = check_executable(dir + "/" + name, &why);
    if (found == 0) return 0;
    if (found == kExitCannotExecute && result == kExitNotFound) {
      result = kExitCannotExecute;  // as execvp: EACCES if nothing better turns up
      reason = why;
    }
    start = end + 1;
  }
  *error = reason;
  return result;
}

bool run_child(const std::vector<std::string>& argv, const std::function<void(pid_t)>& on_start,
               ChildExit* result, std::string* error, int* exit_code) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // The child writes execvp's errno here if it fails; a successful exec
  // closes it (O_CLOEXEC), so the parent reads end of file.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    *exit_code = kExitCannotExecute;
    return false;
  }
  g_child = 0;
  g_pending = 0;
  ForwardSignals forward;
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    *exit_code = kExitCannotExecute;
    ::close(report[0]);
    ::close(report[1]);
    return false;
  }
  if (pid == 0) {
    forward.reset_in_child();
    ::close(report[0]);
    ::execvp(args[0], args.data());
    const int e = errno;
    ssize_t ignored = ::write(report[1], &e, sizeof e);
    (void)ignored;
    ::_exit(kExitNotFound);
  }
  ::close(report[1]);
  g_child = pid;
  if (g_pending != 0) ::kill(pid, g_pending);

  int exec_errno = 0;
  ssize_t got;
  while ((got = ::read(report[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status;
    wait_for(pid, &status);
    *error = std::strerror(exec_errno);
    *exit_code = exec_errno == ENOENT || exec_errno == ENOTDIR ? kExitNotFound : kExitCannotExecute;
    return false;
  }

  if (on_start) on_start(pid);
  int status = 0;
  if (!wait_for(pid, &status)) {
    *error = std::string("waitpid: ") + std::strerror(errno);
    *exit_code = kExitCannotExecute;
    return false;
  }
  result->pid = pid;
  result->signaled = WIFSIGNALED(status);
  result->code = result->signaled ? WTERMSIG(status) : WEXITSTATUS(status);
  return true;
}

std::string signal_name(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

}  // namespace heapdump
