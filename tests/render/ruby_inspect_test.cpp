#include <catch2/catch.hpp>

#include <string>

#include "render/ruby_inspect.hpp"

using heapdump::ruby_inspect;

// Expected strings were checked against Ruby 3.1: ruby -e 'p "..."'.
TEST_CASE("ruby_inspect escapes like String#inspect") {
  CHECK(ruby_inspect("") == "\"\"");
  CHECK(ruby_inspect("GET") == "\"GET\"");
  CHECK(ruby_inspect("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(ruby_inspect("\n\t\r\f\v\b\a\x1b") == "\"\\n\\t\\r\\f\\v\\b\\a\\e\"");
  CHECK(ruby_inspect(std::string("\0\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001F\\u007F\"");
  CHECK(ruby_inspect("#{x} #$y #@z #w #") == "\"\\#{x} \\#$y \\#@z #w #\"");
  CHECK(ruby_inspect("</script>") == "\"</script>\"");
}

TEST_CASE("ruby_inspect: non-ASCII as is, invalid bytes as \\xFF") {
  CHECK(ruby_inspect("\xc3\xa9t\xc3\xa9") == "\"\xc3\xa9t\xc3\xa9\"");
  CHECK(ruby_inspect("\xe2\x80\xa8") == "\"\\u2028\"");
  CHECK(ruby_inspect("a\xff" "b") == "\"a\\xFFb\"");
  CHECK(ruby_inspect("\xc3") == "\"\\xC3\"");             // cut sequence
  CHECK(ruby_inspect("\xed\xa0\x80") == "\"\\xED\\xA0\\x80\"");  // surrogate
  CHECK(ruby_inspect("\xf0\x9f\x98\x80") == "\"\xf0\x9f\x98\x80\"");
}

// Ruby 3.1 escapes U+009B ("\u009B") but prints U+0085 and the bidi controls
// raw; heapdump escapes all of them (README, "Differences from heapy").
TEST_CASE("ruby_inspect: C1 and bidi controls escaped, unlike Ruby for some") {
  CHECK(ruby_inspect("\xC2\x9B" "2J") == "\"\\u009B2J\"");
  CHECK(ruby_inspect("\xC2\x85") == "\"\\u0085\"");
  CHECK(ruby_inspect("a\xE2\x80\xAE" "b") == "\"a\\u202Eb\"");
  CHECK(ruby_inspect("\xE2\x81\xA6") == "\"\\u2066\"");
  CHECK(ruby_inspect("\x9B") == "\"\\x9B\"");
  CHECK(ruby_inspect("\x1b]0;PWNED\x07") == "\"\\e]0;PWNED\\a\"");
}
