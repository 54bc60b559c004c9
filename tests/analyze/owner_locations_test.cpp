#include <catch2/catch.hpp>

#include <vector>

#include "analyze/owner_locations.hpp"

using namespace heapdump;

TEST_CASE("OwnerLocations: an owner's own ids before any merge") {
  const OwnerLocations own(3);
  uint32_t id = 99;
  REQUIRE(own.find(3, 7, &id));
  CHECK(id == 7);
  id = 99;
  CHECK_FALSE(own.find(2, 7, &id));
  CHECK(id == 99);
}

TEST_CASE("OwnerLocations: merged owners' ids go through every map on the way") {
  // Owner 2 merges into owner 1 (its ids 0,1,2 are 1's 4,0,5), then owner
  // 1 into owner 0 (1's ids 0..5 are 0's 10..15).
  OwnerLocations zero(0), one(1);
  const OwnerLocations two(2);
  one.merge(two, {4, 0, 5});
  zero.merge(one, {10, 11, 12, 13, 14, 15});
  uint32_t id = 0;
  REQUIRE(zero.find(0, 3, &id));
  CHECK(id == 3);  // its own, unmapped
  REQUIRE(zero.find(1, 2, &id));
  CHECK(id == 12);
  for (uint32_t theirs : {0u, 1u, 2u}) {
    const std::vector<uint32_t> via_one = {4, 0, 5};
    REQUIRE(zero.find(2, theirs, &id));
    CHECK(id == 10 + via_one[theirs]);
  }
  CHECK_FALSE(zero.find(3, 0, &id));
  CHECK_FALSE(one.find(0, 0, &id));  // merging goes one way
}
