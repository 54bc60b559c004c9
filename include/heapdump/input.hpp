// Byte sources for dumps: plain files, stdin ("-"), gzip and zstd (by magic bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "heapdump/status.hpp"

namespace heapdump {

/// A readable stream of dump bytes, already decompressed.
class InputSource {
 public:
  virtual ~InputSource() = default;

  /// Opens PATH ("-" means standard input). gzip and zstd data are
  /// recognised by their magic bytes, not by the file name, and decompressed
  /// on the fly (gzip: several members, zero padding after the last; zstd:
  /// several frames, skippable frames). A stream that ends early is not an
  /// error: what was decompressed is read, and warning() says so.
  /// Directories and unreadable files fail with "PATH: <reason>".
  static Status open(const std::string& path, std::unique_ptr<InputSource>* out);

  /// Reads up to n bytes into buf. *got == 0 means end of input.
  virtual Status read(char* buf, size_t n, size_t* got) = 0;

  /// Name for messages: the path, or "<stdin>".
  const std::string& name() const { return name_; }
  /// Bytes of the underlying file (compressed size if compressed), 0 if unknown.
  uint64_t size_hint() const { return size_hint_; }
  /// Bytes consumed from the underlying file so far (for progress).
  virtual uint64_t raw_bytes_consumed() const = 0;
  /// True if the bytes are being decompressed.
  virtual bool compressed() const = 0;
  /// A warning to show after reading (for example a truncated gzip or zstd
  /// stream), or "".
  virtual std::string warning() const { return {}; }
  /// True if this input's bytes are those of a regular file opened by name,
  /// from offset 0 to size_hint() (its size when opened), so that reading
  /// fewer means the file got shorter meanwhile; false for standard input,
  /// compressed input and memory.
  virtual bool regular_file() const { return false; }
  /// For a regular_file(): reads the `n` bytes at `offset` into `buf`
  /// (pread: read()'s position does not move), an error if the file no
  /// longer has them. Any other input: an error.
  virtual Status read_at(uint64_t offset, char* buf, size_t n) const;

 protected:
  std::string name_;
  uint64_t size_hint_ = 0;
};

/// An InputSource over bytes in memory (tests, fuzzing). Each read() returns
/// at most `max_read` bytes, to exercise short reads. gzip is not detected.
std::unique_ptr<InputSource> make_memory_input(std::string data, std::string name = "<memory>",
                                               size_t max_read = SIZE_MAX);

/// Like InputSource::open() over bytes in memory (tests, fuzzing): gzip and
/// zstd are detected and decompressed; the compressed bytes are read at most
/// `max_read` at a time.
Status open_memory_input(std::string data, std::string name, size_t max_read,
                         std::unique_ptr<InputSource>* out);

/// The decompressors built in, one per line: "gzip: isal 2.30.0" (or
/// "gzip: zlib 1.2.13" when built without ISA-L) and "zstd: libzstd 1.5.4".
std::string decompressor_versions();

}  // namespace heapdump
