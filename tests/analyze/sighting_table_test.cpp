#include <catch2/catch.hpp>

#include <atomic>
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

TEST_CASE("ValueSightings: of threads that see the same values, exactly one sees each first") {
  ValueSightings s;
  constexpr int kThreads = 4, kValues = 30000;
  std::vector<std::vector<char>> firsts(kThreads, std::vector<char>(kValues, 0));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kValues; ++k) {
        const int i = (k * 7919 + t * 1237) % kValues;  // each thread in its own order
        firsts[t][i] = s.first_sighting(fingerprint(std::to_string(i)), {uint64_t(t), 0, uint32_t(t)}) ? 1 : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < kValues; ++i) {
    int n = 0;
    for (int t = 0; t < kThreads; ++t) n += firsts[t][i];
    REQUIRE(n == 1);
    Sighting got;
    REQUIRE(s.find(fingerprint(std::to_string(i)), &got));
    CHECK(firsts[got.owner][i] == 1);
  }
  CHECK(s.size() == kValues);
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
