#include <catch2/catch.hpp>

#include "heapdump/compare.hpp"

using namespace heapdump;

TEST_CASE("compare_groups: join by name, signed deltas, NEW and GONE, sorted by growth") {
  const std::vector<Group> a = {{"String", 100, 10, 5}, {"Hash", 50, 1, 7}, {"Gone", 30, 3, 9},
                                {"Same", 8, 1, 11}, {"Gone2", 30, 3, 3}};
  const std::vector<Group> b = {{"Same", 8, 1, 2}, {"Hash", 40, 2, 4}, {"String", 400, 40, 6},
                                {"New", 16, 2, 8}, {"New2", 16, 2, 1}};
  Table t = compare_groups(GroupKey::kClass, a, b, 50);
  CHECK(t.name == "compare_by_class");
  REQUIRE(t.columns.size() == 8);
  CHECK(t.columns[5].kind == Column::Kind::kCountDelta);
  CHECK(t.columns[6].kind == Column::Kind::kBytesDelta);
  CHECK(t.total("objects_a") == 18);
  CHECK(t.total("bytes_a") == 218);
  CHECK(t.total("objects_b") == 47);
  CHECK(t.total("bytes_b") == 480);
  std::vector<std::string> order;
  for (const auto& r : t.rows) order.push_back(as_text(r[0]));
  // +300 String; +16 New, New2 (tie: the order of B's list, GroupBy::groups()
  // gives it by first appearance); 0 Same; -10 Hash (+1 object); -30 Gone2,
  // Gone (only in A: by first appearance in A).
  CHECK(order == std::vector<std::string>{"String", "New", "New2", "Same", "Hash", "Gone2", "Gone"});
  CHECK(as_signed(t.rows[0][6]) == 300);
  CHECK(as_signed(t.rows[0][5]) == 30);
  CHECK(is_null(t.rows[0][7]));
  CHECK(as_text(t.rows[1][7]) == "NEW");
  CHECK(as_int(t.rows[1][1]) == 0);
  CHECK(as_int(t.rows[1][2]) == 0);
  CHECK(as_signed(t.rows[4][6]) == -10);
  CHECK(as_signed(t.rows[4][5]) == 1);
  CHECK(as_text(t.rows[5][7]) == "GONE");
  CHECK(as_signed(t.rows[5][6]) == -30);
  CHECK(as_int(t.rows[5][3]) == 0);
  CHECK(compare_groups(GroupKey::kClass, a, b, 2).rows.size() == 2);
  CHECK(compare_groups(GroupKey::kGem, {}, {}, 5).rows.empty());
}

TEST_CASE("compare_groups: byte deltas are exact past the int64_t range") {
  // Before: they saturated at INT64_MAX / INT64_MIN.
  const std::vector<Group> a = {{"x", 0, 0, 0}};
  const std::vector<Group> b = {{"x", UINT64_MAX, 1, 0}};
  Table t = compare_groups(GroupKey::kType, a, b, 5);
  CHECK(as_signed(t.rows[0][6]) == static_cast<int128>(UINT64_MAX));
  Table u = compare_groups(GroupKey::kType, b, a, 5);
  CHECK(as_signed(u.rows[0][6]) == -static_cast<int128>(UINT64_MAX));
  // Sums of 2^64 and more, in both dumps.
  const uint128 big = uint128{3} << 64;
  const std::vector<Group> c = {{"x", big, 3, 0}};
  const std::vector<Group> d = {{"x", big + 5, 4, 0}};
  Table v = compare_groups(GroupKey::kType, c, d, 5);
  CHECK(as_signed(v.rows[0][6]) == 5);
  CHECK(as_int(v.rows[0][2]) == big);
  CHECK(v.total("bytes_b") == big + 5);
}
