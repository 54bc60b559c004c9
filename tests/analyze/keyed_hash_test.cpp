#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "analyze/keyed_hash.hpp"
#include "analyze/string_pool.hpp"

using namespace heapdump;

namespace {

// A copy of heapdump's string hash before it was keyed (FNV-1a over 8-byte
// words, then mix64), kept here only to craft strings that collide under it.
// For 16 bytes (words w0, w1; no tail) it is mix64(((h1 ^ w1) * P) * P) with
// h1 = (B ^ w0) * P: every string whose w1 is its own h1 has one hash.
constexpr uint64_t kP = 0x100000001b3ull;
constexpr uint64_t kB = 0xcbf29ce484222325ull ^ 16;

uint64_t old_hash16(const std::string& s) {
  uint64_t w0, w1;
  std::memcpy(&w0, s.data(), 8);
  std::memcpy(&w1, s.data() + 8, 8);
  uint64_t h = (kB ^ w0) * kP;
  h = (h ^ w1) * kP;
  h = h * kP;
  return mix64(h);
}

std::vector<std::string> colliding_strings(size_t n) {
  std::mt19937_64 rng(23);
  std::vector<std::string> out;
  while (out.size() < n) {
    const uint64_t w0 = rng();
    const uint64_t h1 = (kB ^ w0) * kP;
    std::string s(16, '\0');
    std::memcpy(s.data(), &w0, 8);
    std::memcpy(s.data() + 8, &h1, 8);
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST_CASE("keyed hash: strings that all collided under the old hash spread out") {
  const std::vector<std::string> strings = colliding_strings(4096);
  std::set<uint64_t> old_hashes, low_bits;
  for (const std::string& s : strings) {
    old_hashes.insert(old_hash16(s));
    low_bits.insert(hash_bytes(s) & 0xffff);  // a table of 64k slots
  }
  REQUIRE(old_hashes.size() == 1);  // the craft works
  // 4096 random values in 65536 slots: about 3970 distinct expected.
  CHECK(low_bits.size() > 3800);
  // And interning them gives each its own id.
  StringPool pool;
  for (size_t i = 0; i < strings.size(); ++i) REQUIRE(pool.intern(strings[i]) == i);
  for (size_t i = 0; i < strings.size(); ++i) REQUIRE(pool.intern(strings[i]) == i);
}

TEST_CASE("keyed hash: different keys give different values") {
  const HashKey a = HashKey::from_seed(1), b = HashKey::from_seed(2);
  CHECK(std::memcmp(&a, &b, sizeof a) != 0);
  const HashKey a2 = HashKey::from_seed(1);
  CHECK(std::memcmp(&a, &a2, sizeof a) == 0);  // a seed names one key
  int same = 0;
  for (size_t n = 0; n <= 64; ++n) {
    const std::string s(n, 'k');
    CHECK(hash_bytes(s, a) == hash_bytes(s, a2));
    same += hash_bytes(s, a) == hash_bytes(s, b);
  }
  CHECK(same == 0);
  same = 0;
  for (uint64_t x : {uint64_t{0}, uint64_t{1}, uint64_t{0x7f0000001000}, UINT64_MAX}) {
    same += hash_u64(x, a) == hash_u64(x, b);
  }
  CHECK(same == 0);
}

TEST_CASE("keyed hash: every byte of every length up to 70 changes the hash, for several keys") {
  for (uint64_t seed : {3u, 4u, 5u}) {
    const HashKey key = HashKey::from_seed(seed);
    for (size_t n = 1; n <= 70; ++n) {
      const std::string base(n, 'x');
      const uint64_t h = hash_bytes(base, key);
      for (size_t pos = 0; pos < n; ++pos) {
        for (char c : {'\0', 'y', '\xff'}) {
          std::string other = base;
          other[pos] = c;
          INFO("seed " << seed << ", length " << n << ", byte " << pos);
          CHECK(hash_bytes(other, key) != h);
        }
      }
      CHECK(hash_bytes(base.substr(0, n - 1), key) != h);  // and the length
    }
  }
}
