#include "render/ruby_inspect.hpp"

#include "heapdump/terminal_text.hpp"

namespace heapdump {

std::string ruby_inspect(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c == '#') {
      const char next = i + 1 < s.size() ? s[i + 1] : '\0';
      out += (next == '{' || next == '$' || next == '@') ? "\\#" : "#";
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = decode_utf8(s, i, &cp);
    if (len == 0 || is_terminal_control(cp)) {
      // Controls and invalid bytes: the terminal rule (include/heapdump/terminal_text.hpp).
      append_terminal_text(s.substr(i, len == 0 ? 1 : len), &out);
      i += len == 0 ? 1 : len;
    } else if (cp == 0x2028 || cp == 0x2029) {
      append_control_escape(cp, &out);  // Ruby escapes these two as \u2028, \u2029
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
  return out;
}

}  // namespace heapdump
