// Regression tests found by the sanitizer build and the fuzzer (docs/fuzzing.md).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "analyze/flat_map.hpp"
#include "analyze/string_pool.hpp"

using namespace heapdump;

TEST_CASE("hash_bytes: an empty view with a null data() is fine (no memcpy from null)") {
  // memcpy(dst, nullptr, 0) is undefined behaviour; UBSan reported it here
  // for the empty strings StringPool hands out (std::string_view()).
  const std::string_view null_view;
  REQUIRE(null_view.data() == nullptr);
  CHECK(hash_bytes(null_view) == hash_bytes(std::string_view("", 0)));
  CHECK(hash_bytes("abcdefgh") != hash_bytes("abcdefgi"));
  CHECK(hash_bytes("abcdefghi") != hash_bytes("abcdefgh"));
}

TEST_CASE("StringPool: the empty string interns and finds again") {
  StringPool pool;
  const uint32_t a = pool.intern(std::string_view());
  const uint32_t b = pool.intern("");
  CHECK(a == b);
  CHECK(pool.get(a).empty());
  CHECK(pool.intern("x") != a);
}
