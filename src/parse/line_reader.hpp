// Cuts a byte stream into lines, reading it in bounded chunks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "heapdump/input.hpp"
#include "heapdump/status.hpp"

namespace heapdump {

/// Bytes that stay readable (allocated) after the end of every line handed out,
/// so a SIMD parser may read past it.
inline constexpr size_t kLinePadding = 64;

struct Line {
  std::string_view text;  ///< without the '\n'
  uint64_t number = 0;    ///< 1-based
  uint64_t offset = 0;    ///< byte offset of text[0] in the stream
  bool terminated = true; ///< false for a last line with no '\n'
};

/// Reads an InputSource chunk by chunk and hands out one line at a time.
/// Lines have no length limit: the buffer grows to hold the longest line,
/// and memory otherwise stays at about one chunk.
/// A returned Line is valid until the next call to next().
class LineReader {
 public:
  explicit LineReader(InputSource& input, size_t chunk_size = size_t{4} << 20);

  /// Fills *line and returns true, or returns false at the end of the input
  /// or on a read error (then status() is not ok).
  bool next(Line* line);
  const Status& status() const { return status_; }
  /// Size of the largest buffer used so far (for tests of bounded memory).
  size_t buffer_capacity() const { return buf_.size() - kLinePadding; }

 private:
  bool fill();

  InputSource& input_;
  std::vector<char> buf_;
  size_t begin_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // end of valid data
  size_t scan_ = 0;   // where to resume searching for '\n'
  bool eof_ = false;
  uint64_t line_number_ = 0;
  uint64_t offset_ = 0;  // stream offset of buf_[begin_]
  Status status_;
};

}  // namespace heapdump
