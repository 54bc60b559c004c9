#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "parse/address.hpp"

using heapdump::parse_address;

TEST_CASE("parse_address reads hex addresses of any length") {
  uint64_t a = 0;
  CHECK(parse_address("0x7f3a1c2b4d50", &a));
  CHECK(a == 0x7f3a1c2b4d50ull);
  CHECK(parse_address("0x10a8e4f28", &a));  // 9 digits, macOS arm64
  CHECK(a == 0x10a8e4f28ull);
  CHECK(parse_address("0x0", &a));
  CHECK(a == 0);
  CHECK(parse_address("0XABCdef", &a));
  CHECK(a == 0xabcdefull);
  CHECK(parse_address("0xffffffffffffffff", &a));
  CHECK(a == UINT64_MAX);
}

TEST_CASE("parse_address rejects what is not an address") {
  uint64_t a = 42;
  CHECK_FALSE(parse_address("", &a));
  CHECK_FALSE(parse_address("0x", &a));
  CHECK_FALSE(parse_address("7f3a", &a));
  CHECK_FALSE(parse_address("0x7g", &a));
  CHECK_FALSE(parse_address("0x1ffffffffffffffff", &a));  // 17 digits: beyond 64 bits
  CHECK_FALSE(parse_address(" 0x1", &a));
  CHECK(a == 42);
}

namespace {
/// The definition, one digit at a time: the reference for the fast paths.
bool reference_parse(const std::string& t, uint64_t* out) {
  if (t.size() < 3 || t.size() > 18 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) return false;
  uint64_t v = 0;
  for (size_t i = 2; i < t.size(); ++i) {
    const char c = t[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}
}  // namespace

TEST_CASE("parse_address agrees with a digit-by-digit reference") {
  std::mt19937_64 rng(7);
  // Every byte value in every position of 8-, 12- and 16-digit addresses.
  for (size_t digits : {8, 12, 16}) {
    for (size_t pos = 0; pos < digits; ++pos) {
      for (int b = 1; b < 256; ++b) {
        std::string t = "0x";
        for (size_t i = 0; i < digits; ++i) t += "0123456789abcdefABCDEF"[rng() % 22];
        t[2 + pos] = static_cast<char>(b);
        uint64_t want = 1, got = 2;
        const bool ok = reference_parse(t, &want);
        INFO(t);
        REQUIRE(parse_address(t, &got) == ok);
        if (ok) REQUIRE(got == want);
      }
    }
  }
  // Random hex of every length.
  for (int i = 0; i < 200000; ++i) {
    const size_t digits = 1 + rng() % 16;
    std::string t = rng() % 2 ? "0x" : "0X";
    for (size_t k = 0; k < digits; ++k) t += "0123456789abcdefABCDEF"[rng() % 22];
    uint64_t want = 1, got = 2;
    REQUIRE(reference_parse(t, &want));
    INFO(t);
    REQUIRE(parse_address(t, &got));
    REQUIRE(got == want);
  }
}

TEST_CASE("parse_address_padded agrees with the reference, whatever follows the text") {
  std::mt19937_64 rng(11);
  const std::string hex = "0123456789abcdefABCDEF";
  auto check = [&](const std::string& t, const std::string& after) {
    const std::string buffer = t + after;  // at least 16 bytes after the text
    const std::string_view text(buffer.data(), t.size());
    uint64_t want = 1, got = 2;
    const bool ok = reference_parse(t, &want);
    INFO(t);
    REQUIRE(heapdump::parse_address_padded(text, &got) == ok);
    if (ok) REQUIRE(got == want);
  };
  const std::string hex_after(16, 'f');   // valid digits after the text must not count
  const std::string junk_after(16, '\xff');
  // Every byte value in every position of every length.
  for (size_t digits = 1; digits <= 16; ++digits) {
    for (size_t pos = 0; pos < digits; ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string t = "0x";
        for (size_t i = 0; i < digits; ++i) t += hex[rng() % hex.size()];
        t[2 + pos] = static_cast<char>(b);
        check(t, rng() % 2 ? hex_after : junk_after);
      }
    }
  }
  // Random hex of every length, and the edges of the format.
  for (int i = 0; i < 200000; ++i) {
    const size_t digits = 1 + rng() % 16;
    std::string t = rng() % 2 ? "0x" : "0X";
    for (size_t k = 0; k < digits; ++k) t += hex[rng() % hex.size()];
    check(t, hex_after);
  }
  for (const char* t : {"", "0", "0x", "x1", "1x1", "0y1", "0x10000000000000000", "0xffffffffffffffff", "0x0"}) {
    check(t, hex_after);
  }
}
