#include <catch2/catch.hpp>

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
