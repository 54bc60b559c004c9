#include <catch2/catch.hpp>

#include "heapdump/generation_summary.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

TEST_CASE("GenerationSummary counts objects and bytes per generation (hand count)") {
  // Hand count: nil = 3 objects (100 + 0 + 7 bytes); gen 0 = 1 (5 bytes);
  // gen 2 = 2 (40 + 1 bytes); gen 1000 = 1 (0 bytes). ROOT, NONE, SHAPE,
  // MOVED and address-less records are not objects.
  const std::string dump =
      "{\"type\":\"ROOT\", \"root\":\"vm\", \"references\":[\"0x1\"]}\n"
      "{\"address\":\"0x1\", \"type\":\"STRING\", \"memsize\":100}\n"
      "{\"address\":\"0x2\", \"type\":\"HASH\", \"generation\":2, \"memsize\":40}\n"
      "{\"address\":\"0x3\", \"type\":\"OBJECT\", \"generation\":null}\n"
      "{\"address\":\"0x4\", \"type\":\"ARRAY\", \"generation\":0, \"memsize\":5}\n"
      "{\"address\":\"0x5\", \"type\":\"NONE\", \"memsize\":999}\n"
      "{\"address\":\"0x6\", \"type\":\"SHAPE\", \"memsize\":999}\n"
      "{\"address\":\"0x7\", \"type\":\"MOVED\", \"memsize\":999}\n"
      "{\"type\":\"STRING\", \"memsize\":999}\n"
      "{\"address\":\"0x8\", \"type\":\"DATA\", \"generation\":2, \"memsize\":1}\n"
      "{\"address\":\"0x9\", \"type\":\"ZOMBIE\", \"memsize\":7}\n"
      "{\"address\":\"0xa\", \"type\":\"STRING\", \"generation\":1000}\n";
  GenerationSummary summary;
  CollectingReporter rep;
  read_string(dump, summary, rep);
  Table t = summary.to_table();
  REQUIRE(t.rows.size() == 4);
  CHECK(is_null(t.rows[0][0]));
  CHECK(as_int(t.rows[0][1]) == 3);
  CHECK(as_int(t.rows[0][2]) == 107);
  CHECK(as_int(t.rows[1][0]) == 0);
  CHECK(as_int(t.rows[1][1]) == 1);
  CHECK(as_int(t.rows[1][2]) == 5);
  CHECK(as_int(t.rows[2][0]) == 2);
  CHECK(as_int(t.rows[2][1]) == 2);
  CHECK(as_int(t.rows[2][2]) == 41);
  CHECK(as_int(t.rows[3][0]) == 1000);
  CHECK(as_int(t.rows[3][1]) == 1);
  CHECK(t.total("objects") == 7);
  CHECK(t.total("bytes") == 153);
  CHECK(t.total("generations") == 4);
}

TEST_CASE("GenerationSummary: very large generation numbers and the empty dump") {
  GenerationSummary summary;
  CollectingReporter rep;
  read_string("{\"address\":\"0x1\", \"generation\":5000000000, \"memsize\":3}\n"
              "{\"address\":\"0x2\", \"generation\":7, \"memsize\":4}\n",
              summary, rep);
  Table t = summary.to_table();
  REQUIRE(t.rows.size() == 2);
  CHECK(as_int(t.rows[0][0]) == 7);
  CHECK(as_int(t.rows[1][0]) == 5000000000ull);
  GenerationSummary empty;
  Table e = empty.to_table();
  CHECK(e.rows.empty());
  CHECK(e.total("objects") == 0);
  CHECK(e.total("generations") == 0);
}
