// For the fuzz targets: text output must be safe to show on a terminal.
// Written apart from src/render/terminal_text.cpp (its own UTF-8 decoding),
// so that the check does not share a bug with what it checks.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace heapdump_fuzz {

/// Aborts, naming `what` and the offset, unless `text` is well-formed UTF-8
/// with no byte below 0x20 but '\n', no DEL, no C1 control (U+0080..U+009F)
/// and no bidirectional control (U+202A..U+202E, U+2066..U+2069).
inline void check_terminal_safe(std::string_view text, const char* what) {
  auto fail = [&](size_t at, const char* why) {
    std::fprintf(stderr, "%s: %s at byte %zu of the text output\n", what, why, at);
    std::abort();
  };
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if ((b < 0x20 && b != '\n') || b == 0x7F) fail(i, "control byte");
      ++i;
      continue;
    }
    const size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    if (n == 0 || b > 0xF4 || i + n > text.size()) fail(i, "not UTF-8");
    unsigned long cp = b & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80) fail(i, "not UTF-8");
      cp = (cp << 6) | (c & 0x3F);
    }
    const unsigned long min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail(i, "not UTF-8");
    if (cp <= 0x9F) fail(i, "C1 control");
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) fail(i, "bidi control");
    i += n;
  }
}

}  // namespace heapdump_fuzz
