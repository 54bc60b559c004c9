#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include <random>
#include <set>
#include <thread>

#include "heapdump/identity_set.hpp"

using namespace heapdump;

namespace {
Identity make(uint64_t address, uint32_t generation, uint8_t type) {
  Identity id{};
  id.address = address;
  id.generation = generation;
  id.type = type;
  return id;
}
}  // namespace

TEST_CASE("IdentitySet: address, type and generation all count") {
  TypeIds types;
  IdentitySet set;
  set.insert(make(0x7f0000001000, 5, types.id("STRING")));
  set.insert(make(0x7f0000001028, 0, types.id("HASH")));
  set.seal();
  CHECK(set.contains(make(0x7f0000001000, 5, types.id("STRING"))));
  CHECK_FALSE(set.contains(make(0x7f0000001000, 6, types.id("STRING"))));  // slot reused
  CHECK_FALSE(set.contains(make(0x7f0000001000, 5, types.id("ARRAY"))));
  CHECK(set.contains(make(0x7f0000001028, 0, types.id("HASH"))));
  CHECK_FALSE(set.contains(make(0x7f0000001050, 0, types.id("HASH"))));
  CHECK_FALSE(set.contains(make(0x10, 0, types.id("HASH"))));
  CHECK_FALSE(set.contains(make(UINT64_MAX, 0, types.id("HASH"))));
}

TEST_CASE("IdentitySet agrees with std::set on random identities, sealed on 1 or 2 threads") {
  const unsigned threads = GENERATE(1u, 2u);
  INFO("threads " << threads);
  TypeIds types;
  IdentitySet set;
  std::set<Identity> ref;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    // Clustered like heap pages, plus some far-away outliers.
    uint64_t addr = (i % 1000 == 0) ? rng() : 0x7f0000000000ull + (rng() % 4000000) * 40;
    Identity id = make(addr, static_cast<uint32_t>(rng() % 4), static_cast<uint8_t>(rng() % 3));
    set.insert(id);
    ref.insert(id);
  }
  set.seal(threads);
  for (int i = 0; i < 200000; ++i) {
    uint64_t addr = (i % 500 == 0) ? rng() : 0x7f0000000000ull + (rng() % 4000000) * 40;
    Identity id = make(addr, static_cast<uint32_t>(rng() % 4), static_cast<uint8_t>(rng() % 3));
    REQUIRE(set.contains(id) == (ref.count(id) == 1));
  }
  for (const Identity& id : ref) REQUIRE(set.contains(id));
}

TEST_CASE("IdentitySet: empty and single") {
  TypeIds types;
  IdentitySet empty;
  empty.seal();
  CHECK_FALSE(empty.contains(make(1, 0, 0)));
  IdentitySet one;
  one.insert(make(42, 1, 1));
  one.seal();
  CHECK(one.contains(make(42, 1, 1)));
  CHECK_FALSE(one.contains(make(43, 1, 1)));
}

TEST_CASE("TypeIds are stable and known types have fixed ids") {
  TypeIds a, b;
  CHECK(a.id("STRING") == b.id("STRING"));
  const uint8_t odd = a.id("SOMETHING_NEW");
  CHECK(a.id("SOMETHING_NEW") == odd);
  CHECK(a.name(odd) == "SOMETHING_NEW");
  CHECK(a.name(a.id("IMEMO")) == "IMEMO");
}

TEST_CASE("IdentityCollector fills a set from records, also from several threads") {
  TypeIds types;
  IdentitySet set;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&set, &types, t] {
      IdentityCollector collector(set, types);
      ObjectRecord r;
      r.kind = RecordKind::kObject;
      r.type = t % 2 ? "STRING" : "NEW_TYPE";
      for (uint64_t i = 0; i < 20000; ++i) {
        r.address = 0x1000 + (i * 4 + t) * 40;
        collector.on_record(r);
      }
      r.kind = RecordKind::kRoot;  // not an object: ignored
      collector.on_record(r);
      collector.flush();
    });
  }
  for (auto& th : threads) th.join();
  set.seal();
  CHECK(set.size() == 80000);
  ObjectRecord probe;
  probe.kind = RecordKind::kObject;
  probe.type = "NEW_TYPE";
  probe.address = 0x1000 + (7 * 4 + 2) * 40;
  CHECK(set.contains(identity_of(probe, types)));
  probe.type = "STRING";
  CHECK_FALSE(set.contains(identity_of(probe, types)));
}

TEST_CASE("TypeIds: each name has one id, and names that only look alike have others") {
  TypeIds types;
  const std::vector<std::string> names = {
      "",       "OBJECT", "CLASS",   "ICLASS",   "MODULE", "FLOAT", "STRING", "REGEXP",
      "ARRAY",  "HASH",   "STRUCT",  "BIGNUM",   "FILE",   "DATA",  "MATCH",  "COMPLEX",
      "RATIONAL", "SYMBOL", "IMEMO", "NODE",     "ZOMBIE", "UNKNOWN",
      // prefixes, extensions, other case, a NUL byte, longer than 8 bytes
      "STRIN",  "STRINGS", "string", std::string("HASH\0", 5), "RATIONALS", "SHAPE", "MOVED"};
  std::map<std::string, uint8_t> seen;
  for (const std::string& n : names) {
    const uint8_t id = types.id(n);
    INFO("'" << n << "'");
    CHECK(types.name(id) == n);
    CHECK(types.id(n) == id);  // the same id again
    for (const auto& [other, other_id] : seen) CHECK(other_id != id);
    seen[n] = id;
  }
}
