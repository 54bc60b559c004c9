// The one escaping rule for text that a terminal shows: every piece of dump-
// or user-supplied text in text output and on stderr goes through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace heapdump {

/// Length (1-4) of the well-formed UTF-8 sequence at s[i], with its code
/// point in *cp; 0 if the byte at s[i] does not start one (no overlong
/// forms, no surrogates, nothing above U+10FFFF, no truncated sequences).
size_t decode_utf8(std::string_view s, size_t i, uint32_t* cp);

/// Whether `cp` may drive a terminal and so is never written raw: the C0
/// controls U+0000..U+001F, DEL, the C1 controls U+0080..U+009F and the
/// bidirectional controls U+202A..U+202E and U+2066..U+2069.
bool is_terminal_control(uint32_t cp);

/// Appends the visible escape of a control code point, in Ruby's
/// String#inspect style: \n \t \r \f \v \b \a \e by name, any other as
/// \uXXXX (upper-case hex, e.g. \u0000, \u009B, \u202E).
void append_control_escape(uint32_t cp, std::string* out);

/// Appends `s` so that it cannot drive a terminal: every code point for
/// which is_terminal_control() holds becomes its visible escape
/// (append_control_escape), every byte that is not part of well-formed UTF-8
/// becomes \xNN (upper-case hex); everything else (printable ASCII, a
/// backslash included, and other valid UTF-8) is copied unchanged. With
/// `keep_newlines`, '\n' is copied too (for a whole text of many lines).
void append_terminal_text(std::string_view s, std::string* out, bool keep_newlines = false);

/// append_terminal_text() into a new string.
std::string terminal_text(std::string_view s);

}  // namespace heapdump
