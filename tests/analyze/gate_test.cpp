#include <catch2/catch.hpp>

#include "heapdump/gate.hpp"

using namespace heapdump;

namespace {

// Two STRING sites (100 + 20 objects) and one HASH site (30 objects):
// 150 objects, 8,000 bytes in total.
Table sample() {
  Table t;
  t.name = "diff";
  t.rows = {{std::string("STRING"), uint64_t{100}, uint64_t{4000}, std::string("a.rb"), uint64_t{1}},
            {std::string("HASH"), uint64_t{30}, uint64_t{3200}, std::string("a.rb"), uint64_t{1}},
            {std::string("STRING"), uint64_t{20}, uint64_t{800}, Cell{}, Cell{}}};
  return t;
}

}  // namespace

TEST_CASE("gates on the total: at the limit passes, one over trips") {
  GateLimits limits;
  limits.max_new_objects = 150;
  CHECK(check_gates(sample(), limits).empty());
  limits.max_new_objects = 149;
  CHECK(check_gates(sample(), limits) == "150 new objects in total, limit 149 (over by 1)");
  limits.max_new_objects.reset();
  limits.max_new_bytes = 8000;
  CHECK(check_gates(sample(), limits).empty());
  limits.max_new_bytes = 7999;
  CHECK(check_gates(sample(), limits) == "8000 new bytes in total, limit 7999 (over by 1)");
  limits.max_new_objects = 0;
  CHECK(check_gates(sample(), limits) ==
        "150 new objects in total, limit 0 (over by 150); 8000 new bytes in total, limit 7999 (over by 1)");
}

TEST_CASE("gates per type and per location name the worst group") {
  GateLimits limits;
  limits.scope = GateLimits::Scope::kType;
  limits.max_new_objects = 120;  // STRING has 100 + 20 = 120
  CHECK(check_gates(sample(), limits).empty());
  limits.max_new_objects = 29;
  CHECK(check_gates(sample(), limits) ==
        "120 new objects of type STRING, limit 29 (over by 91) and 1 more group");
  limits.scope = GateLimits::Scope::kLocation;
  limits.max_new_objects = 130;  // a.rb:1 has 130
  CHECK(check_gates(sample(), limits).empty());
  limits.max_new_objects = 129;
  CHECK(check_gates(sample(), limits) == "130 new objects at a.rb:1, limit 129 (over by 1)");
  limits.max_new_objects = 19;  // ":" (no file) has 20 too
  CHECK(check_gates(sample(), limits) ==
        "130 new objects at a.rb:1, limit 19 (over by 111) and 1 more group");
}

TEST_CASE("gates on an empty diff never trip, even at limit 0") {
  Table empty;
  GateLimits limits;
  limits.max_new_objects = 0;
  limits.max_new_bytes = 0;
  CHECK(check_gates(empty, limits).empty());
  limits.scope = GateLimits::Scope::kType;
  CHECK(check_gates(empty, limits).empty());
}
