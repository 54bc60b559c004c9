#include "parse/line_scanner.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "parse/address.hpp"
#include "parse/chunk_reader.hpp"
#include "parse/quote_index.hpp"
#include "parse/record_keys.hpp"

namespace heapdump {

/// The scanner's position in a line. Bytes from `end` on belong to the next
/// line or the padding: readable, but never part of this line's JSON.
struct LineScanner::Cursor {
  const char* p;
  const char* end;

  // For a plain line (see index_quotes): the line's quotes, in order, from
  // its quote bitmap. Strings are then found by popping bits instead of
  // scanning bytes, so finding one string's end does not wait on the
  // previous one (the scan is bound by that chain of loads otherwise).
  const char* begin = nullptr;
  const uint64_t* quotes = nullptr;  ///< null: scan the bytes
  size_t words = 0;
  size_t word = 0;
  uint64_t bits = 0;

  /// Moves to the first quote at or after `at` (after a span of the line
  /// was checked some other way).
  void seek(const char* at) {
    const auto offset = static_cast<size_t>(at - begin);
    word = offset >> 6;
    if (word >= words) {
      word = words;
      bits = 0;
      return;
    }
    bits = quotes[word] & (~uint64_t{0} << (offset & 63));
  }

  /// Takes the next quote of the line without working out where it is;
  /// false if there is none.
  bool skip_quote() {
    while (bits == 0) {
      if (++word >= words) return false;
      bits = quotes[word];
    }
    bits &= bits - 1;
    return true;
  }

  /// The next quote of the line not yet taken, or null.
  const char* next_quote() {
    while (bits == 0) {
      if (++word >= words) return nullptr;
      bits = quotes[word];
    }
    const char* q = begin + (word << 6) + __builtin_ctzll(bits);
    bits &= bits - 1;
    return q;
  }
};

namespace {

using Cursor = LineScanner::Cursor;

constexpr int kMaxDepth = 64;
/// Longer lines (huge "references" arrays) are scanned byte by byte rather
/// than given a quote bitmap of their own.
constexpr size_t kMaxIndexedLine = size_t{1} << 20;

inline void skip_ws(Cursor& c) {
  // Bytes above the space are never whitespace: one compare for the usual
  // case of none. (Reading *c.p at c.end is fine: the line is padded.)
  if (static_cast<unsigned char>(*c.p) > ' ') return;
  while (c.p < c.end && (*c.p == ' ' || *c.p == '\t' || *c.p == '\r' || *c.p == '\n')) ++c.p;
}

/// The first byte at or after `p` that a string scan must look at: a quote,
/// a backslash, a control byte or a non-ASCII byte. Returns `end` or more
/// if there is none before `end`. Reads at most 15 bytes past `end`.
inline const char* find_special(const char* p, const char* end) {
#if defined(__SSE2__)
  for (; p < end; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int mask = _mm_movemask_epi8(_mm_or_si128(quotes_in(v), specials_in(v)));
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
  return end;
#else
  for (; p < end; ++p) {
    const auto b = static_cast<unsigned char>(*p);
    if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) return p;
  }
  return end;
#endif
}

/// A JSON string escape other than \u, as the byte it stands for; 0 if `c`
/// does not start one.
inline char simple_escape(char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
  }
}

/// Just past the opening bracket of an object or array: skips whitespace
/// and, if `close` follows (an empty one), steps over it and says so.
inline bool empty_container(Cursor& c, char close) {
  skip_ws(c);
  if (c.p < c.end && *c.p == close) {
    ++c.p;
    return true;
  }
  return false;
}

/// After a member of an object or array: true if a comma follows (stepped
/// over, with the whitespace after it), or `close` (stepped over, *done
/// set); false for anything else.
inline bool next_member(Cursor& c, char close, bool* done) {
  // Ruby separates members with ", ": one two-byte compare for that.
  uint16_t two;
  std::memcpy(&two, c.p, 2);
  if (two == (',' | ' ' << 8) && c.end - c.p >= 2) {
    c.p += 2;
    skip_ws(c);
    return true;
  }
  skip_ws(c);
  if (c.p >= c.end) return false;
  if (*c.p == close) {
    ++c.p;
    *done = true;
    return true;
  }
  if (*c.p != ',') return false;
  ++c.p;
  skip_ws(c);
  return true;
}

/// After an object key: the colon, with whitespace on either side.
inline bool colon(Cursor& c) {
  skip_ws(c);
  if (c.p >= c.end || *c.p != ':') return false;
  ++c.p;
  skip_ws(c);
  return c.p < c.end;
}

/// With a quote bitmap: takes the quote that opened the string at c.p - 1
/// and returns its closing quote (null if there is none).
///
/// The opening quote is the next one not taken: the scanner takes the
/// quotes of every string it passes and steps over nothing else that holds
/// a quote (numbers, literals and punctuation hold none; other_value()
/// seeks past the known values it skips), so it is not looked up again.
/// The differential tests and fuzz/fuzz_line.cpp compare every accepted
/// line with the full parser's record, which a quote out of step would
/// change.
inline const char* closing_quote(Cursor& c) {
  if (!c.skip_quote()) return nullptr;
  return c.next_quote();
}

/// The length of the well-formed UTF-8 sequence at `p` (whose first byte is
/// >= 0x80) that ends before `end`, or 0 if there is none: the table of
/// well-formed byte sequences of the Unicode standard (no overlong forms,
/// no surrogates, nothing above U+10FFFF), which is what simdjson accepts.
inline size_t utf8_sequence(const char* p, const char* end) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  const size_t room = static_cast<size_t>(end - p);
  auto cont = [](unsigned char b) { return b >= 0x80 && b <= 0xBF; };
  const unsigned char b0 = u[0];
  if (b0 >= 0xC2 && b0 <= 0xDF) return room >= 2 && cont(u[1]) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (room < 3 || !cont(u[2])) return 0;
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    return u[1] >= lo && u[1] <= hi ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (room < 4 || !cont(u[2]) || !cont(u[3])) return 0;
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return u[1] >= lo && u[1] <= hi ? 4 : 0;
  }
  return 0;  // a continuation byte, C0, C1 or F5..FF
}

/// A string without escapes or non-ASCII bytes, as a view into the line
/// (unless `out` is null); c.p is just past its opening quote.
inline bool plain_string(Cursor& c, std::string_view* out) {
  const char* q;
  if (c.quotes != nullptr) {
    q = closing_quote(c);  // a quote inside the line, or null
    if (q == nullptr) return false;
  } else {
    q = find_special(c.p, c.end);
    if (q >= c.end || *q != '"') return false;
  }
  if (out != nullptr) *out = std::string_view(c.p, static_cast<size_t>(q - c.p));
  c.p = q + 1;
  return true;
}

/// The address in `text`, a string just read at c: a view into the line
/// (padded, so read 16 digits at once) when the line is plain, else maybe
/// an unescaped copy.
inline bool address_at(const Cursor& c, std::string_view text, uint64_t* out) {
  return c.quotes != nullptr ? parse_address_padded(text, out) : parse_address(text, out);
}

/// "true", "false" or "null" at c.p (the line's padding makes reading
/// 8 bytes safe).
inline bool literal(Cursor& c, const char* word, size_t n) {
  uint64_t have = 0, want = 0;
  std::memcpy(&have, c.p, 8);
  std::memcpy(&want, word, n);
  const uint64_t mask = n == 4 ? 0xFFFFFFFFull : 0xFFFFFFFFFFull;
  if (static_cast<size_t>(c.end - c.p) < n || ((have ^ want) & mask) != 0) return false;
  c.p += n;
  return true;
}

inline bool is_null(const Cursor& c) { return *c.p == 'n'; }

/// 0 or [1-9][0-9]{0,18}: always fits in 64 bits. Anything else (a sign,
/// a fraction, an exponent, more digits) is left to the full parser: the
/// caller's grammar check fails on the byte after.
inline bool small_integer(Cursor& c, uint64_t* out) {
  const char* p = c.p;
  if (p >= c.end || *p < '0' || *p > '9') return false;
  uint64_t v = static_cast<uint64_t>(*p - '0');
  ++p;
  if (v != 0) {
    const char* limit = c.p + 19 < c.end ? c.p + 19 : c.end;
    while (p < limit && *p >= '0' && *p <= '9') v = v * 10 + static_cast<uint64_t>(*p++ - '0');
  }
  if (p < c.end && *p >= '0' && *p <= '9') return false;  // a leading zero or a 20th digit
  c.p = p;
  *out = v;
  return true;
}

}  // namespace

/// A string value; c.p is just past its opening quote. With `keep`, *out
/// is its unescaped content.
inline bool LineScanner::string_value(Cursor& c, bool keep, std::string_view* out) {
  if (c.quotes != nullptr) return plain_string(c, keep ? out : nullptr);  // no escapes here
  return scanned_string_value(c, keep, out);
}

bool LineScanner::scanned_string_value(Cursor& c, bool keep, std::string_view* out) {
  const char* start = c.p;
  const char* from = start;  // first byte not yet copied (when unescaping)
  char* dst = nullptr;       // non-null once an escape was seen and kept
  char* dst_start = nullptr;
  const char* p = start;
  const char* q;
  for (;;) {
    q = find_special(p, c.end);
    if (q >= c.end) return false;
    const auto b = static_cast<unsigned char>(*q);
    if (b == '"') break;
    if (b >= 0x80) {  // UTF-8: checked here, copied with the text around it
      const size_t n = utf8_sequence(q, c.end);
      if (n == 0) return false;
      p = q + n;
      continue;
    }
    if (b != '\\') return false;  // a control byte
    if (q + 1 >= c.end) return false;
    const char e = simple_escape(q[1]);
    if (e == 0) return false;  // \u or an invalid escape
    if (keep) {
      if (dst == nullptr) {
        // Unescaped text is never longer than the line, so reserving the
        // line's length once per line keeps earlier views into the buffer
        // valid.
        const size_t line_size = static_cast<size_t>(c.end - start);
        if (unescaped_used_ == 0 && unescaped_.size() < line_size) unescaped_.resize(line_size);
        if (unescaped_.size() - unescaped_used_ < line_size) return false;
        dst_start = dst = unescaped_.data() + unescaped_used_;
      }
      std::memcpy(dst, from, static_cast<size_t>(q - from));
      dst += q - from;
      *dst++ = e;
    }
    from = p = q + 2;
  }
  if (keep) {
    if (dst == nullptr) {  // no escapes: a view into the line
      *out = std::string_view(start, static_cast<size_t>(q - start));
    } else {
      std::memcpy(dst, from, static_cast<size_t>(q - from));
      dst += q - from;
      *out = std::string_view(dst_start, static_cast<size_t>(dst - dst_start));
      unescaped_used_ += static_cast<size_t>(dst - dst_start);
    }
  }
  c.p = q + 1;
  return true;
}

/// Any JSON value in the subset, checked and dropped.
bool LineScanner::skip_value(Cursor& c, int depth) {
  if (c.p >= c.end) return false;
  switch (*c.p) {
    case '"':
      ++c.p;
      return string_value(c, false, nullptr);
    case 't':
      return literal(c, "true", 4);
    case 'f':
      return literal(c, "false", 5);
    case 'n':
      return literal(c, "null", 4);
    case '[': {
      if (depth >= kMaxDepth) return false;
      ++c.p;
      for (bool done = empty_container(c, ']'); !done;) {
        if (!skip_value(c, depth + 1) || !next_member(c, ']', &done)) return false;
      }
      return true;
    }
    case '{': {
      if (depth >= kMaxDepth) return false;
      ++c.p;
      for (bool done = empty_container(c, '}'); !done;) {
        if (c.p >= c.end || *c.p != '"') return false;
        ++c.p;
        if (!string_value(c, false, nullptr) || !colon(c) || !skip_value(c, depth + 1) ||
            !next_member(c, '}', &done)) {
          return false;
        }
      }
      return true;
    }
    default: {
      uint64_t ignored;
      return small_integer(c, &ignored);
    }
  }
}

/// The value of a key no record uses. Objects and arrays there are mostly
/// the same few byte strings on every line ("flags"), so the last few that
/// were checked are kept: a value byte-identical to one of them is a
/// complete valid JSON value too, and is stepped over with one compare.
bool LineScanner::other_value(Cursor& c) {
  if (*c.p != '{' && *c.p != '[') return skip_value(c, 1);
  const auto room = static_cast<size_t>(c.end - c.p);
  for (const std::string& known : known_values_) {
    const size_t n = known.size();
    if (n != 0 && n <= room && c.p[n - 1] == known[n - 1] && std::memcmp(c.p, known.data(), n) == 0) {
      c.p += n;
      if (c.quotes != nullptr) c.seek(c.p);
      return true;
    }
  }
  const char* start = c.p;
  if (!skip_value(c, 1)) return false;
  const auto n = static_cast<size_t>(c.p - start);
  if (n <= kMaxKnownValue) {
    known_values_[next_known_].assign(start, n);
    next_known_ = (next_known_ + 1) % known_values_.size();
  }
  return true;
}

/// "references": an array; its strings that are addresses are decoded when
/// `references` is given, the other elements are counted as bad ones.
bool LineScanner::references_value(Cursor& c, ObjectRecord* rec, std::vector<uint64_t>* references) {
  if (*c.p != '[') {
    if (!skip_value(c, 1)) return false;
    rec->has_references = false;
    rec->reference_count = 0;
    return true;
  }
  ++c.p;
  if (references != nullptr) {
    references->clear();
    rec->bad_references = 0;
  }
  uint64_t count = 0;
  for (bool done = empty_container(c, ']'); !done;) {
    if (c.p >= c.end) return false;
    ++count;
    if (references != nullptr && *c.p == '"') {
      ++c.p;
      std::string_view text;
      if (!string_value(c, true, &text)) return false;
      uint64_t address = 0;
      if (address_at(c, text, &address)) {
        references->push_back(address);
      } else {
        ++rec->bad_references;
      }
    } else if (*c.p == '"') {  // not decoded: only checked
      ++c.p;
      if (!string_value(c, false, nullptr)) return false;
    } else {
      if (references != nullptr) ++rec->bad_references;
      if (!skip_value(c, 2)) return false;
    }
    if (!next_member(c, ']', &done)) return false;
  }
  rec->has_references = true;
  rec->reference_count = count;
  if (references != nullptr) {
    rec->references = references->data();
    rec->references_decoded = references->size();
  }
  return true;
}

/// Lines longer than this (in 64-byte words) are not indexed.
constexpr size_t kMaxIndexedWords = kMaxIndexedLine / 64;

/// Points *c at quote_bits_, which hold the index of `text`.
void LineScanner::use_index(std::string_view text, Cursor* c) const {
  c->begin = text.data();
  c->quotes = quote_bits_.data();
  c->words = (text.size() + 63) / 64;
  c->word = 0;
  c->bits = quote_bits_[0];
}

size_t LineScanner::find_line(const char* p, const char* end) {
  if (quote_bits_.size() < kMaxIndexedWords) quote_bits_.resize(kMaxIndexedWords);
  uint64_t special = 0;
  const size_t n = index_(p, end, quote_bits_.data(), kMaxIndexedWords, &special);
  if (n != kLineTooLong) {
    indexed_ = p;
    indexed_size_ = n;
    indexed_plain_ = special == 0;
    return n;
  }
  indexed_ = nullptr;  // too long to index: find its end the plain way
  const char* from = p + kMaxIndexedWords * 64;
  return kMaxIndexedWords * 64 + line_length_of(from, end);
}

/// Fills quote_bits_ for `text` and, if the line is plain (no backslash, no
/// control byte, tabs included, and no non-ASCII byte: every quote opens or
/// closes a string), points *c at them. Reads up to 63 bytes past the
/// line's end.
void LineScanner::index_quotes(std::string_view text, Cursor* c) {
  // One word more than the line needs: a line that fills its last word
  // ends at the start of the next.
  const size_t words = text.size() / 64 + 1;
  if (quote_bits_.size() < words) quote_bits_.resize(words);
  uint64_t special = 0;
  const size_t n = index_(text.data(), text.data() + text.size(), quote_bits_.data(), words, &special);
  // A newline inside `text` ends the index early; it is a control byte, so
  // the line is not plain anyway.
  if (n != text.size() || special != 0) return;
  use_index(text, c);
}

bool LineScanner::scan(std::string_view text, ObjectRecord* rec, std::vector<uint64_t>* references) {
  unescaped_used_ = 0;
  // After a huge line with escapes, give its buffer back.
  if (unescaped_.size() > kMaxIndexedLine && text.size() <= kMaxIndexedLine) {
    std::vector<char>().swap(unescaped_);
  }
  Cursor c{text.data(), text.data() + text.size()};
  if (indexed_ == text.data() && indexed_size_ == text.size()) {
    if (indexed_plain_ && !text.empty()) use_index(text, &c);  // find_line() indexed it
  } else if (!text.empty() && text.size() <= kMaxIndexedLine) {
    index_quotes(text, &c);
  }
  indexed_ = nullptr;
  skip_ws(c);
  if (c.p >= c.end || *c.p != '{') return false;
  ++c.p;

  // Each key's value: the type the full parser accepts for it, or null,
  // with the same effect on the record (see RecordDecoder::decode).
  // Anything else declines.
  auto kept_string = [&](std::string_view* out, bool* present) {
    if (*c.p == '"') {
      ++c.p;
      *present = true;
      return string_value(c, true, out);
    }
    *present = false;  // any other type means absent (the view is left as it was)
    return skip_value(c, 1);
  };
  auto address = [&](std::string_view* text_out, uint64_t* out, bool* present) {
    if (is_null(c)) {
      *present = false;
      return literal(c, "null", 4);
    }
    if (*c.p != '"') return false;
    ++c.p;
    *present = true;
    return string_value(c, true, text_out) && address_at(c, *text_out, out);
  };
  auto count = [&](uint64_t* out, bool* present) {
    if (is_null(c)) {
      *present = false;
      return literal(c, "null", 4);
    }
    *present = true;
    return small_integer(c, out);
  };

  for (bool done = empty_container(c, '}'); !done;) {
    if (c.p >= c.end || *c.p != '"') return false;
    ++c.p;
    std::string_view key;
    if (!plain_string(c, &key)) return false;  // keys: no escapes
    // Ruby writes "key":value; the colon with whitespace around it otherwise.
    if (*c.p == ':' && static_cast<unsigned char>(c.p[1]) > ' ' && c.p + 1 < c.end) {
      ++c.p;
    } else if (!colon(c)) {
      return false;
    }
    bool ok = true, ignored = false;
    switch (key_of(key)) {
      case Key::kAddress:
        ok = address(&rec->address_text, &rec->address, &rec->has_address);
        break;
      case Key::kClass:
        ok = address(&rec->class_text, &rec->class_address, &rec->has_class);
        break;
      case Key::kType:
        if (is_null(c)) {
          ok = literal(c, "null", 4);
        } else {
          ok = *c.p == '"' && (++c.p, string_value(c, true, &rec->type));
        }
        break;
      case Key::kGeneration:
        ok = count(&rec->generation, &rec->has_generation);
        break;
      case Key::kMemsize: {
        bool present = false;
        ok = count(&rec->memsize, &present);
        if (!present) rec->memsize = 0;
        break;
      }
      case Key::kLine:
        ok = count(&rec->line, &rec->has_line);
        break;
      case Key::kFile:
        ok = kept_string(&rec->file, &rec->has_file);
        break;
      case Key::kMethod:
        ok = kept_string(&rec->method, &rec->has_method);
        break;
      case Key::kName:
        ok = kept_string(&rec->name, &rec->has_name);
        break;
      case Key::kValue:
        ok = kept_string(&rec->value, &rec->has_value);
        break;
      case Key::kStruct:
        ok = kept_string(&rec->struct_name, &ignored);
        break;
      case Key::kImemoType:
        ok = kept_string(&rec->imemo_type, &ignored);
        break;
      case Key::kRoot:
        ok = kept_string(&rec->root_name, &ignored);
        break;
      case Key::kReferences:
        ok = references_value(c, rec, references);
        break;
      case Key::kSingleton:
        // Only true counts; any other value (false, null, ...) means no.
        if (*c.p == 't') {
          ok = literal(c, "true", 4);
          rec->singleton = ok;
        } else {
          rec->singleton = false;
          ok = other_value(c);
        }
        break;
      case Key::kOther:
        // Most are numbers, true or strings: checked here rather than in a
        // call to other_value().
        if (*c.p >= '0' && *c.p <= '9') {
          uint64_t ignored_number;
          ok = small_integer(c, &ignored_number);
        } else if (*c.p == 't') {
          ok = literal(c, "true", 4);
        } else if (*c.p == '"') {
          ++c.p;
          ok = string_value(c, false, nullptr);
        } else {
          ok = other_value(c);
        }
        break;
    }
    if (!ok || !next_member(c, '}', &done)) return false;
  }
  skip_ws(c);
  if (c.p != c.end) return false;
  rec->kind = kind_of(rec->type, rec->has_address);
  return true;
}

}  // namespace heapdump
