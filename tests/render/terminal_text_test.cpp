#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "heapdump/terminal_text.hpp"

using heapdump::append_terminal_text;
using heapdump::decode_utf8;
using heapdump::is_terminal_control;
using heapdump::terminal_text;
using namespace std::string_literals;

TEST_CASE("terminal_text: plain text is unchanged") {
  CHECK(terminal_text("") == "");
  CHECK(terminal_text("app/models/user.rb:12") == "app/models/user.rb:12");
  CHECK(terminal_text("ActiveRecord::Base #<Class:0x00007f> (no file)") ==
        "ActiveRecord::Base #<Class:0x00007f> (no file)");
  // Every printable ASCII byte, a backslash and quotes included.
  std::string ascii;
  for (int c = 0x20; c < 0x7F; ++c) ascii += static_cast<char>(c);
  CHECK(terminal_text(ascii) == ascii);
  // Valid UTF-8 that is not a control: accents, CJK, emoji, NBSP, U+2028,
  // U+200B, U+2029, U+206A (next to the bidi ranges).
  const std::string utf8 =
      "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \xC2\xA0 \xE2\x80\xA8 \xE2\x80\x8B "
      "\xE2\x80\xA9 \xE2\x81\xAA \xE2\x80\xAF \xE2\x81\xA5 \xC2\xA0\xC2\xBF";
  CHECK(terminal_text(utf8) == utf8);
}

TEST_CASE("terminal_text: C0 controls and DEL, named like String#inspect") {
  CHECK(terminal_text("\n\t\r\f\v\b\a\x1b") == "\\n\\t\\r\\f\\v\\b\\a\\e");
  CHECK(terminal_text("a\0b"s) == "a\\u0000b");
  CHECK(terminal_text("\x01\x1f\x7f") == "\\u0001\\u001F\\u007F");
  CHECK(terminal_text("f\x1b]0;PWNED\x07.rb") == "f\\e]0;PWNED\\a.rb");
  CHECK(terminal_text("\x1b]52;c;aGk=\x07") == "\\e]52;c;aGk=\\a");
  CHECK(terminal_text("m\x1b[2J") == "m\\e[2J");
  // Every C0 byte and DEL: none left raw.
  for (int c = 0; c < 0x20; ++c) {
    const std::string s(1, static_cast<char>(c));
    CHECK(terminal_text(s).size() >= 2);
    CHECK(terminal_text(s)[0] == '\\');
  }
}

TEST_CASE("terminal_text: C1 and bidi controls as \\uXXXX") {
  CHECK(terminal_text("\xC2\x80") == "\\u0080");
  CHECK(terminal_text("a\xC2\x9B" "2Jb") == "a\\u009B2Jb");  // C1 CSI
  CHECK(terminal_text("\xC2\x85\xC2\x9F") == "\\u0085\\u009F");
  CHECK(terminal_text("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD\xE2\x80\xAE") ==
        "\\u202A\\u202B\\u202C\\u202D\\u202E");
  CHECK(terminal_text("\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9") ==
        "\\u2066\\u2067\\u2068\\u2069");
  CHECK(terminal_text("evil\xE2\x80\xAEtxt.rb") == "evil\\u202Etxt.rb");
}

TEST_CASE("terminal_text: invalid UTF-8 bytes as \\xNN, so no raw C1 byte") {
  CHECK(terminal_text("\x9B") == "\\x9B");  // a lone 8-bit CSI
  CHECK(terminal_text("a\xFF" "b") == "a\\xFFb");
  CHECK(terminal_text("\xC3") == "\\xC3");                   // cut sequence
  CHECK(terminal_text("\xC0\x9B") == "\\xC0\\x9B");          // overlong
  CHECK(terminal_text("\xE0\x82\x9B") == "\\xE0\\x82\\x9B");  // overlong
  CHECK(terminal_text("\xED\xA0\x80") == "\\xED\\xA0\\x80");  // surrogate
  CHECK(terminal_text("\xF4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");  // > U+10FFFF
  CHECK(terminal_text("\xC3\xA9\x80") == "\xC3\xA9\\x80");
}

TEST_CASE("append_terminal_text: keep_newlines keeps only \\n") {
  std::string out = "x";
  append_terminal_text("a\nb\r\n\x1b", &out, true);
  CHECK(out == "xa\nb\\r\n\\e");
  out.clear();
  append_terminal_text("a\nb", &out);
  CHECK(out == "a\\nb");
}

// Independent of the encoder: every byte string of length <= 2 and a sample
// of 3-byte ones escape to printable ASCII plus valid non-control UTF-8.
TEST_CASE("terminal_text: the output never holds a control byte") {
  auto check = [](const std::string& s) {
    const std::string t = terminal_text(s);
    for (size_t i = 0; i < t.size();) {
      uint32_t cp = 0;
      const size_t n = decode_utf8(t, i, &cp);
      REQUIRE(n > 0);
      REQUIRE_FALSE(is_terminal_control(cp));
      i += n;
    }
  };
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) check({static_cast<char>(a), static_cast<char>(b)});
  }
  for (int a = 0xC0; a < 0xF8; ++a) {
    for (int b = 0x70; b < 0xC8; ++b) {
      for (int c : {0x00, 0x1B, 0x80, 0x9B, 0xAE, 0xBF}) {
        check({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
      }
    }
  }
}

TEST_CASE("is_terminal_control: the documented ranges") {
  CHECK(is_terminal_control(0x00));
  CHECK(is_terminal_control(0x1F));
  CHECK_FALSE(is_terminal_control(0x20));
  CHECK_FALSE(is_terminal_control(0x7E));
  CHECK(is_terminal_control(0x7F));
  CHECK(is_terminal_control(0x80));
  CHECK(is_terminal_control(0x9F));
  CHECK_FALSE(is_terminal_control(0xA0));
  CHECK_FALSE(is_terminal_control(0x2029));
  CHECK(is_terminal_control(0x202A));
  CHECK(is_terminal_control(0x202E));
  CHECK_FALSE(is_terminal_control(0x202F));
  CHECK_FALSE(is_terminal_control(0x2065));
  CHECK(is_terminal_control(0x2066));
  CHECK(is_terminal_control(0x2069));
  CHECK_FALSE(is_terminal_control(0x206A));
}
