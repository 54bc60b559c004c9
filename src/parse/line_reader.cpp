#include "parse/line_reader.hpp"

#include <cstring>

namespace heapdump {

LineReader::LineReader(InputSource& input, size_t chunk_size)
    : input_(input), buf_(std::max<size_t>(chunk_size, 1) + kLinePadding, '\0') {}

bool LineReader::fill() {
  // Move the unconsumed tail to the front, then grow if it fills the buffer.
  const size_t capacity = buf_.size() - kLinePadding;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity) {
    buf_.resize(capacity * 2 + kLinePadding, '\0');
  }
  size_t got = 0;
  Status s = input_.read(buf_.data() + end_, buf_.size() - kLinePadding - end_, &got);
  if (!s.ok()) {
    status_ = s;
    return false;
  }
  if (got == 0) eof_ = true;
  end_ += got;
  return true;
}

bool LineReader::next(Line* line) {
  for (;;) {
    if (scan_ < end_) {
      const void* nl = std::memchr(buf_.data() + scan_, '\n', end_ - scan_);
      if (nl != nullptr) {
        const size_t pos = static_cast<size_t>(static_cast<const char*>(nl) - buf_.data());
        line->text = std::string_view(buf_.data() + begin_, pos - begin_);
        line->number = ++line_number_;
        line->offset = offset_;
        line->terminated = true;
        offset_ += pos + 1 - begin_;
        begin_ = scan_ = pos + 1;
        return true;
      }
      scan_ = end_;
    }
    if (eof_) {
      if (begin_ == end_) return false;
      line->text = std::string_view(buf_.data() + begin_, end_ - begin_);
      line->number = ++line_number_;
      line->offset = offset_;
      line->terminated = false;
      offset_ += end_ - begin_;
      begin_ = scan_ = end_;
      return true;
    }
    if (!fill()) return false;
  }
}

}  // namespace heapdump
