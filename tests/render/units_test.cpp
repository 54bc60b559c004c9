#include <catch2/catch.hpp>

#include "render/units.hpp"

using namespace heapdump;

TEST_CASE("format_kb: one decimal, rounded half up (spec examples and edges)") {
  CHECK(format_kb(0) == "0.0");
  CHECK(format_kb(256) == "0.3");     // 0.25 -> 0.3
  CHECK(format_kb(51) == "0.0");      // 0.0498
  CHECK(format_kb(52) == "0.1");      // 0.0508
  CHECK(format_kb(1024) == "1.0");
  CHECK(format_kb(1075) == "1.0");    // 1.0498
  CHECK(format_kb(1076) == "1.1");    // 1.0508
  CHECK(format_kb(1126) == "1.1");    // 1.0996 -> 1.1
  CHECK(format_kb(1997) == "2.0");    // 1.9502 -> 2.0
  CHECK(format_kb(2122393) == "2072.6");  // 2072.649...
  CHECK(format_kb(UINT64_MAX) == "18014398509481984.0");
}

TEST_CASE("decimal_digits") {
  CHECK(decimal_digits(0) == 1);
  CHECK(decimal_digits(9) == 1);
  CHECK(decimal_digits(10) == 2);
  CHECK(decimal_digits(999) == 3);
  CHECK(decimal_digits(UINT64_MAX) == 20);
}
