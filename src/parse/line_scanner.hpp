// The fast path for dump lines: one strict pass over the bytes, no DOM.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/record.hpp"
#include "parse/quote_index.hpp"

namespace heapdump {

/// Decodes the lines Ruby writes in their usual shape, several times faster
/// than building a DOM: one pass over the bytes that checks the JSON grammar
/// as it goes and keeps views into the line instead of copying strings.
///
/// It accepts only a strict subset of JSON: well-formed UTF-8 in strings
/// (ASCII-only keys), string escapes other than \u, non-negative integers
/// of up to 19 digits, nesting up to 64 levels, and the expected type (or
/// null) for every key a record uses.
/// For anything else it *declines*, and RecordDecoder hands the line to
/// simdjson, which decides whether it is valid and why not. So a line it
/// accepts is one the full parser accepts too, with the same record (the
/// differential test and fuzz/fuzz_line.cpp check this); declining says
/// nothing about validity.
class LineScanner {
 public:
  /// `text` must stay readable for 64 bytes past its end. On true, *record
  /// holds the fields (views into `text` or this scanner's buffer, valid
  /// until the next scan) and, when `references` is not null, the decoded
  /// "references" addresses are in *references.
  bool scan(std::string_view text, ObjectRecord* record, std::vector<uint64_t>* references);

  /// The length of the line that starts at `p`: up to the first '\n'
  /// before `end`, or `end`. While looking, it indexes the line's quotes,
  /// so a scan() of exactly that line right after does not read it again.
  /// Reads up to 63 bytes past `end`.
  size_t find_line(const char* p, const char* end);

  struct Cursor;  ///< a position in the line being scanned

 private:
  void index_quotes(std::string_view text, Cursor* c);
  void use_index(std::string_view text, Cursor* c) const;
  bool string_value(Cursor& c, bool keep, std::string_view* out);
  bool scanned_string_value(Cursor& c, bool keep, std::string_view* out);
  bool skip_value(Cursor& c, int depth);
  bool other_value(Cursor& c);
  bool references_value(Cursor& c, ObjectRecord* record, std::vector<uint64_t>* references);

  /// Bit i of word i/64: byte i of the line is a quote. Only for lines
  /// with no backslash, control or non-ASCII byte, where every quote
  /// opens or closes a string.
  std::vector<uint64_t> quote_bits_;
  LineIndexFn index_ = best_line_index();  ///< the fastest this CPU runs
  /// The line find_line() indexed, if scan() has not used it yet.
  const char* indexed_ = nullptr;
  size_t indexed_size_ = 0;
  bool indexed_plain_ = false;
  std::vector<char> unescaped_;  ///< unescaped copies of kept strings that had escapes
  /// Objects and arrays recently checked as values of unused keys, up to
  /// kMaxKnownValue bytes each (see other_value()).
  static constexpr size_t kMaxKnownValue = 256;
  std::array<std::string, 8> known_values_;
  size_t next_known_ = 0;
  size_t unescaped_used_ = 0;
};

}  // namespace heapdump
