#include "parse/chunk_reader.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace heapdump {
namespace {

/// What must_skip() returns for a line over the limit (whose reason needs
/// its whole length, known once it was read through).
constexpr const char* kTooLong = "\x01too long";

}  // namespace

std::string line_too_long_reason(uint64_t length, uint64_t max) {
  return "a line of " + std::to_string(length) + " bytes, longer than --max-line-bytes (" +
         std::to_string(max) + ")";
}

ChunkReader::ChunkReader(InputSource& input, size_t chunk_size, uint64_t max_line_bytes)
    : input_(input),
      chunk_size_(std::max<size_t>(chunk_size, 1)),
      // At least 1; and the buffer for a line of this size must be addressable.
      max_line_bytes_(std::clamp<uint64_t>(max_line_bytes, 1, uint64_t{1} << 60)) {
  regular_file_ = input.regular_file();
  if (regular_file_) file_size_ = input.size_hint();
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
    Status s = input_.read(buf.data(), capacity, &got);
    if (!s.ok()) {
      status_ = s;
      return false;
    }
    if (got == 0) {
      eof_ = true;
      break;
    }
    const void* nl = std::memchr(buf.data(), '\n', got);
    if (nl != nullptr) {
      const size_t k = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
      length += k;
      terminated = true;
      // What follows the newline starts the next chunk.
      carry_.assign(buf.data() + k + 1, buf.data() + got);
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
  chunk->skipped.present = false;
  if (!status_.ok()) return false;
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

const Status& ChunkReader::finish() {
  if (!status_.ok() || !regular_file_) return status_;
  // The whole file was read when the bytes add up to its size.
  if (offset_ < file_size_) status_ = shrank();
  return status_;
}

Status ChunkReader::shrank() const {
  return Status::io_error(input_.name() + ": the file got shorter while it was being read (it had " +
                          std::to_string(file_size_) +
                          " bytes when opened); read it again once it is complete");
}

}  // namespace heapdump
