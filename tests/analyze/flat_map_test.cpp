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

TEST_CASE("FlatMap and StringPool keep every entry through reserve()") {
  FlatMap<uint64_t, uint64_t, U64KeyOps> map;
  StringPool pool;
  bool inserted = false;
  for (uint64_t k = 0; k < 100; ++k) {
    map.find_or_insert(k * 7919, &inserted) = k;
    REQUIRE(pool.intern("s" + std::to_string(k)) == k);
  }
  map.reserve(5000);  // several doublings at once
  pool.reserve(5000);
  CHECK(map.size() == 100);
  CHECK(pool.size() == 100);
  for (uint64_t k = 0; k < 100; ++k) {
    const uint64_t* v = map.find(k * 7919);
    REQUIRE(v != nullptr);
    CHECK(*v == k);
    CHECK(pool.intern("s" + std::to_string(k)) == k);  // found, not added again
    CHECK(pool.get(static_cast<uint32_t>(k)) == "s" + std::to_string(k));
  }
  CHECK(map.find(1) == nullptr);
  for (uint64_t k = 100; k < 5000; ++k) {
    map.find_or_insert(k * 7919, &inserted) = k;
    REQUIRE(inserted);
    REQUIRE(pool.intern("s" + std::to_string(k)) == k);
  }
  CHECK(*map.find(4999 * 7919) == 4999);
  CHECK(pool.intern("s0") == 0);
}
