#include "heapdump/terminal_text.hpp"

namespace heapdump {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

/// Printable ASCII: copied as is by every caller.
bool plain_ascii(unsigned char b) { return b >= 0x20 && b < 0x7F; }

}  // namespace

size_t decode_utf8(std::string_view s, size_t i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte (Unicode Table 3-7)
  uint32_t v;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, v = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, v = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, v = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char b = byte(i + k);
    if (b < 0x80 || b > 0xBF) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  *cp = v;
  return n;
}

bool is_terminal_control(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void append_control_escape(uint32_t cp, std::string* out) {
  switch (cp) {
    case '\n': *out += "\\n"; return;
    case '\t': *out += "\\t"; return;
    case '\r': *out += "\\r"; return;
    case '\f': *out += "\\f"; return;
    case '\v': *out += "\\v"; return;
    case '\b': *out += "\\b"; return;
    case '\a': *out += "\\a"; return;
    case 0x1B: *out += "\\e"; return;
    default:
      *out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) *out += kHex[(cp >> shift) & 0xF];
  }
}

void append_terminal_text(std::string_view s, std::string* out, bool keep_newlines) {
  size_t i = 0;
  while (i < s.size()) {
    // A run of printable ASCII in one append (the common case: all of it).
    size_t end = i;
    while (end < s.size() && plain_ascii(static_cast<unsigned char>(s[end]))) ++end;
    out->append(s.data() + i, end - i);
    i = end;
    if (i == s.size()) break;
    uint32_t cp = 0;
    const size_t n = decode_utf8(s, i, &cp);
    if (n == 0) {
      const auto b = static_cast<unsigned char>(s[i]);
      *out += "\\x";
      *out += kHex[b >> 4];
      *out += kHex[b & 0xF];
      i += 1;
    } else if (cp == '\n' && keep_newlines) {
      *out += '\n';
      i += 1;
    } else if (is_terminal_control(cp)) {
      append_control_escape(cp, out);
      i += n;
    } else {
      out->append(s.data() + i, n);
      i += n;
    }
  }
}

std::string terminal_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_terminal_text(s, &out);
  return out;
}

}  // namespace heapdump
