#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>

#include "analyze/string_pool.hpp"

using heapdump::StringPool;

TEST_CASE("StringPool numbers distinct strings in order and keeps copies") {
  StringPool pool;
  std::string a = "gen/a.rb";
  CHECK(pool.intern(a) == 0);
  CHECK(pool.intern("gen/b.rb") == 1);
  a[0] = 'X';  // the pool holds its own copy
  CHECK(pool.intern("gen/a.rb") == 0);
  CHECK(pool.get(0) == "gen/a.rb");
  CHECK(pool.intern("") == 2);
  CHECK(pool.get(2).empty());
  const std::string big(1 << 20, 'q');  // larger than a block
  CHECK(pool.intern(big) == 3);
  CHECK(pool.intern("small after big") == 4);
  CHECK(pool.get(3) == big);
  CHECK(pool.get(4) == "small after big");
  CHECK(pool.intern(std::string(std::string_view("a\0b", 3))) == 5);  // NUL bytes are kept
  CHECK(pool.get(5).size() == 3);
  CHECK(pool.size() == 6);
}

TEST_CASE("StringPool keeps each string's hash, and a moved pool keeps its copies") {
  StringPool pool;
  const std::string big(3 << 20, 'z');  // a block of its own
  for (const std::string& s : {std::string("lib/x.rb"), std::string(), big, std::string(40, 'k')}) pool.intern(s);
  for (uint32_t id = 0; id < pool.size(); ++id) CHECK(pool.hash_of(id) == StringPool::hash(pool.get(id)));
  StringPool moved(std::move(pool));
  CHECK(moved.get(0) == "lib/x.rb");
  CHECK(moved.get(2) == big);
  CHECK(moved.intern(std::string(40, 'k')) == 3);
}

TEST_CASE("StringPool views stay valid as it grows") {
  StringPool pool;
  std::vector<std::string_view> views;
  for (int i = 0; i < 200000; ++i) views.push_back(pool.get(pool.intern("file" + std::to_string(i) + ".rb")));
  for (int i = 0; i < 200000; i += 9999) CHECK(views[i] == "file" + std::to_string(i) + ".rb");
}

TEST_CASE("StringPool gives the same ids as a plain map, for strings that share long prefixes") {
  // Short and long strings over a tiny alphabet: many repeats, many that
  // agree in their first 16 bytes and differ after.
  std::mt19937 rng(3);
  std::map<std::string, uint32_t> reference;
  StringPool pool;
  for (int i = 0; i < 100000; ++i) {
    const size_t n = rng() % 40;
    std::string s(n, 'a');
    for (size_t k = 16; k < n; ++k) s[k] = "ab"[rng() % 2];
    if (n > 0 && rng() % 4 == 0) s[rng() % std::min<size_t>(n, 16)] = 'b';
    const auto [it, inserted] = reference.emplace(s, static_cast<uint32_t>(reference.size()));
    INFO(s);
    REQUIRE(pool.intern(s) == it->second);
    REQUIRE(pool.get(it->second) == s);
  }
  CHECK(pool.size() == reference.size());
}

TEST_CASE("StringPool tells strings apart when their hashes collide") {
  // Every string gets the same hash: only the size, the 16 bytes kept in
  // the slot and the rest of the stored copy can tell them apart.
  StringPool pool;
  pool.set_hash_for_test([](std::string_view) -> uint64_t { return 42; });
  std::map<std::string, uint32_t> reference;
  std::mt19937 rng(5);
  for (int i = 0; i < 3000; ++i) {
    const size_t n = rng() % 40;
    std::string s(n, 'a');
    if (n > 0) s[rng() % n] = 'b';  // differ anywhere: in the head or after it
    const auto [it, inserted] = reference.emplace(s, static_cast<uint32_t>(reference.size()));
    INFO(s);
    REQUIRE(pool.intern(s) == it->second);
  }
  CHECK(pool.size() == reference.size());
}

TEST_CASE("same_bytes agrees with memcmp at every length and every differing byte") {
  // Lengths on both sides of each path: <= 16 (short loads), the 16-byte
  // blocks with an overlapping last one, and memcmp past 256.
  std::mt19937 rng(7);
  for (size_t n = 0; n <= 300; ++n) {
    std::string a(n, '\0');
    for (char& ch : a) ch = static_cast<char>(rng());
    std::string b = a;
    CHECK(heapdump::same_bytes(a.data(), b.data(), n));
    for (size_t i = 0; i < n; ++i) {
      b[i] ^= 0x01;
      if (heapdump::same_bytes(a.data(), b.data(), n)) FAIL("length " << n << ", byte " << i << " differs");
      b[i] = a[i];
    }
  }
}
