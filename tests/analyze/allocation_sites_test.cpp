#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "heapdump/allocation_sites.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

namespace {

// Two generations and objects without one; "x" three times, a long value
// of "é" (two bytes each) once.
std::string dump() {
  std::string longv;
  for (int i = 0; i < 150; ++i) longv += "\xc3\xa9";
  return "{\"address\":\"0x1\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"method\":\"go\", \"generation\":1, \"memsize\":40}\n"
         "{\"address\":\"0x2\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"method\":\"go\", \"generation\":2, \"memsize\":40}\n"
         "{\"address\":\"0x3\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"x\", \"file\":\"b.rb\", \"line\":2, \"generation\":2, \"memsize\":40}\n"
         "{\"address\":\"0x4\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"" + longv + "\", \"file\":\"b.rb\", \"line\":3, \"generation\":2, \"memsize\":340}\n"
         "{\"address\":\"0x5\", \"type\":\"ARRAY\", \"class\":\"0xc2\", \"memsize\":80}\n"
         "{\"address\":\"0xc1\", \"type\":\"CLASS\", \"name\":\"String\", \"memsize\":0}\n"
         "{\"address\":\"0xc2\", \"type\":\"CLASS\", \"name\":\"Array\", \"memsize\":0}\n";
}

const Table* find(const std::vector<Table>& ts, const std::string& name) {
  for (const Table& t : ts) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

/// Rows with every text cell holding its own text (a StringReport's rows
/// share one SharedText per value), to compare them with ==.
std::vector<std::vector<Cell>> own_texts(std::vector<std::vector<Cell>> rows) {
  for (auto& row : rows) {
    for (Cell& c : row) {
      if (is_text(c)) c = std::string(as_text(c));
    }
  }
  return rows;
}

}  // namespace

TEST_CASE("AllocationSites: the tables of read --by KEY and --strings, per generation too") {
  AllocationSites sites;
  ClassNames names;
  TeeSink tee;
  tee.add(sites);
  tee.add(names);
  CollectingReporter rep;
  read_string(dump(), tee, rep);
  const std::vector<Table> ts = sites.tables(names, 2);
  std::vector<std::string> order;
  for (const Table& t : ts) order.push_back(t.name);
  CHECK(order == std::vector<std::string>{"allocated_by_class", "allocated_by_location",
                                          "allocated_by_gem", "allocated_by_file",
                                          "allocated_by_type", "allocated_by_method",
                                          "strings_by_memory", "strings_by_copies",
                                          "frozen_string_candidates", "generation_groups"});
  // Each allocated_by_KEY is GroupBy's table of every object, plus "groups".
  for (GroupKey key : {GroupKey::kClass, GroupKey::kLocation, GroupKey::kGem, GroupKey::kFile,
                       GroupKey::kType, GroupKey::kMethod}) {
    GroupBy g(key, std::nullopt);
    read_string(dump(), g, rep);
    const Table want = g.to_table(2, names);
    const Table* got = find(ts, "allocated_by_" + std::string(group_key_name(key)));
    REQUIRE(got != nullptr);
    CHECK(got->rows == want.rows);
    CHECK(got->total("bytes") == 540);
    CHECK(got->total("objects") == 7);
  }
  // location: a.rb:1, b.rb:2, b.rb:3, (no file); file: a.rb, b.rb, (no file).
  CHECK(find(ts, "allocated_by_location")->total("groups") == 4);
  CHECK(find(ts, "allocated_by_file")->total("groups") == 3);
  CHECK(find(ts, "allocated_by_method")->total("groups") == 2);
  // Strings: "x" and the long value; the long one cut to 120 bytes (60
  // "é") and "…".
  const Table& mem = *find(ts, "strings_by_memory");
  CHECK(mem.total("values") == 2);
  CHECK(mem.total("objects") == 4);
  std::string cut;
  for (int i = 0; i < 60; ++i) cut += "\xc3\xa9";
  cut += "\xe2\x80\xa6";
  CHECK(as_text(mem.rows[0][0]) == cut);
  CHECK(as_int(mem.rows[0][1]) == 340);
  CHECK(as_text(mem.rows[1][0]) == "x");
  CHECK(find(ts, "strings_by_copies")->total("values") == 2);
  CHECK(find(ts, "frozen_string_candidates")->rows.size() == 1);  // x twice at a.rb:1
  // Per generation: nil (the ARRAY and the two classes), 1 and 2.
  const Table& gens = *find(ts, "generation_groups");
  CHECK(gens.total("generations") == 3);
  CHECK(gens.total("top") == 2);
  uint128 g2 = 0;
  for (const auto& row : gens.rows) {
    if (!is_null(row[0]) && as_int(row[0]) == 2 && as_text(row[1]) == "location") g2 += as_int(row[3]);
  }
  CHECK(g2 == 420);
}

TEST_CASE("AllocationSites: at most kSiteValueLocations locations under a value") {
  // "v" at 8 sites, (8 - i) copies at site i; "w" at 2 sites.
  std::string data;
  int address = 1;
  for (int site = 0; site < 8; ++site) {
    for (int copy = 0; copy < 8 - site; ++copy) {
      data += "{\"address\":\"0x" + std::to_string(address++) + "\", \"type\":\"STRING\", \"value\":\"v\", "
              "\"file\":\"s.rb\", \"line\":" + std::to_string(site) + ", \"memsize\":40}\n";
    }
  }
  for (int site = 0; site < 2; ++site) {
    data += "{\"address\":\"0x" + std::to_string(address++) + "\", \"type\":\"STRING\", \"value\":\"w\", "
            "\"file\":\"w.rb\", \"line\":" + std::to_string(site) + ", \"memsize\":40}\n";
  }
  AllocationSites sites;
  ClassNames names;
  CollectingReporter rep;
  read_string(data, sites, rep);
  const std::vector<Table> ts = sites.tables(names, 20);
  StringReport whole(std::nullopt);
  read_string(data, whole, rep);
  const std::vector<Table> want = whole.to_tables(20);
  for (size_t k = 0; k < 2; ++k) {
    const Table& got = *find(ts, want[k].name);
    REQUIRE(want[k].rows.size() == 10);  // v at 8 sites, w at 2
    // read's rows, the first 5 of v: sites 0..4 (the most copies, bytes).
    std::vector<std::vector<Cell>> first = {want[k].rows.begin(), want[k].rows.begin() + 5};
    first.insert(first.end(), want[k].rows.begin() + 8, want[k].rows.end());
    CHECK(own_texts(got.rows) == own_texts(first));
    CHECK(as_text(got.rows[4][3]) == "s.rb:4");
    CHECK(got.total("values") == 2);
  }
}
