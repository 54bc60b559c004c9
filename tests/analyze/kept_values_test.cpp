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
