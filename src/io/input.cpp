#include "heapdump/input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <vector>

namespace heapdump {
namespace {

std::string errno_message(const std::string& name, int err) {
  return name + ": " + std::strerror(err);
}

/// Owns a file descriptor and the bytes already peeked from it.
class FdReader {
 public:
  FdReader(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdReader() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  FdReader(const FdReader&) = delete;
  FdReader& operator=(const FdReader&) = delete;

  /// Reads at most n bytes, first from the peeked bytes. Returns -1 on error (errno set).
  ssize_t read(char* buf, size_t n) {
    if (peek_pos_ < peeked_.size()) {
      size_t k = std::min(n, peeked_.size() - peek_pos_);
      std::memcpy(buf, peeked_.data() + peek_pos_, k);
      peek_pos_ += k;
      consumed_ += k;
      return static_cast<ssize_t>(k);
    }
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r < 0 && errno == EINTR) continue;
      if (r > 0) consumed_ += static_cast<uint64_t>(r);
      return r;
    }
  }

  /// Reads up to n bytes ahead without consuming them. Returns false on error.
  bool peek(size_t n) {
    peeked_.resize(n);
    size_t have = 0;
    while (have < n) {
      ssize_t r = ::read(fd_, peeked_.data() + have, n - have);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return false;
      if (r == 0) break;
      have += static_cast<size_t>(r);
    }
    peeked_.resize(have);
    return true;
  }
  const std::vector<char>& peeked() const { return peeked_; }
  uint64_t consumed() const { return consumed_; }
  int fd() const { return fd_; }

 private:
  int fd_;
  bool owned_;
  std::vector<char> peeked_;
  size_t peek_pos_ = 0;
  uint64_t consumed_ = 0;
};

class PlainInput final : public InputSource {
 public:
  /// `mappable`: a regular file opened by name, so its bytes are at
  /// offsets 0 to `size`.
  PlainInput(std::unique_ptr<FdReader> fd, std::string name, uint64_t size, bool mappable)
      : fd_(std::move(fd)), mappable_(mappable) {
    name_ = std::move(name);
    size_hint_ = size;
  }
  Status read(char* buf, size_t n, size_t* got) override {
    ssize_t r = fd_->read(buf, n);
    if (r < 0) return Status::io_error(errno_message(name_, errno));
    *got = static_cast<size_t>(r);
    return Status();
  }
  uint64_t raw_bytes_consumed() const override { return fd_->consumed(); }
  bool compressed() const override { return false; }
  int mappable_fd() const override { return mappable_ ? fd_->fd() : -1; }

 private:
  std::unique_ptr<FdReader> fd_;
  bool mappable_;
};

/// Inflates gzip data, including several concatenated gzip members.
class GzipInput final : public InputSource {
 public:
  GzipInput(std::unique_ptr<FdReader> fd, std::string name, uint64_t size)
      : fd_(std::move(fd)), in_(1 << 18) {
    name_ = std::move(name);
    size_hint_ = size;
    std::memset(&zs_, 0, sizeof zs_);
    ok_ = inflateInit2(&zs_, 15 + 16) == Z_OK;
  }
  ~GzipInput() override { inflateEnd(&zs_); }

  Status read(char* buf, size_t n, size_t* got) override {
    *got = 0;
    if (!ok_) return Status::io_error(name_ + ": cannot initialise zlib");
    if (done_) return Status();
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    while (zs_.avail_out > 0) {
      if (zs_.avail_in == 0) {
        ssize_t r = fd_->read(in_.data(), in_.size());
        if (r < 0) return Status::io_error(errno_message(name_, errno));
        if (r == 0) {
          if (in_member_) warning_ = name_ + ": gzip data ends early (the file is truncated); "
                                             "what was decompressed so far is analysed";
          done_ = true;
          break;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
        zs_.avail_in = static_cast<uInt>(r);
      }
      if (!in_member_ && members_ > 0) {
        // Zero bytes after a complete member are padding (tape blocks,
        // preallocated files), which gzip also accepts: skip them.
        while (zs_.avail_in > 0 && *zs_.next_in == 0) {
          ++zs_.next_in;
          --zs_.avail_in;
          padded_ = true;
        }
        if (zs_.avail_in == 0) continue;
        if (padded_) {
          return Status::io_error(name_ + ": corrupt gzip data (bytes other than zeros after "
                                          "the zero padding that follows the last member)");
        }
      }
      in_member_ = true;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        ++members_;
        inflateReset(&zs_);  // another gzip member may follow
        continue;
      }
      if (rc == Z_BUF_ERROR) continue;  // needs more input
      if (rc != Z_OK) {
        return Status::io_error(name_ + ": corrupt gzip data (" +
                                (zs_.msg ? std::string(zs_.msg) : std::to_string(rc)) + ")");
      }
    }
    *got = static_cast<size_t>(reinterpret_cast<char*>(zs_.next_out) - buf);
    return Status();
  }
  uint64_t raw_bytes_consumed() const override { return fd_->consumed() - zs_.avail_in; }
  bool compressed() const override { return true; }
  std::string warning() const override { return warning_; }

 private:
  std::unique_ptr<FdReader> fd_;
  std::vector<char> in_;
  z_stream zs_;
  bool ok_ = false;
  bool done_ = false;
  bool in_member_ = false;
  uint64_t members_ = 0;  // complete gzip members so far
  bool padded_ = false;   // zero bytes seen after a member: only zeros may follow
  std::string warning_;
};

class MemoryInput final : public InputSource {
 public:
  MemoryInput(std::string data, std::string name, size_t max_read)
      : data_(std::move(data)), max_read_(max_read == 0 ? 1 : max_read) {
    name_ = std::move(name);
    size_hint_ = data_.size();
  }
  Status read(char* buf, size_t n, size_t* got) override {
    const size_t k = std::min({n, max_read_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    *got = k;
    return Status();
  }
  uint64_t raw_bytes_consumed() const override { return pos_; }
  bool compressed() const override { return false; }

 private:
  std::string data_;
  size_t max_read_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<InputSource> make_memory_input(std::string data, std::string name,
                                               size_t max_read) {
  return std::make_unique<MemoryInput>(std::move(data), std::move(name), max_read);
}

Status InputSource::open(const std::string& path, std::unique_ptr<InputSource>* out) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "<stdin>" : path;
  int fd = 0;
  if (!is_stdin) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::io_error(errno_message(name, errno));
  }
  auto reader = std::make_unique<FdReader>(fd, !is_stdin);
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::io_error(errno_message(name, errno));
  if (S_ISDIR(st.st_mode)) return Status::io_error(errno_message(name, EISDIR));
  uint64_t size = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  if (S_ISREG(st.st_mode)) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (!reader->peek(2)) return Status::io_error(errno_message(name, errno));
  const auto& head = reader->peeked();
  if (head.size() == 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
      static_cast<unsigned char>(head[1]) == 0x8b) {
    *out = std::make_unique<GzipInput>(std::move(reader), name, size);
  } else {
    // Standard input may start anywhere in a file, so only named files are
    // mapped.
    const bool mappable = !is_stdin && S_ISREG(st.st_mode) && size > 0;
    *out = std::make_unique<PlainInput>(std::move(reader), name, size, mappable);
  }
  return Status();
}

}  // namespace heapdump
