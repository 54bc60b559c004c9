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

}  // namespace

ChunkReader::ChunkReader(InputSource& input, size_t chunk_size, Mode mode)
    : input_(input), chunk_size_(std::max<size_t>(chunk_size, 1)) {
  regular_file_ = input.mappable_fd() >= 0;
  if (regular_file_) map_size_ = input.size_hint();
  if (mode == Mode::kMapIfPossible && regular_file_) {
    map_fd_ = input.mappable_fd();
    past_end_at_start_ = MappedWindow::reads_past_end();
  }
}

bool ChunkReader::next(Chunk* chunk) {
  chunk->window.reset();
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
      // One line fills the whole buffer: grow it (by half, to limit the
      // memory a very long line takes).
      buf.resize(capacity + std::max<size_t>(capacity / 2, 4096) + kChunkPadding);
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
    // A line longer than the slack: a bigger window. (The newline looked
    // for is then one further on; any newline is a valid place to cut.)
    chunk->window.reset();
    want += want / 2 + kSlack;
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
    const size_t step = static_cast<size_t>(std::min<uint64_t>(left, most));
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
