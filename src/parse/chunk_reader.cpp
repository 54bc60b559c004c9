#include "parse/chunk_reader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace heapdump {
namespace {

/// Bytes a window maps beyond the chunk size, so the line that crosses it
/// usually ends inside the window.
constexpr size_t kSlack = size_t{64} << 10;

/// What must_skip() returns for a line over the limit (whose reason needs
/// its whole length, known once it was read through).
constexpr const char* kTooLong = "\x01too long";

}  // namespace

std::string line_too_long_reason(uint64_t length, uint64_t max) {
  return "a line of " + std::to_string(length) + " bytes, longer than --max-line-bytes (" +
         std::to_string(max) + ")";
}

ChunkReader::ChunkReader(InputSource& input, size_t chunk_size, Mode mode,
                         uint64_t max_line_bytes)
    : input_(input),
      chunk_size_(std::max<size_t>(chunk_size, 1)),
      // At least 1; and the buffer for a line of this size must be addressable.
      max_line_bytes_(std::clamp<uint64_t>(max_line_bytes, 1, uint64_t{1} << 60)) {
  regular_file_ = input.mappable_fd() >= 0;
  if (regular_file_) map_size_ = input.size_hint();
  if (mode == Mode::kMapIfPossible && regular_file_) {
    map_fd_ = input.mappable_fd();
    past_end_at_start_ = MappedWindow::reads_past_end();
  }
}

std::string not_an_object_reason(unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("not a JSON object: a long line that starts with byte 0x") + kHex[byte >> 4] +
         kHex[byte & 15] + " (not '{'), skipped without keeping it in memory";
}

int first_content_byte(const char* p, size_t n, uint64_t offset) {
  size_t i = 0;
  if (offset == 0 && n >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;  // BOM
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) ++i;
  return i < n ? static_cast<unsigned char>(p[i]) : -1;
}

std::string ChunkReader::must_skip(const char* p, size_t size, uint64_t offset) const {
  // (Called only with size >= chunk_size_: the rule of not_an_object_reason.)
  const int first = first_content_byte(p, size, offset);
  if (first >= 0 && first != '{') return not_an_object_reason(static_cast<unsigned char>(first));
  if (size > max_line_bytes_) return kTooLong;
  return {};
}

bool ChunkReader::skip_line(Chunk* chunk, uint64_t seen, std::string reason) {
  ByteBuffer& buf = chunk->buffer;
  if (buf.size() < chunk_size_ + kChunkPadding) buf.resize(chunk_size_ + kChunkPadding);
  const size_t capacity = buf.size() - kChunkPadding;
  uint64_t length = seen;
  bool terminated = false;
  for (;;) {
    size_t got = 0;
    if (mapping()) {
      const uint64_t at = offset_ + length;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(capacity, map_size_ - at));
      if (want == 0) break;  // the end of the file
      ssize_t n;
      do {
        n = ::pread(map_fd_, buf.data(), want, static_cast<off_t>(at));
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        status_ = Status::io_error(input_.name() + ": " + std::strerror(errno));
        return false;
      }
      if (n == 0) {
        status_ = shrank();
        return false;
      }
      got = static_cast<size_t>(n);
    } else {
      Status s = input_.read(buf.data(), capacity, &got);
      if (!s.ok()) {
        status_ = s;
        return false;
      }
      if (got == 0) {
        eof_ = true;
        break;
      }
    }
    const void* nl = std::memchr(buf.data(), '\n', got);
    if (nl != nullptr) {
      const size_t k = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
      length += k;
      terminated = true;
      // Copied: what follows the newline starts the next chunk.
      if (!mapping()) carry_.assign(buf.data() + k + 1, buf.data() + got);
      break;
    }
    length += got;
  }
  if (reason == kTooLong) reason = line_too_long_reason(length, max_line_bytes_);
  chunk->skipped = {true, offset_, length, terminated, std::move(reason)};
  offset_ += length + (terminated ? 1 : 0);
  return hand_out(chunk, 0);
}

bool ChunkReader::next(Chunk* chunk) {
  chunk->window.reset();
  chunk->skipped.present = false;
  if (!status_.ok()) return false;
  if (mapping()) return next_mapped(chunk);
  ByteBuffer& buf = chunk->buffer;
  if (buf.size() > 2 * chunk_size_ + kChunkPadding) buf.release();  // grew for a huge line
  size_t capacity = std::max(chunk_size_, carry_.size() + 1);
  if (buf.size() < capacity + kChunkPadding) buf.resize(capacity + kChunkPadding);
  capacity = buf.size() - kChunkPadding;
  size_t size = carry_.size();
  if (size > 0) std::memcpy(buf.data(), carry_.data(), size);  // carry_.data() may be null
  carry_.clear();
  if (carry_.capacity() > chunk_size_) carry_.shrink_to_fit();

  size_t cut = 0;  // bytes up to and including the last newline
  size_t scanned = 0;
  for (;;) {
    // Look for the last newline in what has arrived since the last look.
    if (size > scanned) {
      const void* nl = ::memrchr(buf.data() + scanned, '\n', size - scanned);
      if (nl != nullptr) cut = static_cast<size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
    }
    scanned = size;
    if (eof_) break;
    if (size == capacity) {
      if (cut > 0) break;
      // One line fills the whole buffer: skip it if it cannot be a record
      // or is over the limit, or else grow the buffer (by half, to limit
      // the memory a very long line takes; at most to the limit + 1 byte).
      std::string why = must_skip(buf.data(), size, offset_);
      if (!why.empty()) return skip_line(chunk, size, std::move(why));
      const uint64_t grown = std::min<uint64_t>(
          capacity + std::max<size_t>(capacity / 2, 4096), max_line_bytes_ + 1);
      buf.resize(static_cast<size_t>(grown) + kChunkPadding);
      capacity = buf.size() - kChunkPadding;
    }
    size_t got = 0;
    Status s = input_.read(buf.data() + size, capacity - size, &got);
    if (!s.ok()) {
      status_ = s;
      return false;
    }
    if (got == 0) {
      eof_ = true;
    } else {
      size += got;
    }
  }
  if (size == 0) return false;
  if (!eof_ || cut == size) {
    // Keep the partial last line for the next chunk.
    carry_.assign(buf.data() + cut, buf.data() + size);
    size = cut;
  }
  return hand_out(chunk, size);
}

bool ChunkReader::hand_out(Chunk* chunk, size_t size) {
  chunk->size = size;
  chunk->offset = offset_;
  chunk->index = index_++;
  offset_ += size;
  return true;
}

bool ChunkReader::next_mapped(Chunk* chunk) {
  chunk->skipped.present = false;
  if (offset_ >= map_size_) return false;
  // The chunk ends at the first newline at or after chunk_size_ bytes, and
  // the window must go on for kChunkPadding bytes after it. Bytes past the
  // file's end are not all readable in a mapping, so the last piece of the
  // file is copied instead.
  size_t want = chunk_size_;
  for (;;) {
    const size_t length = want + kSlack + kChunkPadding;
    if (length > map_size_ - offset_ || !chunk->window.map(map_fd_, offset_, length)) {
      return copy_piece(chunk);
    }
    const char* data = chunk->window.data();
    const void* nl = std::memchr(data + want - 1, '\n', kSlack + 1);
    if (nl != nullptr) {
      return hand_out(chunk, static_cast<size_t>(static_cast<const char*>(nl) - data) + 1);
    }
    // A line longer than the slack. The lines before it make this chunk;
    // the next one starts with it.
    if (want > 1) {
      const void* last = ::memrchr(data, '\n', want - 1);
      if (last != nullptr) {
        return hand_out(chunk, static_cast<size_t>(static_cast<const char*>(last) - data) + 1);
      }
    }
    // It starts the window and has want + kSlack bytes or more: skip it, or
    // map a bigger window (up to the limit).
    std::string why = must_skip(data, want + kSlack, offset_);
    chunk->window.reset();
    if (!why.empty()) return skip_line(chunk, want + kSlack, std::move(why));
    // (must_skip checked want + kSlack <= max_line_bytes_.)
    want = static_cast<size_t>(
        std::min<uint64_t>(want + want / 2 + kSlack, max_line_bytes_ + 1 - kSlack));
  }
}

bool ChunkReader::copy_piece(Chunk* chunk) {
  ByteBuffer& buf = chunk->buffer;
  size_t size = 0;
  size_t cut = 0;
  for (;;) {
    const uint64_t left = map_size_ - offset_ - size;
    if (left == 0) {
      cut = size;  // the end of the file (maybe without a newline)
      break;
    }
    const size_t most = std::max(chunk_size_, size / 2) + kSlack;  // grows by half for a long line
    size_t step = static_cast<size_t>(std::min<uint64_t>(left, most));
    // Up to a point where a line over the limit is seen as one (below).
    const uint64_t cap = std::max<uint64_t>(max_line_bytes_ + 1, chunk_size_ + kSlack);
    if (size < cap) step = static_cast<size_t>(std::min<uint64_t>(step, cap - size));
    if (buf.size() < size + step + kChunkPadding) buf.resize(size + step + kChunkPadding);
    ssize_t got;
    do {
      got = ::pread(map_fd_, buf.data() + size, step, static_cast<off_t>(offset_ + size));
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      status_ = Status::io_error(input_.name() + ": " + std::strerror(errno));
      return false;
    }
    if (got == 0) {  // shorter than when it was opened
      status_ = shrank();
      return false;
    }
    // Cut at the first newline at or after chunk_size_ bytes.
    const size_t from = std::max(size, chunk_size_ - 1);
    size += static_cast<size_t>(got);
    if (from < size) {
      const void* nl = std::memchr(buf.data() + from, '\n', size - from);
      if (nl != nullptr) {
        cut = static_cast<size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
        break;
      }
    }
    if (size >= chunk_size_ + kSlack) {
      // A long line crosses the chunk size: the lines before it make this
      // chunk; if it starts the chunk, skip it or read on (as next_mapped).
      if (chunk_size_ > 1) {
        const void* last = ::memrchr(buf.data(), '\n', chunk_size_ - 1);
        if (last != nullptr) {
          cut = static_cast<size_t>(static_cast<const char*>(last) - buf.data()) + 1;
          break;
        }
      }
      std::string why = must_skip(buf.data(), size, offset_);
      if (!why.empty()) return skip_line(chunk, size, std::move(why));
    }
  }
  return hand_out(chunk, cut);
}

const Status& ChunkReader::finish() {
  if (!status_.ok() || !regular_file_) return status_;
  if (!mapping()) {
    // Copied: the whole file was read when the bytes add up to its size.
    if (offset_ < map_size_) status_ = shrank();
    return status_;
  }
  struct stat st;
  const bool shorter = ::fstat(map_fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) < map_size_;
  if (shorter || MappedWindow::reads_past_end() != past_end_at_start_) status_ = shrank();
  return status_;
}

Status ChunkReader::shrank() const {
  return Status::io_error(input_.name() + ": the file got shorter while it was being read (it had " +
                          std::to_string(map_size_) +
                          " bytes when opened); read it again once it is complete");
}

}  // namespace heapdump
