#include "heapdump/input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#if HEAPDUMP_HAVE_ISAL
#include <isa-l.h>
#include <isa-l/igzip_lib.h>
#endif

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <vector>

namespace heapdump {
namespace {

std::string errno_message(const std::string& name, int err) {
  return name + ": " + std::strerror(err);
}

/// Raw bytes of the input (a file descriptor or memory), with the first
/// few peeked at to recognise a compression format.
class RawReader {
 public:
  virtual ~RawReader() = default;
  RawReader() = default;
  RawReader(const RawReader&) = delete;
  RawReader& operator=(const RawReader&) = delete;

  /// Reads at most n bytes, first from the peeked bytes. Returns -1 on error (errno set).
  ssize_t read(char* buf, size_t n) {
    if (peek_pos_ < peeked_.size()) {
      size_t k = std::min(n, peeked_.size() - peek_pos_);
      std::memcpy(buf, peeked_.data() + peek_pos_, k);
      peek_pos_ += k;
      consumed_ += k;
      return static_cast<ssize_t>(k);
    }
    ssize_t r = read_raw(buf, n);
    if (r > 0) consumed_ += static_cast<uint64_t>(r);
    return r;
  }

  /// Reads n bytes, fewer only at the end of the input; -1 on error (errno
  /// set). The decoders read through this: the pieces they are given, and
  /// so where a truncated stream stops decoding (ISA-L decodes the last few
  /// bits of a cut stream differently in different pieces), do not depend
  /// on how the file, pipe or memory hands its bytes out.
  ssize_t read_full(char* buf, size_t n) {
    size_t have = 0;
    while (have < n) {
      const ssize_t r = read(buf + have, n - have);
      if (r < 0) return -1;
      if (r == 0) break;
      have += static_cast<size_t>(r);
    }
    return static_cast<ssize_t>(have);
  }

  /// Reads up to n bytes ahead without consuming them. Returns false on error.
  bool peek(size_t n) {
    peeked_.resize(n);
    size_t have = 0;
    while (have < n) {
      ssize_t r = read_raw(peeked_.data() + have, n - have);
      if (r < 0) return false;
      if (r == 0) break;
      have += static_cast<size_t>(r);
    }
    peeked_.resize(have);
    return true;
  }
  const std::vector<char>& peeked() const { return peeked_; }
  uint64_t consumed() const { return consumed_; }

  /// Reads at most n bytes at `offset` of a file, without moving read()'s
  /// position; -1 on error (errno set: ESPIPE where there is no file).
  virtual ssize_t read_at(char* buf, size_t n, uint64_t offset) {
    (void)buf, (void)n, (void)offset;
    errno = ESPIPE;
    return -1;
  }

 protected:
  /// Reads at most n bytes past the peeked ones; -1 on error (errno set).
  virtual ssize_t read_raw(char* buf, size_t n) = 0;

 private:
  std::vector<char> peeked_;
  size_t peek_pos_ = 0;
  uint64_t consumed_ = 0;
};

/// Owns a file descriptor (unless it is standard input).
class FdReader final : public RawReader {
 public:
  FdReader(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdReader() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  ssize_t read_at(char* buf, size_t n, uint64_t offset) override {
    for (;;) {
      ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (r < 0 && errno == EINTR) continue;
      return r;
    }
  }
 protected:
  ssize_t read_raw(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r < 0 && errno == EINTR) continue;
      return r;
    }
  }

 private:
  int fd_;
  bool owned_;
};

/// Bytes in memory, handed out at most `max_read` at a time.
class MemoryReader final : public RawReader {
 public:
  MemoryReader(std::string data, size_t max_read)
      : data_(std::move(data)), max_read_(max_read == 0 ? 1 : max_read) {}

 protected:
  ssize_t read_raw(char* buf, size_t n) override {
    const size_t k = std::min({n, max_read_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return static_cast<ssize_t>(k);
  }

 private:
  std::string data_;
  size_t max_read_;
  size_t pos_ = 0;
};

class PlainInput final : public InputSource {
 public:
  /// `regular_file`: a regular file opened by name, so its bytes are at
  /// offsets 0 to `size`.
  PlainInput(std::unique_ptr<RawReader> raw, std::string name, uint64_t size, bool regular_file)
      : raw_(std::move(raw)), regular_file_(regular_file) {
    name_ = std::move(name);
    size_hint_ = size;
  }
  Status read(char* buf, size_t n, size_t* got) override {
    ssize_t r = raw_->read(buf, n);
    if (r < 0) return Status::io_error(errno_message(name_, errno));
    *got = static_cast<size_t>(r);
    return Status();
  }
  uint64_t raw_bytes_consumed() const override { return raw_->consumed(); }
  bool compressed() const override { return false; }
  bool regular_file() const override { return regular_file_; }
  Status read_at(uint64_t offset, char* buf, size_t n) const override {
    if (!regular_file_) return InputSource::read_at(offset, buf, n);
    size_t have = 0;
    while (have < n) {
      const ssize_t r = raw_->read_at(buf + have, n - have, offset + have);
      if (r < 0) return Status::io_error(errno_message(name_, errno));
      if (r == 0) {
        return Status::io_error(name_ + ": the file got shorter after it was read; read it again "
                                "once it is complete");
      }
      have += static_cast<size_t>(r);
    }
    return Status();
  }

 private:
  std::unique_ptr<RawReader> raw_;
  bool regular_file_;
};

/// Compressed bytes read ahead of the decoder.
constexpr size_t kCompressedBuffer = size_t{1} << 18;

/// The largest output one decoder call is given (the libraries count in 32 bits).
constexpr size_t kMostOut = size_t{1} << 30;

std::string truncated_warning(const std::string& name, const char* format) {
  return name + ": " + format + " data ends early (the file is truncated); " +
         "what was decompressed so far is analysed";
}

/// Where a gzip stream stands between members: zero bytes after a complete
/// member are padding (tape blocks, preallocated files), which gzip also
/// accepts, and once they start only zeros may follow.
class GzipMembers {
 public:
  /// Call before decoding from [*next, *next + *avail) when no member is
  /// open: skips padding. Returns false if what follows padding is not a
  /// zero (corrupt); *avail may then be 0 (read more).
  bool skip_padding(const uint8_t** next, uint32_t* avail) {
    if (members_ == 0) return true;
    while (*avail > 0 && **next == 0) {
      ++*next;
      --*avail;
      padded_ = true;
    }
    return *avail == 0 || !padded_;
  }
  void member_done() { ++members_; }

 private:
  uint64_t members_ = 0;  // complete gzip members so far
  bool padded_ = false;   // zero bytes seen after a member: only zeros may follow
};

Status corrupt_gzip(const std::string& name, const std::string& why) {
  return Status::io_error(name + ": corrupt gzip data (" + why + ")");
}

constexpr const char* kBadPadding = "bytes other than zeros after the zero padding that follows "
                                    "the last member";

/// The input and output windows of one inflate call.
struct InflateWindow {
  const uint8_t* next_in = nullptr;
  uint32_t avail_in = 0;
  uint8_t* next_out = nullptr;
  uint32_t avail_out = 0;
};

enum class InflateResult { kOk, kMemberEnd, kError };

#if HEAPDUMP_HAVE_ISAL
/// One gzip member at a time with ISA-L (header, CRC and length checked).
class Inflater {
 public:
  Inflater() {
    isal_inflate_init(&st_);
    st_.crc_flag = ISAL_GZIP;
  }
  bool ready() const { return true; }

  /// Decodes what it can. kMemberEnd: the member and its trailer are done,
  /// the bytes after it are left in the window and the next call starts a
  /// new member. kError: *why says what is wrong.
  InflateResult run(InflateWindow* w, std::string* why) {
    st_.next_in = const_cast<uint8_t*>(w->next_in);
    st_.avail_in = w->avail_in;
    st_.next_out = w->next_out;
    st_.avail_out = w->avail_out;
    const int rc = isal_inflate(&st_);
    w->next_in = st_.next_in;
    w->avail_in = st_.avail_in;
    w->next_out = st_.next_out;
    w->avail_out = st_.avail_out;
    if (rc != ISAL_DECOMP_OK) {
      *why = reason(rc);
      return InflateResult::kError;
    }
    if (st_.block_state != ISAL_BLOCK_FINISH) return InflateResult::kOk;
    isal_inflate_reset(&st_);  // keeps crc_flag
    return InflateResult::kMemberEnd;
  }

 private:
  static std::string reason(int rc) {
    switch (rc) {
      case ISAL_INVALID_BLOCK: return "invalid block type";
      case ISAL_INVALID_SYMBOL: return "invalid code";
      case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
      case ISAL_INVALID_WRAPPER: return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
      case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
      case ISAL_NEED_DICT: return "needs a preset dictionary";
      default: return "ISA-L error " + std::to_string(rc);
    }
  }

  inflate_state st_;
};
#else
/// One gzip member at a time with zlib (when built without ISA-L).
class Inflater {
 public:
  Inflater() { ready_ = inflateInit2(&zs_, 15 + 16) == Z_OK; }
  ~Inflater() {
    if (ready_) inflateEnd(&zs_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  bool ready() const { return ready_; }

  /// As the ISA-L Inflater::run above.
  InflateResult run(InflateWindow* w, std::string* why) {
    zs_.next_in = const_cast<Bytef*>(w->next_in);
    zs_.avail_in = w->avail_in;
    zs_.next_out = w->next_out;
    zs_.avail_out = w->avail_out;
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    w->next_in = zs_.next_in;
    w->avail_in = zs_.avail_in;
    w->next_out = zs_.next_out;
    w->avail_out = zs_.avail_out;
    if (rc == Z_STREAM_END) {
      inflateReset(&zs_);
      return InflateResult::kMemberEnd;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) return InflateResult::kOk;  // Z_BUF_ERROR: no progress
    *why = zs_.msg != nullptr ? std::string(zs_.msg) : std::to_string(rc);
    return InflateResult::kError;
  }

 private:
  z_stream zs_{};
  bool ready_ = false;
};
#endif

/// Inflates gzip data, including several concatenated gzip members.
class GzipInput final : public InputSource {
 public:
  GzipInput(std::unique_ptr<RawReader> raw, std::string name, uint64_t size)
      : raw_(std::move(raw)), in_(kCompressedBuffer) {
    name_ = std::move(name);
    size_hint_ = size;
  }

  Status read(char* buf, size_t n, size_t* got) override {
    *got = 0;
    if (!inflater_.ready()) return Status::io_error(name_ + ": cannot initialise zlib");
    if (done_) return Status();
    w_.next_out = reinterpret_cast<uint8_t*>(buf);
    w_.avail_out = static_cast<uint32_t>(std::min(n, kMostOut));
    while (w_.avail_out > 0) {
      if (w_.avail_in == 0 && !input_ended_) {
        ssize_t r = raw_->read_full(in_.data(), in_.size());
        if (r < 0) return Status::io_error(errno_message(name_, errno));
        input_ended_ = r == 0;
        w_.next_in = reinterpret_cast<const uint8_t*>(in_.data());
        w_.avail_in = static_cast<uint32_t>(r);
      }
      if (!in_member_) {
        if (w_.avail_in == 0 && input_ended_) {
          done_ = true;
          break;
        }
        if (!members_.skip_padding(&w_.next_in, &w_.avail_in)) {
          return corrupt_gzip(name_, kBadPadding);
        }
        if (w_.avail_in == 0) continue;
        in_member_ = true;
      }
      // Once the input has ended, the decoder is still called: it may hold
      // decoded bytes it has not handed over (ISA-L keeps them in its own
      // buffer, zlib a match it could not finish copying), and they come out
      // before the end.
      const uint32_t in_before = w_.avail_in, out_before = w_.avail_out;
      std::string why;
      const InflateResult result = inflater_.run(&w_, &why);
      if (result == InflateResult::kError) return corrupt_gzip(name_, why);
      if (result == InflateResult::kMemberEnd) {
        in_member_ = false;  // another member may follow
        members_.member_done();
        continue;
      }
      if (w_.avail_in == in_before && w_.avail_out == out_before) {
        if (!input_ended_) {
          return corrupt_gzip(name_, "the decoder made no progress");  // never seen; no endless loop
        }
        warning_ = truncated_warning(name_, "gzip");  // the input ended inside a member
        done_ = true;
        break;
      }
    }
    *got = static_cast<size_t>(reinterpret_cast<char*>(w_.next_out) - buf);
    return Status();
  }
  uint64_t raw_bytes_consumed() const override { return raw_->consumed() - w_.avail_in; }
  bool compressed() const override { return true; }
  std::string warning() const override { return warning_; }

 private:
  std::unique_ptr<RawReader> raw_;
  std::vector<char> in_;
  Inflater inflater_;
  InflateWindow w_;
  bool done_ = false;
  bool input_ended_ = false;  // the raw reader returned 0
  bool in_member_ = false;
  GzipMembers members_;
  std::string warning_;
};

/// Decompresses zstd data: several concatenated frames, skippable frames
/// skipped.
class ZstdInput final : public InputSource {
 public:
  ZstdInput(std::unique_ptr<RawReader> raw, std::string name, uint64_t size)
      : raw_(std::move(raw)), in_(kCompressedBuffer), ds_(ZSTD_createDStream()) {
    name_ = std::move(name);
    size_hint_ = size;
  }
  ~ZstdInput() override { ZSTD_freeDStream(ds_); }

  Status read(char* buf, size_t n, size_t* got) override {
    *got = 0;
    if (ds_ == nullptr) return Status::io_error(name_ + ": cannot initialise zstd");
    if (done_) return Status();
    ZSTD_outBuffer out{buf, std::min(n, kMostOut), 0};
    while (out.pos < out.size) {
      if (in_pos_ == in_size_) {
        ssize_t r = raw_->read_full(in_.data(), in_.size());
        if (r < 0) return Status::io_error(errno_message(name_, errno));
        if (r == 0) {
          // The input has ended, but the decoder may still hold output it
          // could not give when `out` was full: take it before ending.
          // (Not after a frame that ended: the decoder holds nothing then.)
          ZSTD_inBuffer none{in_.data(), 0, 0};
          size_t before;
          while (in_frame_) {
            before = out.pos;
            const size_t rc = ZSTD_decompressStream(ds_, &out, &none);
            if (ZSTD_isError(rc)) {
              return Status::io_error(name_ + ": corrupt zstd data (" + ZSTD_getErrorName(rc) + ")");
            }
            in_frame_ = rc != 0;
            if (out.pos == before || out.pos == out.size) break;
          }
          if (out.pos == out.size) break;  // full: the next read() takes the rest
          if (in_frame_) warning_ = truncated_warning(name_, "zstd");
          done_ = true;
          break;
        }
        in_pos_ = 0;
        in_size_ = static_cast<size_t>(r);
      }
      ZSTD_inBuffer in{in_.data(), in_size_, in_pos_};
      const size_t rc = ZSTD_decompressStream(ds_, &out, &in);
      in_pos_ = in.pos;
      if (ZSTD_isError(rc)) {
        return Status::io_error(name_ + ": corrupt zstd data (" + ZSTD_getErrorName(rc) + ")");
      }
      // 0: a frame is complete and flushed; the next call starts another.
      in_frame_ = rc != 0;
    }
    *got = out.pos;
    return Status();
  }
  uint64_t raw_bytes_consumed() const override { return raw_->consumed() - (in_size_ - in_pos_); }
  bool compressed() const override { return true; }
  std::string warning() const override { return warning_; }

 private:
  std::unique_ptr<RawReader> raw_;
  std::vector<char> in_;
  size_t in_pos_ = 0, in_size_ = 0;
  ZSTD_DStream* ds_;
  bool done_ = false;
  bool in_frame_ = false;  // a frame has started and not ended
  std::string warning_;
};

enum class Format { kPlain, kGzip, kZstd };

/// The compression format, from the first bytes.
Format detect(const std::vector<char>& head) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  if (head.size() >= 2 && byte(0) == 0x1f && byte(1) == 0x8b) return Format::kGzip;
  if (head.size() >= 4 && byte(0) == 0x28 && byte(1) == 0xb5 && byte(2) == 0x2f &&
      byte(3) == 0xfd) {
    return Format::kZstd;
  }
  // A zstd skippable frame (magic 0x184D2A50 to 0x184D2A5F, little-endian)
  // may come first.
  if (head.size() >= 4 && (byte(0) & 0xf0) == 0x50 && byte(1) == 0x2a && byte(2) == 0x4d &&
      byte(3) == 0x18) {
    return Format::kZstd;
  }
  return Format::kPlain;
}

/// The decoder for `raw`'s format (peeking at its first bytes), or an error.
Status open_decoder(std::unique_ptr<RawReader> raw, const std::string& name, uint64_t size,
                    bool regular_file, std::unique_ptr<InputSource>* out) {
  if (!raw->peek(4)) return Status::io_error(errno_message(name, errno));
  switch (detect(raw->peeked())) {
    case Format::kGzip:
      *out = std::make_unique<GzipInput>(std::move(raw), name, size);
      break;
    case Format::kZstd:
      *out = std::make_unique<ZstdInput>(std::move(raw), name, size);
      break;
    case Format::kPlain:
      *out = std::make_unique<PlainInput>(std::move(raw), name, size, regular_file);
      break;
  }
  return Status();
}

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

Status InputSource::read_at(uint64_t offset, char* buf, size_t n) const {
  (void)offset, (void)buf, (void)n;
  return Status::io_error(name_ + ": only a regular file opened by name can be read again");
}

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
  // Standard input may start anywhere in a file, so only a named file is
  // known to hold `size` bytes of input.
  const bool regular_file = !is_stdin && S_ISREG(st.st_mode) && size > 0;
  return open_decoder(std::move(reader), name, size, regular_file, out);
}

Status open_memory_input(std::string data, std::string name, size_t max_read,
                         std::unique_ptr<InputSource>* out) {
  const uint64_t size = data.size();
  return open_decoder(std::make_unique<MemoryReader>(std::move(data), max_read), name, size, false,
                      out);
}

std::string decompressor_versions() {
#if HEAPDUMP_HAVE_ISAL
  std::string gzip = "gzip: isal " + std::to_string(ISAL_MAJOR_VERSION) + "." +
                     std::to_string(ISAL_MINOR_VERSION) + "." + std::to_string(ISAL_PATCH_VERSION);
#else
  std::string gzip = std::string("gzip: zlib ") + zlibVersion();
#endif
  return gzip + "\nzstd: libzstd " + ZSTD_versionString();
}

}  // namespace heapdump
