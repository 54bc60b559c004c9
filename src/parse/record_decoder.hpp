// One line of JSON -> ObjectRecord, with a reason when the line is invalid.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "heapdump/record.hpp"
#include "parse/chunk_reader.hpp"
#include "parse/line_scanner.hpp"

namespace heapdump {

/// Decodes dump lines. Most lines go through LineScanner, a strict one-pass
/// scanner for the usual shape of a line; whatever it declines goes to
/// simdjson's DOM parser, which validates the whole line (structure,
/// strings, escapes, numbers, UTF-8) and names what is wrong. A line is
/// either valid JSON or rejected with a reason; nothing is guessed.
class RecordDecoder {
 public:
  /// Parses `text`, whose buffer stays readable for at least
  /// `readable_after` bytes past its end (must be >= simdjson::SIMDJSON_PADDING).
  /// On success fills *record (its views live until the next decode()).
  /// On failure returns false and sets *reason to a one-line explanation.
  bool decode(std::string_view text, size_t readable_after, ObjectRecord* record,
              std::string* reason);

  /// The length of the line that starts at `p` (up to the first '\n'
  /// before `end`, or `end`); decoding exactly that line next is faster.
  /// Reads up to 63 bytes past `end`.
  size_t find_line(const char* p, const char* end) {
    return fast_path_ ? scanner_.find_line(p, end) : line_length_of(p, end);
  }

  /// Also parse the addresses in "references" (for the object graph).
  void set_decode_references(bool on) { decode_references_ = on; }

  /// Off: every line goes to the DOM parser (tests compare the two paths).
  void set_fast_path(bool on) { fast_path_ = on; }

 private:
  LineScanner scanner_;
  simdjson::dom::parser parser_;
  bool decode_references_ = false;
  bool fast_path_ = true;
  std::vector<uint64_t> references_;
};

}  // namespace heapdump
