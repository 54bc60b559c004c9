#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "analyze/kept_values.hpp"

using namespace heapdump;

TEST_CASE("KeptValues gives dense ids in order of adding, with a copy of each text") {
  KeptValues values;
  std::vector<std::string> words = {"alpha", "", "beta", std::string(600000, 'x'), "gamma"};
  for (size_t i = 0; i < words.size(); ++i) {
    std::string scratch = words[i];  // the view given to add() dies with it
    const Fingerprint fp = fingerprint(scratch);
    const uint64_t h = KeptValues::hash_of(fp);
    CHECK(values.find(fp, h) == nullptr);
    CHECK(values.add(fp, h, scratch) == i);
    scratch.assign(scratch.size(), '?');
  }
  REQUIRE(values.size() == words.size());
  for (uint32_t id = 0; id < words.size(); ++id) {
    const Fingerprint fp = fingerprint(words[id]);
    CHECK(values.fp(id) == fp);
    CHECK(values.text(id) == words[id]);
    const uint32_t* found = values.find(fp, KeptValues::hash_of(fp));
    REQUIRE(found != nullptr);
    CHECK(*found == id);
    const KeptValues& read_only = values;
    REQUIRE(read_only.find(fp) != nullptr);
    CHECK(*read_only.find(fp) == id);
  }
  CHECK(values.find(fingerprint("delta")) == nullptr);
}

TEST_CASE("KeptValues: reserve_more keeps what is there") {
  KeptValues values;
  const Fingerprint a = fingerprint("a");
  values.add(a, KeptValues::hash_of(a), "a");
  values.reserve_more(10000);
  for (int i = 0; i < 5000; ++i) {
    const std::string text = "v" + std::to_string(i);
    const Fingerprint fp = fingerprint(text);
    values.add(fp, KeptValues::hash_of(fp), text);
  }
  CHECK(values.size() == 5001);
  CHECK(values.text(0) == "a");
  CHECK(*values.find(a) == 0);
  CHECK(values.text(4001) == "v4000");
  CHECK(*values.find(fingerprint("v4999")) == 5000);
}

TEST_CASE("BasicKeptValues keeps each value's counts in its slot, through growth") {
  struct Counts {
    uint64_t sum = 0;
    uint32_t seen = 0;
  };
  BasicKeptValues<Counts> values;
  std::vector<uint64_t> want;  // by id: the sum added by hand
  for (int i = 0; i < 3000; ++i) {
    const std::string text = "w" + std::to_string(i % 1000);
    const Fingerprint fp = fingerprint(text);
    const uint64_t h = BasicKeptValues<Counts>::hash_of(fp);
    auto* e = values.find_entry(fp, h);
    if (e == nullptr) {
      e = &values.add_entry(fp, h, text);
      CHECK(e->id == want.size());
      CHECK(e->counts.sum == 0);
      want.push_back(0);
    }
    e->counts.sum += static_cast<uint64_t>(i);
    e->counts.seen += 1;
    want[e->id] += static_cast<uint64_t>(i);
  }
  REQUIRE(values.size() == 1000);
  size_t entries = 0;
  values.for_each_entry([&](const BasicKeptValues<Counts>::Entry& e) {
    ++entries;
    CHECK(e.counts.seen == 3);
    CHECK(e.counts.sum == want[e.id]);
    CHECK(values.text(e.id) == "w" + std::to_string(e.id));
    CHECK(values.find_entry(values.fp(e.id)) == &e);
  });
  CHECK(entries == 1000);
}
