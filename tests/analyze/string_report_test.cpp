#include <catch2/catch.hpp>

#include <optional>

#include "heapdump/string_report.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

namespace {

// "x": 3 copies at a.rb:1 (10+10+10), 1 at b.rb:2 (50); "y": 1 at a.rb:1 (100);
// "z": 2 without file (5+5); a SYMBOL and a STRING without value are ignored.
const std::string kDump =
    "{\"address\":\"0x1\", \"type\":\"STRING\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"generation\":1, \"memsize\":10}\n"
    "{\"address\":\"0x2\", \"type\":\"STRING\", \"value\":\"y\", \"file\":\"a.rb\", \"line\":1, \"generation\":1, \"memsize\":100}\n"
    "{\"address\":\"0x3\", \"type\":\"STRING\", \"value\":\"x\", \"file\":\"b.rb\", \"line\":2, \"generation\":2, \"memsize\":50}\n"
    "{\"address\":\"0x4\", \"type\":\"STRING\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"generation\":2, \"memsize\":10}\n"
    "{\"address\":\"0x5\", \"type\":\"STRING\", \"value\":\"z\", \"memsize\":5}\n"
    "{\"address\":\"0x6\", \"type\":\"STRING\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"generation\":3, \"memsize\":10}\n"
    "{\"address\":\"0x7\", \"type\":\"STRING\", \"value\":\"z\", \"memsize\":5}\n"
    "{\"address\":\"0x8\", \"type\":\"SYMBOL\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"memsize\":40}\n"
    "{\"address\":\"0x9\", \"type\":\"STRING\", \"file\":\"a.rb\", \"line\":1, \"memsize\":40}\n";

std::vector<Table> report(std::optional<Selection> sel, uint64_t top_n) {
  StringReport r(sel);
  CollectingReporter rep;
  read_string(kDump, r, rep);
  return r.to_tables(top_n);
}

std::vector<std::string> row_text(const Table& t) {
  std::vector<std::string> out;
  for (const auto& row : t.rows) {
    std::string line;
    for (const Cell& c : row) {
      if (!line.empty()) line += '|';
      line += is_unsigned(c) ? decimal(as_int(c)) : as_text(c);
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("StringReport: by memory, by copies, frozen-string candidates") {
  auto ts = report(std::nullopt, 50);
  REQUIRE(ts.size() == 3);
  CHECK(ts[0].name == "strings_by_memory");
  CHECK(ts[0].total("objects") == 7);
  CHECK(ts[0].total("bytes") == 190);
  CHECK(row_text(ts[0]) == std::vector<std::string>{"y|100|1|a.rb:1|100|1", "x|80|4|b.rb:2|50|1",
                                                    "x|80|4|a.rb:1|30|3", "z|10|2|(no file)|10|2"});
  CHECK(ts[1].name == "strings_by_copies");
  CHECK(row_text(ts[1]) == std::vector<std::string>{"x|80|4|a.rb:1|30|3", "x|80|4|b.rb:2|50|1",
                                                    "z|10|2|(no file)|10|2", "y|100|1|a.rb:1|100|1"});
  CHECK(ts[2].name == "frozen_string_candidates");
  CHECK(row_text(ts[2]) == std::vector<std::string>{"a.rb:1|x|3|30", "(no file)|z|2|10"});
}

TEST_CASE("StringReport: selection, top N values and locations") {
  Selection gen2;
  gen2.all = false;
  gen2.generation = 2;
  auto ts = report(gen2, 50);
  CHECK(ts[0].total("objects") == 2);
  CHECK(row_text(ts[0]) == std::vector<std::string>{"x|60|2|b.rb:2|50|1", "x|60|2|a.rb:1|10|1"});
  CHECK(ts[2].rows.empty());
  auto top1 = report(std::nullopt, 1);
  CHECK(row_text(top1[0]) == std::vector<std::string>{"y|100|1|a.rb:1|100|1"});
  CHECK(row_text(top1[1]) == std::vector<std::string>{"x|80|4|a.rb:1|30|3"});
  CHECK(row_text(top1[2]) == std::vector<std::string>{"a.rb:1|x|3|30"});
}

TEST_CASE("StringReport: merge equals one pass") {
  StringReport a(std::nullopt), b(std::nullopt);
  CollectingReporter rep;
  const size_t cut = kDump.find("{\"address\":\"0x4\"");
  read_string(kDump.substr(cut), a, rep);  // the later half first, as a thread might
  read_string(kDump.substr(0, cut), b, rep);
  a.merge(b);
  // Byte offsets restart in each half, so only compare what does not depend on ties.
  auto ts = a.to_tables(50);
  CHECK(ts[0].total("objects") == 7);
  CHECK(row_text(ts[2]) == std::vector<std::string>{"a.rb:1|x|3|30", "(no file)|z|2|10"});
  CHECK(row_text(ts[0]).front() == "y|100|1|a.rb:1|100|1");
  CHECK(a.values() == 3);  // x, y, z
}

TEST_CASE("StringReport: values() counts distinct values") {
  StringReport r(std::nullopt);
  CHECK(r.values() == 0);
  CollectingReporter rep;
  read_string(kDump, r, rep);
  CHECK(r.values() == 3);  // x, y, z; the SYMBOL and the STRING without value are not counted
  Selection gen2;
  gen2.all = false;
  gen2.generation = 2;
  StringReport two(gen2);
  read_string(kDump, two, rep);
  CHECK(two.values() == 1);  // x
}
