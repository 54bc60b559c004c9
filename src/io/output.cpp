#include "heapdump/output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace heapdump {
namespace {

/// Writes everything; returns 0 or the errno of the failure.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

constexpr size_t kFlushAt = size_t{1} << 20;

// ---- Removing temporary files when a signal ends the process ----
//
// The handler may only make async-signal-safe calls: it reads the slots
// (each a path formatted before it was published, or null), unlink()s
// them, restores the default action and raises the signal again.

constexpr int kSlots = 16;
std::atomic<const char*> g_slots[kSlots];
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGABRT};

void unlink_slots() noexcept {
  for (auto& slot : g_slots) {
    const char* p = slot.load();
    if (p != nullptr) ::unlink(p);
  }
}

extern "C" void remove_temporaries_and_reraise(int sig) {
  const int saved = errno;
  unlink_slots();
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  errno = saved;
  ::raise(sig);  // pending until this handler returns, then the default action
}

/// Called on each open(): a signal whose action is the default then gets
/// the handler (one that is ours already, or another's, is left alone).
void install_handlers() {
  for (int sig : kCleanupSignals) {
    struct sigaction old;
    if (::sigaction(sig, nullptr, &old) != 0) continue;
    // A signal the caller chose to ignore (nohup, a background job) stays
    // ignored; one with a handler of its own keeps it.
    if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO) != 0) continue;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_temporaries_and_reraise;
    sigfillset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
}

/// Blocks the cleanup signals while alive, so that creating or renaming a
/// temporary file and (un)publishing its path happen as one step.
class BlockCleanupSignals {
 public:
  BlockCleanupSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kCleanupSignals) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~BlockCleanupSignals() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  BlockCleanupSignals(const BlockCleanupSignals&) = delete;
  BlockCleanupSignals& operator=(const BlockCleanupSignals&) = delete;

 private:
  sigset_t old_;
};

/// Publishes `path` for the handler; returns its slot, or -1 if all are
/// taken (then only the destructor removes the file).
int publish(const char* path) {
  for (int i = 0; i < kSlots; ++i) {
    const char* expected = nullptr;
    if (g_slots[i].compare_exchange_strong(expected, path)) return i;
  }
  return -1;
}

void unpublish(int slot) {
  if (slot >= 0) g_slots[slot].store(nullptr);
}

/// A name for a new file next to `target`: ".NAME.heapdump-XXXXXXXX".
std::string temporary_name(const std::string& target, unsigned attempt) {
  static std::atomic<uint64_t> counter{0};
  const size_t slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : target.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t x = static_cast<uint64_t>(ts.tv_nsec) ^ (static_cast<uint64_t>(ts.tv_sec) << 20) ^
               (static_cast<uint64_t>(::getpid()) << 40) ^ (counter.fetch_add(1) << 8) ^ attempt;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  static const char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string suffix;
  for (int i = 0; i < 10; ++i) {
    suffix.push_back(kDigits[x % 36]);
    x /= 36;
  }
  return dir + "." + base + ".heapdump-" + suffix;
}

std::string errno_text(const std::string& path, int err) {
  return path + ": " + std::strerror(err);
}

}  // namespace

Status write_stdout(std::string_view data) {
  int err = write_all(STDOUT_FILENO, data);
  if (err == 0) return Status();
  if (err == EPIPE) return Status::broken_pipe();
  return Status::io_error(std::string("standard output: ") + std::strerror(err));
}

Status check_output_path(const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty()) {
    return Status::invalid_argument(
        "the output file name is empty (give a file name, or - for standard output)");
  }
  if (output == "-") return Status();
  struct stat so;
  if (::stat(output.c_str(), &so) != 0) return Status();  // does not exist (yet)
  for (const std::string& input : inputs) {
    struct stat si;
    const bool is_stdin = input == "-";
    const int rc = is_stdin ? ::fstat(STDIN_FILENO, &si) : ::stat(input.c_str(), &si);
    if (rc != 0) continue;  // the read reports it
    if (si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
      const std::string name = is_stdin ? std::string("standard input") : "'" + input + "'";
      return Status::invalid_argument("the output file '" + output + "' is the same file as " +
                                      name + ", which is read; writing it would destroy it");
    }
  }
  return Status();
}

Status OutputFile::open(const std::string& path, std::unique_ptr<OutputFile>* out) {
  if (path.empty()) return check_output_path(path, {});
  if (path == "-") {
    out->reset(new OutputFile(STDOUT_FILENO, "standard output", "", "", -1));
    return Status();
  }
  std::string target = path;
  mode_t mode = 0;
  bool replace_mode = false;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::io_error(errno_text(path, EISDIR));
    if (!S_ISREG(st.st_mode)) {
      // A device or FIFO: there is nothing a rename could keep safe.
      int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd < 0) return Status::io_error(errno_text(path, errno));
      out->reset(new OutputFile(fd, path, "", "", -1));
      return Status();
    }
    // Follow symbolic links: the file replaced is the one they point to.
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) return Status::io_error(errno_text(path, errno));
    target = real;
    std::free(real);
    mode = st.st_mode & 07777;
    replace_mode = true;
    // Replacing a file we may not write would bypass its permissions.
    if (::access(path.c_str(), W_OK) != 0) return Status::io_error(errno_text(path, errno));
  } else if (errno != ENOENT) {
    return Status::io_error(errno_text(path, errno));
  }

  install_handlers();
  for (unsigned attempt = 0;; ++attempt) {
    std::string temp = temporary_name(target, attempt);
    int fd;
    int err = 0;
    {
      // Created and published with the signals blocked: no window in which
      // a signal could leave the file behind.
      BlockCleanupSignals block;
      fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd < 0) err = errno;
      if (fd >= 0) {
        out->reset(new OutputFile(fd, path, target, std::move(temp), -1));
        // The path the handler sees is the string the OutputFile keeps.
        (*out)->slot_ = publish((*out)->temp_.c_str());
      }
    }
    if (fd >= 0) break;
    if (err == EEXIST && attempt < 100) continue;
    if (err == ENOENT || err == ENOTDIR) return Status::io_error(errno_text(path, err));
    const size_t slash = target.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : target.substr(0, slash + 1);
    return Status::io_error(path + ": cannot create a temporary file in " + dir + " (" +
                            std::strerror(err) + "); heapdump writes one there and renames it "
                            "over the target when done");
  }
  if (replace_mode && ::fchmod((*out)->fd_, mode) != 0) {
    Status s = Status::io_error(errno_text(path, errno));
    out->reset();
    return s;
  }
  return Status();
}

void remove_output_temporaries() noexcept { unlink_slots(); }

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) {
    BlockCleanupSignals block;
    ::unlink(temp_.c_str());
    unpublish(slot_);
    slot_ = -1;
    temp_.clear();
  }
}

void OutputFile::flush() {
  if (buffer_.empty()) return;
  if (status_.ok() && fd_ >= 0) {
    int err = write_all(fd_, buffer_);
    if (err == EPIPE && fd_ == STDOUT_FILENO && temp_.empty()) {
      status_ = Status::broken_pipe();
    } else if (err != 0) {
      status_ = Status::io_error(errno_text(path_, err));
    }
  }
  buffer_.clear();
}

void OutputFile::write(std::string_view data) {
  buffer_.append(data);
  if (buffer_.size() >= kFlushAt) flush();
}

Status OutputFile::commit() {
  flush();
  if (fd_ < 0) return status_.ok() ? Status::io_error(path_ + ": already closed") : status_;
  if (fd_ == STDOUT_FILENO && temp_.empty()) {
    fd_ = -1;  // standard output stays open for the report
    return status_;
  }
  if (status_.ok() && !temp_.empty() && ::fsync(fd_) != 0) {
    status_ = Status::io_error(errno_text(path_, errno));
  }
  if (::close(fd_) != 0 && status_.ok()) status_ = Status::io_error(errno_text(path_, errno));
  fd_ = -1;
  if (!status_.ok() || temp_.empty()) {
    discard();
    return status_;
  }
  BlockCleanupSignals block;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    status_ = Status::io_error(errno_text(path_, errno));
    ::unlink(temp_.c_str());
  }
  unpublish(slot_);
  slot_ = -1;
  temp_.clear();
  return status_;
}

}  // namespace heapdump
