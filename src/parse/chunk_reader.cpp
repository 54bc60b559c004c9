#include "parse/chunk_reader.hpp"

#include <algorithm>
#include <cstring>

namespace heapdump {

ChunkReader::ChunkReader(InputSource& input, size_t chunk_size)
    : input_(input), chunk_size_(std::max<size_t>(chunk_size, 1)) {}

bool ChunkReader::next(Chunk* chunk) {
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
  chunk->size = size;
  chunk->offset = offset_;
  chunk->index = index_++;
  offset_ += size;
  return true;
}

}  // namespace heapdump
