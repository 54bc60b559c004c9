#include <catch2/catch.hpp>

#include <string>

#include "analyze/string_pool.hpp"

using heapdump::StringPool;

TEST_CASE("StringPool numbers distinct strings in order and keeps copies") {
  StringPool pool;
  std::string a = "gen/a.rb";
  CHECK(pool.intern(a) == 0);
  CHECK(pool.intern("gen/b.rb") == 1);
  a[0] = 'X';  // the pool holds its own copy
  CHECK(pool.intern("gen/a.rb") == 0);
  CHECK(pool.get(0) == "gen/a.rb");
  CHECK(pool.intern("") == 2);
  CHECK(pool.get(2).empty());
  const std::string big(1 << 20, 'q');  // larger than a block
  CHECK(pool.intern(big) == 3);
  CHECK(pool.intern("small after big") == 4);
  CHECK(pool.get(3) == big);
  CHECK(pool.get(4) == "small after big");
  CHECK(pool.intern(std::string(std::string_view("a\0b", 3))) == 5);  // NUL bytes are kept
  CHECK(pool.get(5).size() == 3);
  CHECK(pool.size() == 6);
}

TEST_CASE("StringPool views stay valid as it grows") {
  StringPool pool;
  std::vector<std::string_view> views;
  for (int i = 0; i < 200000; ++i) views.push_back(pool.get(pool.intern("file" + std::to_string(i) + ".rb")));
  for (int i = 0; i < 200000; i += 9999) CHECK(views[i] == "file" + std::to_string(i) + ".rb");
}
