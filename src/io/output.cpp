#include "heapdump/output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace

Status write_stdout(std::string_view data) {
  int err = write_all(STDOUT_FILENO, data);
  if (err == 0) return Status();
  if (err == EPIPE) return Status::broken_pipe();
  return Status::io_error(std::string("standard output: ") + std::strerror(err));
}

Status OutputFile::open(const std::string& path, std::unique_ptr<OutputFile>* out) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return Status::io_error(path + ": " + std::strerror(errno));
  out->reset(new OutputFile(fd, path));
  return Status();
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void OutputFile::flush() {
  if (buffer_.empty()) return;
  if (status_.ok()) {
    int err = write_all(fd_, buffer_);
    if (err != 0) status_ = Status::io_error(path_ + ": " + std::strerror(err));
  }
  buffer_.clear();
}

void OutputFile::write(std::string_view data) {
  buffer_.append(data);
  if (buffer_.size() >= kFlushAt) flush();
}

Status OutputFile::close() {
  flush();
  if (fd_ >= 0) {
    if (::close(fd_) != 0 && status_.ok()) {
      status_ = Status::io_error(path_ + ": " + std::strerror(errno));
    }
    fd_ = -1;
  }
  return status_;
}

}  // namespace heapdump
