#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "analyze/keyed_hash.hpp"
#include "analyze/sighting_table.hpp"

using namespace heapdump;

TEST_CASE("ValueSightings keeps the first sighting of each fingerprint") {
  ValueSightings s;
  CHECK(s.join() == 0);
  CHECK(s.join() == 1);
  // Enough to grow every shard several times.
  for (uint32_t i = 0; i < 20000; ++i) {
    const Fingerprint fp = fingerprint("value " + std::to_string(i));
    REQUIRE(s.first_sighting(fp, {i * 10ull, i, i % 2}));
    REQUIRE_FALSE(s.first_sighting(fp, {1, 2, 3}));
  }
  CHECK(s.size() == 20000);
  for (uint32_t i = 0; i < 20000; ++i) {
    Sighting got;
    REQUIRE(s.find(fingerprint("value " + std::to_string(i)), &got));
    CHECK(got.first == i * 10ull);
    CHECK(got.location == i);
    CHECK(got.owner == i % 2);
  }
  Sighting none;
  CHECK_FALSE(s.find(fingerprint("never"), &none));
  // The fingerprint {0, 0} (which marks an empty slot) is a fingerprint too.
  CHECK(s.first_sighting({0, 0}, {7, 0, 0}));
  CHECK_FALSE(s.first_sighting({0, 0}, {8, 0, 0}));
  Sighting zero;
  REQUIRE(s.find({0, 0}, &zero));
  CHECK(zero.first == 7);
  CHECK(s.first_sighting({0, 1}, {9, 0, 0}));  // a different fingerprint
  CHECK(s.size() == 20002);
}

namespace {

/// `threads` threads each offer the fingerprints fp_of(0 .. values-1) to one
/// ValueSightings, each in its own order: exactly one of them must see each
/// value first, and the table must name that one as the owner.
void check_each_first_once(int threads, int values, const std::function<Fingerprint(int)>& fp_of) {
  ValueSightings s;
  std::vector<std::vector<char>> firsts(threads, std::vector<char>(values, 0));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int k = 0; k < values; ++k) {
        const int i = (k * 7919 + t * 1237) % values;  // each thread in its own order
        firsts[t][i] = s.first_sighting(fp_of(i), {uint64_t(t), 0, uint32_t(t)}) ? 1 : 0;
      }
    });
  }
  for (auto& th : pool) th.join();
  for (int i = 0; i < values; ++i) {
    int n = 0;
    for (int t = 0; t < threads; ++t) n += firsts[t][i];
    REQUIRE(n == 1);
    Sighting got;
    REQUIRE(s.find(fp_of(i), &got));
    CHECK(firsts[got.owner][i] == 1);
  }
  CHECK(s.size() == size_t(values));
}

}  // namespace

TEST_CASE("ValueSightings: of threads that see the same values, exactly one sees each first") {
  check_each_first_once(4, 30000, [](int i) { return fingerprint(std::to_string(i)); });
}

namespace {

// Fingerprints all in shard 0 (the top 4 bits of `hi`), so that its table
// passes 2 MB and grows in place; one in 64 has a `lo` whose low 20 bits
// are ones, so its home is the last slot of every table up to 2^20 slots
// and their runs wrap from the end of the table to its start.
Fingerprint one_shard_fp(uint64_t i) {
  Fingerprint fp{mix64(i + 1), mix64(i + 1000003) >> 4};
  if (i % 64 == 0) fp.lo |= (uint64_t{1} << 20) - 1;
  return fp;
}

}  // namespace

TEST_CASE("ValueSightings: tables that grow in place keep every fingerprint, runs that wrap too") {
  ValueSightings s;
  constexpr uint32_t kValues = 160000;  // table of 2^18 slots (8 MB), grown in place twice
  for (uint32_t i = 0; i < kValues; ++i) {
    REQUIRE(s.first_sighting(one_shard_fp(i), {i * 3ull, i, 0}));
    if (i % 7 == 0) {
      REQUIRE_FALSE(s.first_sighting(one_shard_fp(i / 2), {1, 2, 3}));
    }
  }
  CHECK(s.size() == kValues);
  for (uint32_t i = 0; i < kValues; ++i) {
    Sighting got;
    REQUIRE(s.find(one_shard_fp(i), &got));
    CHECK(got.first == i * 3ull);
    CHECK(got.location == i);
    REQUIRE_FALSE(s.first_sighting(one_shard_fp(i), {1, 2, 3}));
  }
  Sighting none;
  CHECK_FALSE(s.find(one_shard_fp(kValues), &none));
}

TEST_CASE("ValueSightings: threads growing one shard at once see each first exactly once") {
  check_each_first_once(3, 120000, [](int i) { return one_shard_fp(uint64_t(i)); });
}

TEST_CASE("fingerprint: its low lane is hash_bytes; different keys and strings differ") {
  const HashKey key = HashKey::from_seed(5);
  for (const std::string& s : std::vector<std::string>{"", "a", "abcdefgh", "0123456789abcdef", "0123456789abcdefg", std::string(100, 'z')}) {
    const Fingerprint fp = fingerprint(s, key);
    CHECK(fp.lo == hash_bytes(s, key));
    CHECK(fp.hi != fp.lo);
    CHECK_FALSE(fingerprint(s, HashKey::from_seed(6)) == fp);
    CHECK_FALSE(fingerprint(s + "!", key) == fp);
  }
}
