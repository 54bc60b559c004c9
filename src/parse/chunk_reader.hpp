// Cuts a byte stream into chunks that end at a newline.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analyze/huge_page_allocator.hpp"
#include "heapdump/input.hpp"
#include "heapdump/reader.hpp"
#include "heapdump/status.hpp"

namespace heapdump {

/// Bytes that stay readable (allocated) after the end of every chunk, so a
/// SIMD parser may read past the end of any line in it.
inline constexpr size_t kChunkPadding = 64;

/// A growable byte buffer that never zero-fills: pages that are not written
/// are not resident, and growing a large one remaps instead of copying. Its
/// first allocation comes from HugePageAllocator (a chunk-sized buffer in
/// huge pages, if the kernel allows); growing it reallocates.
class ByteBuffer {
 public:
  ByteBuffer() = default;
  ~ByteBuffer() { release(); }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  /// Changes the size; new bytes are uninitialised, old ones are kept.
  void resize(size_t n) {
    if (n == size_) return;
    if (data_ == nullptr) {
      data_ = Allocator().allocate(n);
      size_ = n;
      return;
    }
    void* p = std::realloc(data_, n == 0 ? 1 : n);
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
    size_ = n;
  }
  void release() {
    if (data_ != nullptr) Allocator().deallocate(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }

 private:
  using Allocator = HugePageAllocator<char>;  // whose deallocate() is std::free
  char* data_ = nullptr;
  size_t size_ = 0;
};

/// A line the reader skipped without keeping it in memory whole: one longer
/// than the line limit, or one of a chunk's size or more whose first byte
/// other than a blank (and a byte order mark at the start of the input) is
/// not '{' (it cannot be a JSON object). It comes right before the chunk's
/// bytes. The reader (reader.cpp) skips shorter lines by the same two
/// rules with the same reasons, so what is skipped and why does not depend
/// on how the input was cut into chunks.
struct SkippedLongLine {
  bool present = false;
  uint64_t offset = 0;      ///< stream offset of its first byte
  uint64_t length = 0;      ///< its bytes, without the '\n'
  bool terminated = true;   ///< false: it ran to the end of the input
  std::string reason;       ///< why, for the warning
};

/// The reason given for a line of `length` bytes over the limit `max`.
std::string line_too_long_reason(uint64_t length, uint64_t max);
/// The reason given for a line at least a chunk long whose first byte
/// (other than blanks) is `byte`, not '{'.
std::string not_an_object_reason(unsigned char byte);
/// The first byte of the `n` at `p` that is not a blank (' ', '\t', '\r'),
/// nor part of a byte order mark at the start of the input (`offset` 0):
/// 0-255, or -1 if there is none.
int first_content_byte(const char* p, size_t n, uint64_t offset);

/// Whole lines of the input: data() ends right after a '\n', except for the
/// last chunk of an input that does not end with one. The bytes are a copy
/// in `buffer`, and kChunkPadding bytes after them are readable.
struct Chunk {
  ByteBuffer buffer;         ///< the copy: size + kChunkPadding bytes or more
  size_t size = 0;           ///< valid bytes
  uint64_t offset = 0;       ///< stream offset of the first byte
  uint64_t index = 0;        ///< 0, 1, 2, ... in stream order
  SkippedLongLine skipped;   ///< a skipped line just before `offset`, if present
  const char* begin() const { return buffer.data(); }
  std::string_view data() const { return std::string_view(begin(), size); }
};

/// Reads an InputSource into Chunks of about `chunk_size` bytes. A line
/// longer than that makes its chunk bigger, up to `max_line_bytes`; a longer
/// line, or a line longer than a chunk that cannot be a JSON object, is
/// read through to its newline without being kept and handed out as
/// Chunk::skipped (of a chunk with no bytes), so memory stays bounded
/// whatever the input (a run of gigabytes of zeros, /dev/zero).
///
/// Chunks are copied out of the input with InputSource::read() into
/// reused buffers. If a regular file (InputSource::regular_file()) turns out
/// shorter than it was when opened, finish() says so at the end.
class ChunkReader {
 public:
  explicit ChunkReader(InputSource& input, size_t chunk_size = size_t{4} << 20,
                       uint64_t max_line_bytes = kDefaultMaxLineBytes);

  /// Fills *chunk (reusing its buffer) and returns true, or returns false at
  /// the end of the input or on a read error (then status() is not ok).
  bool next(Chunk* chunk);
  const Status& status() const { return status_; }
  /// The final status, once every chunk was read: also an error if a
  /// regular file got shorter while it was read (it ended before the size
  /// it had when opened).
  const Status& finish();
  /// Input bytes consumed so far (of the file, compressed, for gzip).
  uint64_t bytes_consumed() const { return input_.raw_bytes_consumed(); }

 private:
  /// Gives out the next `size` bytes of the input as *chunk (whose bytes
  /// are in place); returns true.
  bool hand_out(Chunk* chunk, size_t size);
  Status shrank() const;
  /// Why the line that starts at stream offset `offset` with the `size`
  /// bytes at `p` (none a newline) must be skipped, or "" if it may grow.
  std::string must_skip(const char* p, size_t size, uint64_t offset) const;
  /// Skips the line at offset_ of which `seen` bytes were seen (they are
  /// gone from the input), reading on to its newline into chunk->buffer a
  /// piece at a time, and hands out an empty chunk with Chunk::skipped set.
  /// False on a read error.
  bool skip_line(Chunk* chunk, uint64_t seen, std::string reason);

  InputSource& input_;
  size_t chunk_size_;
  uint64_t max_line_bytes_;
  std::vector<char> carry_;  // bytes after the last newline of the previous chunk
  bool eof_ = false;
  uint64_t offset_ = 0;
  uint64_t index_ = 0;
  Status status_;
  bool regular_file_ = false;  // the input is a regular file opened by name...
  uint64_t file_size_ = 0;     // ...of this size when opened
};

/// The length of the line that starts at `p`: up to the first '\n' before
/// `end`, or `end`.
inline size_t line_length_of(const char* p, const char* end) {
  const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
  return static_cast<size_t>((nl != nullptr ? static_cast<const char*>(nl) : end) - p);
}

/// Calls fn(line, number, offset, terminated) for each line of a chunk,
/// without its '\n'. `number` counts lines within the chunk, from 1 (the
/// reader turns it into a line number of the file when it reports).
///
/// `line_length(p, end)` gives the length of the line at p: up to the first
/// '\n' before `end`, or `end` (by default line_length_of()).
template <typename Fn, typename LineLength>
void for_each_line(const Chunk& chunk, LineLength&& line_length, Fn&& fn) {
  const char* const begin = chunk.begin();
  const char* p = begin;
  const char* end = p + chunk.size;
  uint64_t number = 1;
  while (p < end) {
    const char* stop = p + line_length(p, end);
    fn(std::string_view(p, static_cast<size_t>(stop - p)), number,
       chunk.offset + static_cast<uint64_t>(p - begin), stop < end);
    ++number;
    p = stop + 1;
  }
}

template <typename Fn>
void for_each_line(const Chunk& chunk, Fn&& fn) {
  for_each_line(chunk, line_length_of, std::forward<Fn>(fn));
}

}  // namespace heapdump
