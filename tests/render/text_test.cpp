#include <catch2/catch.hpp>

#include "heapdump/render.hpp"
#include "render/sample_tables.hpp"

using namespace heapdump;

TEST_CASE("render_summary_text: heapy's layout, nil first, label width") {
  Table t;
  t.name = "generations";
  t.rows = {{Cell{}, uint64_t{6579}, uint64_t{831897}},
            {uint64_t{1}, uint64_t{32}, uint64_t{1536}},
            {uint64_t{3}, uint64_t{41}, uint64_t{10650}}};
  t.totals = {{"objects", 6652}, {"bytes", 844083}, {"generations", 3}};
  std::string out;
  render_summary_text(t, &out);
  CHECK(out ==
        "\nAnalyzing Heap\n==============\n"
        "Generation: nil object count: 6579, mem: 812.4 kb\n"
        "Generation:   1 object count: 32, mem: 1.5 kb\n"
        "Generation:   3 object count: 41, mem: 10.4 kb\n"
        "\nHeap total\n==============\n"
        "Generations (active): 3\nCount: 6652\nMemory: 824.3 kb\n");
  t.rows[2][0] = uint64_t{12345};
  out.clear();
  render_summary_text(t, &out);
  CHECK(out.find("Generation:   nil object") != std::string::npos);
  CHECK(out.find("Generation: 12345 object") != std::string::npos);
}

TEST_CASE("render_drill_down_text: sections, widths, optional sections") {
  auto two = [](std::string name, std::vector<std::pair<std::string, uint64_t>> rows) {
    Table t;
    t.name = std::move(name);
    for (auto& [k, v] : rows) t.rows.push_back({k, v});
    return t;
  };
  std::vector<Table> ts;
  ts.push_back(two("memory_by_location", {{"a.rb:1", 1500}, {"b.rb:", 20}}));
  ts.back().totals = {{"bytes", 1520}};
  ts.push_back(two("objects_by_location", {{"a.rb:1", 3}, {"b.rb:", 1}}));
  ts.back().totals = {{"objects", 4}};
  ts.push_back(two("objects_by_class", {}));
  ts.push_back(two("references_by_location", {{"a.rb:1", 0}}));
  Table dup;
  dup.name = "duplicate_strings";
  dup.rows = {{std::string("x\n"), uint64_t{12}, std::string("a.rb:1"), uint64_t{10}},
              {std::string("x\n"), uint64_t{12}, std::string("b.rb:"), uint64_t{2}},
              {std::string("y"), uint64_t{2}, std::string("a.rb:1"), uint64_t{2}}};
  ts.push_back(dup);
  std::string out;
  render_drill_down_text("all", ts, &out);
  CHECK(out ==
        "\nAnalyzing Heap (Generation: all)\n-------------------------------\n\n"
        "allocated by memory (1520) (in bytes)\n==============================\n"
        "  1500  a.rb:1\n"
        "    20  b.rb:\n"
        "\nobject count (4)\n==============================\n"
        "  3  a.rb:1\n"
        "  1  b.rb:\n"
        "\nHigh Ref Counts\n==============================\n\n"
        "  0  a.rb:1\n"
        "\nDuplicate strings\n==============================\n\n"
        " 12  \"x\\n\"\n"
        " 10  a.rb:1\n"
        "  2  b.rb:\n"
        "\n"
        "  2  \"y\"\n"
        "  2  a.rb:1\n"
        "\n");
}

TEST_CASE("render_diff_text: heapy's line format") {
  const Table t = test::diff_table();
  std::string out;
  render_diff_text(t, false, &out);
  CHECK(out ==
        "Allocated STRING 360 objects of size 14400/14408 (in bytes) at: gen/leak.rb:79\n"
        "Allocated DATA 1 objects of size 8/14408 (in bytes) at: :\n");
  out.clear();
  render_diff_text(t, true, &out);
  CHECK(out.rfind("Retained STRING 360", 0) == 0);
}
