#include <catch2/catch.hpp>

#include "heapdump/render.hpp"

using namespace heapdump;
using namespace std::string_literals;

TEST_CASE("render_groups_text: title with totals, two right-aligned numbers, the key") {
  Table t;
  t.name = "by_gem";
  t.columns = {{"gem", Column::Kind::kText}, {"bytes", Column::Kind::kBytes},
               {"objects", Column::Kind::kCount}};
  t.rows = {{"app"s, uint64_t{218520}, uint64_t{2938}}, {"rack-2.2.4"s, uint64_t{96}, uint64_t{113}}};
  t.totals = {{"bytes", 300000}, {"objects", 4000}};
  std::string out;
  render_analyzing_title("all objects", &out);
  render_groups_text(t, &out);
  CHECK(out ==
        "\nAnalyzing Heap (all objects)\n-------------------------------\n\n"
        "memory and objects by gem (300000 bytes, 4000 objects)\n"
        "==============================\n"
        "  218520  2938  app\n"
        "      96   113  rack-2.2.4\n");
}

TEST_CASE("render_strings_text: values with their locations, then candidates") {
  auto strings = [](std::string name) {
    Table t;
    t.name = std::move(name);
    t.rows = {{"x\n"s, uint64_t{80}, uint64_t{4}, "b.rb:2"s, uint64_t{50}, uint64_t{1}},
              {"x\n"s, uint64_t{80}, uint64_t{4}, "a.rb:1"s, uint64_t{30}, uint64_t{3}},
              {"y"s, uint64_t{100}, uint64_t{1}, "a.rb:1"s, uint64_t{100}, uint64_t{1}}};
    t.totals = {{"bytes", 180}, {"objects", 5}};
    return t;
  };
  Table frozen;
  frozen.name = "frozen_string_candidates";
  frozen.rows = {{"a.rb:1"s, "x\n"s, uint64_t{3}, uint64_t{30}}};
  std::string out;
  render_strings_text({strings("strings_by_memory"), strings("strings_by_copies"), frozen}, &out);
  CHECK(out ==
        "strings by memory (180 bytes, 5 strings)\n==============================\n\n"
        "   80  4  \"x\\n\"\n"
        "   50  1  b.rb:2\n"
        "   30  3  a.rb:1\n"
        "\n"
        "  100  1  \"y\"\n"
        "  100  1  a.rb:1\n"
        "\n"
        "strings by copies (5 strings, 180 bytes)\n==============================\n\n"
        "  4   80  \"x\\n\"\n"
        "  1   50  b.rb:2\n"
        "  3   30  a.rb:1\n"
        "\n"
        "  1  100  \"y\"\n"
        "  1  100  a.rb:1\n"
        "\n"
        "frozen string candidates (copies of one value allocated at one location)\n"
        "==============================\n"
        "  3  30  a.rb:1  \"x\\n\"\n");
}

TEST_CASE("render_compare_text: signed deltas, markers, header widths") {
  Table t;
  t.name = "compare_by_class";
  t.columns = {{"class", Column::Kind::kText}};
  t.rows = {{"String"s, uint64_t{10}, uint64_t{100}, uint64_t{40}, uint64_t{400}, int64_t{30},
             int64_t{300}, Cell{}},
            {"New"s, uint64_t{0}, uint64_t{0}, uint64_t{2}, uint64_t{16}, int64_t{2}, int64_t{16},
             "NEW"s},
            {"Same"s, uint64_t{1}, uint64_t{8}, uint64_t{1}, uint64_t{8}, int64_t{0}, int64_t{0},
             Cell{}},
            {"Gone"s, uint64_t{3}, uint64_t{30}, uint64_t{0}, uint64_t{0}, int64_t{-3},
             int64_t{-30}, "GONE"s}};
  t.totals = {{"objects_a", 14}, {"bytes_a", 138}, {"objects_b", 43}, {"bytes_b", 424}};
  std::string out;
  render_compare_text("a.json", "b.json", {t}, false, &out);
  CHECK(out ==
        "\nComparing heap dumps\n-------------------------------\n"
        "A: a.json (14 objects, 138 bytes)\n"
        "B: b.json (43 objects, 424 bytes)\n"
        "\ngrowth by class, B - A (+286 bytes, +29 objects)\n"
        "==============================\n"
        "  +bytes  +objects  bytes A  objects A  bytes B  objects B        class\n"
        "    +300       +30      100         10      400         40        String\n"
        "     +16        +2        0          0       16          2  NEW   New\n"
        "       0         0        8          1        8          1        Same\n"
        "     -30        -3       30          3        0          0  GONE  Gone\n");
}

TEST_CASE("render_compare_text: one note of the allocation tracer's size, left out or counted") {
  Table t;
  t.name = "compare_by_type";
  t.columns = {{"type", Column::Kind::kText}};
  t.totals = {{"objects_a", 1}, {"bytes_a", 8}, {"objects_b", 1}, {"bytes_b", 8},
              {"allocation_tracer_bytes_a", 115720}, {"allocation_tracer_bytes_b", 230408}};
  std::string out;
  render_compare_text("a.json", "b.json", {t, t}, false, &out);
  const std::string note =
      "Note: allocation tracing itself holds 115720 bytes in A and 230408 bytes in B (Ruby's "
      "allocation tracer; left out of every group and total; --include-tracer counts it)\n";
  CHECK(out.find("B: b.json (1 objects, 8 bytes)\n" + note) != std::string::npos);
  CHECK(out.find(note) == out.rfind(note));  // once, not per table
  out.clear();
  render_compare_text("a.json", "b.json", {t}, true, &out);
  CHECK(out.find("(Ruby's allocation tracer; counted as the group (allocation tracer), "
                 "--include-tracer)\n") != std::string::npos);
  t.totals.resize(4);  // no tracer in either dump: no note
  out.clear();
  render_compare_text("a.json", "b.json", {t}, false, &out);
  CHECK(out.find("Note:") == std::string::npos);
}

TEST_CASE("render_strings_text: a value over 120 characters is cut, with its whole size") {
  // 120 characters pass whole; 121 are cut to 120 and "… (N bytes)". "é" is
  // one character of two bytes, never split; a lone 0xFF byte counts as one.
  const std::string exact(120, 'a');
  const std::string long_ascii = std::string(200, 'b');
  std::string accents;
  for (int i = 0; i < 130; ++i) accents += "\xC3\xA9";  // 130 × "é", 260 bytes
  const std::string bad = std::string(119, 'c') + "\xFF" + "dd";  // 122 characters
  Table t;
  t.name = "strings_by_memory";
  for (const std::string* v : std::initializer_list<const std::string*>{&exact, &long_ascii, &accents, &bad}) {
    t.rows.push_back({*v, uint64_t{1}, uint64_t{1}, "a.rb:1"s, uint64_t{1}, uint64_t{1}});
  }
  Table frozen;
  frozen.name = "frozen_string_candidates";
  frozen.rows = {{"a.rb:1"s, long_ascii, uint64_t{2}, uint64_t{2}}};
  std::string out;
  render_strings_text({t, frozen}, &out);
  std::string accents_120;
  for (int i = 0; i < 120; ++i) accents_120 += "\xC3\xA9";
  CHECK(out.find("  1  1  \"" + exact + "\"\n") != std::string::npos);
  CHECK(out.find("  1  1  \"" + std::string(120, 'b') + "\"\u2026 (200 bytes)\n") != std::string::npos);
  CHECK(out.find("  1  1  \"" + accents_120 + "\"\u2026 (260 bytes)\n") != std::string::npos);
  CHECK(out.find("  1  1  \"" + std::string(119, 'c') + "\\xFF\"\u2026 (122 bytes)\n") !=
        std::string::npos);
  CHECK(out.find("  2  2  a.rb:1  \"" + std::string(120, 'b') + "\"\u2026 (200 bytes)\n") !=
        std::string::npos);
}
