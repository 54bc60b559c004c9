#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <random>
#include <set>
#include <thread>

#include "heapdump/identity_set.hpp"

using namespace heapdump;

namespace {
Identity make(uint64_t address, uint32_t generation, uint32_t type) {
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
    Identity id = make(addr, static_cast<uint32_t>(rng() % 4), static_cast<uint32_t>(rng() % 3));
    set.insert(id);
    ref.insert(id);
  }
  set.seal(threads);
  for (int i = 0; i < 200000; ++i) {
    uint64_t addr = (i % 500 == 0) ? rng() : 0x7f0000000000ull + (rng() % 4000000) * 40;
    Identity id = make(addr, static_cast<uint32_t>(rng() % 4), static_cast<uint32_t>(rng() % 3));
    REQUIRE(set.contains(id) == (ref.count(id) == 1));
  }
  for (const Identity& id : ref) REQUIRE(set.contains(id));
}

namespace {

/// Identities laid out like a dump: heap pages of 16 KB listed in the given
/// order, each page's objects ascending by address (stride 40, some slots
/// empty), each with a random generation and type.
std::vector<Identity> pages_in_order(const std::vector<uint64_t>& pages, std::mt19937_64& rng) {
  std::vector<Identity> ids;
  for (uint64_t page : pages) {
    const uint64_t base = 0x7f0000000000ull + page * 16384;
    for (uint64_t slot = 0; slot < 409; ++slot) {
      if (rng() % 4 == 0) continue;
      ids.push_back(make(base + slot * 40, static_cast<uint32_t>(rng() % 5), static_cast<uint32_t>(rng() % 3)));
    }
  }
  return ids;
}

/// Checks `set` (sealed) against a reference: every member in fill order
/// with one hint, then members and near misses in random order with another.
void check_against(const IdentitySet& set, const std::vector<Identity>& filled, std::mt19937_64& rng) {
  const std::set<Identity> ref(filled.begin(), filled.end());
  IdentitySet::Hint in_order;
  for (const Identity& id : filled) REQUIRE(set.contains(id, &in_order));
  IdentitySet::Hint hint;
  for (int i = 0; i < 100000; ++i) {
    Identity probe = filled[rng() % filled.size()];
    switch (rng() % 4) {
      case 0: probe.address += 40; break;            // the next slot (maybe empty)
      case 1: probe.generation += 1; break;          // the slot reused
      case 2: probe.type = (probe.type + 1) % 3; break;
      default: break;                                // a member
    }
    REQUIRE(set.contains(probe, &hint) == (ref.count(probe) == 1));
    REQUIRE(set.contains(probe) == (ref.count(probe) == 1));
  }
  REQUIRE_FALSE(set.contains(make(0x7f0000000000ull - 40, 0, 0), &hint));
  REQUIRE_FALSE(set.contains(make(UINT64_MAX, 0, 0), &hint));
}

}  // namespace

TEST_CASE("IdentitySet indexes a dump's ascending pages without sorting them") {
  std::mt19937_64 rng(11);
  std::vector<uint64_t> pages(3000);
  for (size_t i = 0; i < pages.size(); ++i) pages[i] = i * 3;  // gaps between pages
  SECTION("pages listed high to low, as Ruby 3.1 dumps them") {
    std::reverse(pages.begin(), pages.end());
  }
  SECTION("pages in random order: neighbours that ascend form one run that spans other pages") {
    std::shuffle(pages.begin(), pages.end(), rng);
  }
  SECTION("pages listed low to high: one run") {
  }
  const std::vector<Identity> filled = pages_in_order(pages, rng);
  IdentitySet set;
  set.insert_batch(filled.data(), filled.size());
  set.seal(2);
  CHECK(set.runs() > 0);  // indexed, not sorted
  CHECK(set.runs() <= pages.size());
  check_against(set, filled, rng);
}

TEST_CASE("IdentitySet sorts what is not runs of distinct identities, and still agrees") {
  std::mt19937_64 rng(12);
  std::vector<uint64_t> pages(2000);
  for (size_t i = 0; i < pages.size(); ++i) pages[i] = i;
  std::vector<Identity> filled;
  SECTION("an identity listed twice") {
    filled = pages_in_order(pages, rng);
    filled.push_back(filled[filled.size() / 2]);
  }
  SECTION("even pages, then odd pages: runs that interleave too often to split") {
    std::vector<uint64_t> order;
    for (uint64_t p : pages) if (p % 2 == 0) order.push_back(p);
    for (uint64_t p : pages) if (p % 2 == 1) order.push_back(p);
    filled = pages_in_order(order, rng);
  }
  SECTION("runs too short") {
    for (int i = 0; i < 50000; ++i) filled.push_back(make(rng() % 1000000 * 40, 0, 0));
  }
  IdentitySet set;
  set.insert_batch(filled.data(), filled.size());
  set.seal(1);
  CHECK(set.runs() == 0);  // sorted
  check_against(set, filled, rng);
}

TEST_CASE("IdentitySet::Hint only shortcuts an exact match") {
  IdentitySet set;
  set.insert(make(0x1000, 1, 6));
  set.insert(make(0x1028, 1, 6));
  set.insert(make(0x1050, 1, 6));
  set.seal();
  IdentitySet::Hint hint;
  CHECK(set.contains(make(0x1000, 1, 6), &hint));
  CHECK(hint.next == 1);
  CHECK_FALSE(set.contains(make(0x1028, 2, 6), &hint));  // next slot, another generation
  CHECK_FALSE(set.contains(make(0x1028, 1, 7), &hint));  // next slot, another type
  CHECK(set.contains(make(0x1050, 1, 6), &hint));        // not next: looked up
  CHECK(hint.next == 3);
  CHECK_FALSE(set.contains(make(0x1078, 1, 6), &hint));  // past the end
  CHECK(set.contains(make(0x1028, 1, 6), &hint));
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
  const uint32_t odd = a.id("SOMETHING_NEW");
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
  std::map<std::string, uint32_t> seen;
  for (const std::string& n : names) {
    const uint32_t id = types.id(n);
    INFO("'" << n << "'");
    CHECK(types.name(id) == n);
    CHECK(types.id(n) == id);  // the same id again
    for (const auto& [other, other_id] : seen) CHECK(other_id != id);
    seen[n] = id;
  }
}

TEST_CASE("TypeIds never run out: 100,000 names, each with its own id") {
  // Before: ids were one byte and names past the 254th all shared id 255.
  TypeIds types;
  std::set<uint32_t> ids;
  for (int i = 0; i < 100000; ++i) ids.insert(types.id("T" + std::to_string(i)));
  CHECK(ids.size() == 100000);
  CHECK(types.name(types.id("T99999")) == "T99999");
  CHECK(types.name(types.id("T300")) == "T300");
  CHECK(types.id("T300") != types.id("T301"));
}

TEST_CASE("IdentitySet: generations past 2^32 - 2 are kept exactly, apart from the 16-byte identities") {
  // Before: generations were capped at 4294967294, so these two were one.
  TypeIds types;
  IdentitySet set;
  IdentityCollector collector(set, types);
  ObjectRecord r;
  r.kind = RecordKind::kObject;
  r.type = "STRING";
  r.address = 0x1000;
  r.has_generation = true;
  r.generation = 4294967294u;
  collector.on_record(r);
  r.address = 0x2000;
  r.generation = UINT64_MAX;
  collector.on_record(r);
  r.address = 0x3000;
  r.generation = 4294967293u;  // the largest that fits: generation + 1 = 4294967294
  collector.on_record(r);
  collector.flush();
  set.seal();
  CHECK(set.size() == 3);
  IdentitySet::Hint hint;
  auto has = [&](uint64_t address, uint64_t generation) {
    ObjectRecord p = r;
    p.address = address;
    p.generation = generation;
    return set.contains(identity_of(p, types), p, &hint);
  };
  CHECK(has(0x1000, 4294967294u));
  CHECK_FALSE(has(0x1000, 4294967295u));
  CHECK_FALSE(has(0x1000, UINT64_MAX));
  CHECK(has(0x2000, UINT64_MAX));
  CHECK_FALSE(has(0x2000, UINT64_MAX - 1));
  CHECK_FALSE(has(0x2000, 4294967294u));
  CHECK(has(0x3000, 4294967293u));
  CHECK_FALSE(has(0x3000, 4294967294u));
  ObjectRecord nil = r;
  nil.address = 0x1000;
  nil.has_generation = false;
  nil.generation = 0;
  CHECK_FALSE(set.contains(identity_of(nil, types), nil, &hint));
}
