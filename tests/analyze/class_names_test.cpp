#include <catch2/catch.hpp>

#include "heapdump/class_names.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

TEST_CASE("ClassNames takes names from CLASS and MODULE records only") {
  ClassNames names;
  CollectingReporter rep;
  read_string("{\"address\":\"0x10\", \"type\":\"CLASS\", \"name\":\"User\"}\n"
              "{\"address\":\"0x20\", \"type\":\"MODULE\", \"name\":\"Kernel\"}\n"
              "{\"address\":\"0x30\", \"type\":\"ICLASS\", \"name\":\"NotThis\"}\n"
              "{\"address\":\"0x40\", \"type\":\"CLASS\"}\n",
              names, rep);
  REQUIRE(names.find(0x10) != nullptr);
  CHECK(*names.find(0x10) == "User");
  CHECK(*names.find(0x20) == "Kernel");
  CHECK(names.find(0x30) == nullptr);
  CHECK(names.find(0x40) == nullptr);
  CHECK(names.display(0x10, "0x10") == "User");
  CHECK(names.display(0x40, "0x40") == "#<Class:0x40>");
  CHECK(names.size() == 2);
}
