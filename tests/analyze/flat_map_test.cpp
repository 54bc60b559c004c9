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

TEST_CASE("hash_bytes: every byte of every length up to 40 changes the hash") {
  // The tail (the last 1-7 bytes) is read with fixed-size loads; a byte it
  // missed would leave the hash unchanged when only that byte differs.
  for (size_t n = 1; n <= 40; ++n) {
    const std::string base(n, 'x');
    const uint64_t h = hash_bytes(base);
    for (size_t pos = 0; pos < n; ++pos) {
      for (char c : {'\0', 'y', '\xff'}) {
        std::string other = base;
        other[pos] = c;
        INFO("length " << n << ", byte " << pos);
        CHECK(hash_bytes(other) != h);
      }
    }
    CHECK(hash_bytes(base.substr(0, n - 1)) != h);  // and the length
  }
}
