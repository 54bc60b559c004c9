#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "heapdump/render.hpp"
#include "heapdump/table.hpp"

namespace heapdump {
namespace {

constexpr Column::Kind kText = Column::Kind::kText;
constexpr Column::Kind kCount = Column::Kind::kCount;
constexpr Column::Kind kBytes = Column::Kind::kBytes;
constexpr Column::Kind kInteger = Column::Kind::kInteger;

std::vector<Column> hop_columns(const std::string& first) {
  return {{first, kCount},  {"hop", kInteger},   {"root", kText},
          {"address", kText}, {"type", kText},    {"class", kText},
          {"name", kText},    {"location", kText}, {"memsize", kBytes}};
}

/// The same table with its columns in reverse order, but for the first
/// when `keep_first` (a hop table's path number stays first).
Table reversed(const Table& t, bool keep_first) {
  Table r = t;
  const size_t from = keep_first ? 1 : 0;
  std::reverse(r.columns.begin() + from, r.columns.end());
  for (auto& row : r.rows) std::reverse(row.begin() + from, row.end());
  return r;
}

std::vector<Table> reversed(const std::vector<Table>& tables) {
  std::vector<Table> out;
  for (const Table& t : tables) {
    const bool hops = t.columns.size() > 1 && t.columns[1].name == "hop";
    out.push_back(reversed(t, hops));
  }
  std::reverse(out.begin(), out.end());  // found by name, not place
  return out;
}

std::vector<Table> path_tables() {
  Table paths;
  paths.name = "paths";
  paths.columns = hop_columns("path");
  paths.rows = {
      make_row(uint64_t{1}, uint64_t{0}, std::string("vm"), std::string("0x10"),
               std::string("OBJECT"), std::string("Foo"), Cell{}, std::string("a.rb:1"),
               uint64_t{40}),
      make_row(uint64_t{1}, uint64_t{1}, Cell{}, std::string("0x20"), std::string("CLASS"),
               std::string("Class"), std::string("Bar"), Cell{}, uint64_t{500}),
      // Hops 2..24 left out: a gap of 23.
      make_row(uint64_t{1}, uint64_t{25}, Cell{}, std::string("0x30"), std::string("STRING"),
               std::string("String"), Cell{}, std::string("b.rb:7"), uint64_t{41})};
  paths.totals = {{"targets", 3},           {"reachable_targets", 1}, {"unreachable_targets", 2},
                  {"target_bytes", 120},    {"paths", 1}};
  Table acc;
  acc.name = "accumulation_point";
  acc.columns = {{"address", kText}, {"type", kText},      {"class", kText},
                 {"name", kText},    {"location", kText},  {"memsize", kBytes},
                 {"depth", kInteger}, {"targets", kCount}, {"target_bytes", kBytes}};
  acc.rows = {make_row(std::string("0x20"), std::string("CLASS"), std::string("Class"),
                       std::string("Bar"), Cell{}, uint64_t{500}, uint64_t{1}, uint64_t{2},
                       uint64_t{80})};
  Table merged;
  merged.name = "merged_paths";
  merged.columns = {{"depth", kInteger}, {"class", kText},    {"objects", kCount},
                    {"address", kText},  {"targets", kCount}, {"target_bytes", kBytes}};
  merged.rows = {make_row(uint64_t{0}, std::string("ROOT vm"), uint64_t{1}, Cell{}, uint64_t{3},
                          uint64_t{120}),
                 make_row(uint64_t{1}, std::string("Foo"), uint64_t{1}, std::string("0x10"),
                          uint64_t{3}, uint64_t{120})};
  Table routes;
  routes.name = "routes";
  routes.columns = {{"path", kCount},          {"hops", kInteger}, {"targets", kCount},
                    {"target_bytes", kBytes}, {"via_accumulation_point", kCount}};
  routes.rows = {make_row(uint64_t{1}, uint64_t{25}, uint64_t{1}, uint64_t{41}, uint64_t{1})};
  routes.totals = {{"routes", 1}};
  return {paths, acc, merged, routes};
}

TEST_CASE("graph_text: path, by hand") {
  std::string out;
  render_path_text("class String", "d.json", path_tables(), &out);
  CHECK(out ==
        "Paths from GC roots to class String in d.json\n"
        "-------------------------------\n\n"
        "targets: 3 objects, 120 bytes; reachable from a root: 1; unreachable: 2\n"
        "\nPath 1 of 1 (25 hops): the route of 1 of 1 reachable targets, through the "
        "accumulation point\n==============================\n"
        "  ROOT vm\n"
        "  hop  address  type    class      location    memsize\n"
        "    0  0x10     OBJECT  Foo        a.rb:1           40\n"
        "    1  0x20     CLASS   Class Bar  (no file)       500\n"
        "       \u2026 23 hops \u2026\n"
        "   25  0x30     STRING  String     b.rb:7           41\n"
        "\nAccumulation point\n==============================\n"
        "  0x20 CLASS Class Bar at (no file) (depth 1): on the paths of 2 of 1 reachable targets (80 "
        "bytes)\n"
        "\nMerged shortest paths (by class)\n==============================\n"
        "  targets    bytes  objects  class\n"
        "        3      120        1  ROOT vm\n"
        "        3      120        1    Foo 0x10\n");
}

TEST_CASE("graph_text: path reads columns and tables by name") {
  std::string a, b;
  render_path_text("class String", "d.json", path_tables(), &a);
  render_path_text("class String", "d.json", reversed(path_tables()), &b);
  CHECK(a == b);
  // A missing column is an internal error, not a wrong cell.
  std::vector<Table> broken = path_tables();
  broken[2].columns[4].name = "renamed";
  std::string c;
  CHECK_THROWS(render_path_text("x", "d.json", broken, &c));
}

std::vector<Table> retained_tables() {
  Table graph;
  graph.name = "graph";
  graph.totals = {{"objects", 4},           {"bytes", 1000},          {"edges", 5},
                  {"class_edges", 1},       {"root_references", 2},   {"dangling_references", 1},
                  {"reachable_objects", 3}, {"reachable_bytes", 900}, {"unreachable_objects", 1},
                  {"unreachable_bytes", 100}, {"allocation_tracer_bytes", 50}};
  const std::vector<Column> object_columns = {
      {"address", kText},  {"type", kText},     {"class", kText},    {"name", kText},
      {"location", kText}, {"shallow", kBytes}, {"retained", kBytes}};
  Table top;
  top.name = "top_retainers";
  top.columns = object_columns;
  top.rows = {make_row(std::string("0x10"), std::string("OBJECT"), std::string("Foo"), Cell{},
                       std::string("a.rb:1"), uint64_t{40}, uint64_t{900})};
  auto group = [&](const std::string& name, const std::string& key, Cell value) {
    Table t;
    t.name = name;
    t.columns = {{key, kText}, {"objects", kCount}, {"shallow", kBytes}, {"retained", kBytes}};
    t.rows = {make_row(std::move(value), uint64_t{2}, uint64_t{80}, uint64_t{600})};
    return t;
  };
  Table suspects;
  suspects.name = "leak_suspects";
  suspects.columns = {{"suspect", kCount},
                      {"kind", kText},
                      {"class", kText},
                      {"address", kText},
                      {"objects", kCount},
                      {"retained", kBytes},
                      {"accumulation_address", kText},
                      {"accumulation_type", kText},
                      {"accumulation_class", kText},
                      {"accumulation_location", kText},
                      {"accumulation_retained", kBytes}};
  suspects.rows = {
      make_row(uint64_t{1}, std::string("object"), std::string("Foo"), std::string("0x10"),
               uint64_t{1}, uint64_t{900}, std::string("0x20"), std::string("ARRAY"),
               std::string("Array"), Cell{}, uint64_t{800}),
      make_row(uint64_t{2}, std::string("class"), std::string("Bar"), Cell{}, uint64_t{7},
               uint64_t{300}, Cell{}, Cell{}, Cell{}, Cell{}, Cell{})};
  Table paths;
  paths.name = "suspect_paths";
  paths.columns = hop_columns("suspect");
  paths.rows = {make_row(uint64_t{1}, uint64_t{0}, std::string("vm"), std::string("0x10"),
                         std::string("OBJECT"), std::string("Foo"), Cell{},
                         std::string("a.rb:1"), uint64_t{40})};
  Table un;
  un.name = "unreachable";
  un.columns = {{"address", kText}, {"type", kText},     {"class", kText},
                {"name", kText},    {"location", kText}, {"memsize", kBytes}};
  un.rows = {make_row(std::string("0x40"), std::string("MODULE"), std::string("Module"),
                      std::string("Baz"), Cell{}, uint64_t{100})};
  un.totals = {{"objects", 1}, {"bytes", 100}};
  return {graph,
          top,
          group("retained_by_class", "class", std::string("Foo")),
          group("retained_by_location", "location", Cell{}),
          group("retained_by_gem", "gem", std::string("app")),
          suspects,
          paths,
          un};
}

TEST_CASE("graph_text: retained, by hand") {
  std::string out;
  render_retained_text({"d.json", 25, true, false}, retained_tables(), &out);
  CHECK(out ==
        "Retained memory (dominator tree) of d.json\n"
        "-------------------------------\n\n"
        "objects 4, references 5 (1 of them class links), GC root references 2\n"
        "heap 1000 bytes; reachable from roots 900 (90.0%) in 3 objects; unreachable 100 "
        "(10.0%) in 1 objects\n"
        "references to objects not in the dump (left out): 1\n"
        "allocation tracing itself holds 50 bytes (5.0%) (never a leak suspect; "
        "--include-tracer counts it)\n"
        "\nLeak suspects (retaining >= 25% of the heap)\n==============================\n"
        "1. Foo 0x10 retains 900 (90.0%)\n"
        "   accumulation point: Array ARRAY 0x20 at (no file), retaining 800 (80.0%)\n"
        "   shortest path from a GC root:\n"
        "  ROOT vm\n"
        "  hop  address  type    class  location   memsize\n"
        "    0  0x10     OBJECT  Foo    a.rb:1          40\n"
        "2. class Bar (7 objects) retains 300 (30.0%)\n"
        "   accumulation point: none, spread over the roots\n"
        "\nTop retainers (retained bytes, own bytes)\n==============================\n"
        "           900         40  0x10  OBJECT  Foo  a.rb:1\n"
        "\n(columns: retained bytes, own bytes, objects)"
        "\nRetained by class\n==============================\n"
        "           600         80         2  Foo\n"
        "\nRetained by location\n==============================\n"
        "           600         80         2  (no file)\n"
        "\nRetained by gem\n==============================\n"
        "           600         80         2  app\n"
        "\nUnreachable from any GC root: 1 objects, 100 bytes\n==============================\n"
        "         100  0x40  MODULE  Module Baz  (no file)\n");
  std::string none;
  render_retained_text({"d.json", 25, false, false}, retained_tables(), &none);
  CHECK(none.find("allocation tracing") == std::string::npos);
}

TEST_CASE("graph_text: retained reads columns and tables by name") {
  std::string a, b;
  render_retained_text({"d.json", 25, true, true}, retained_tables(), &a);
  render_retained_text({"d.json", 25, true, true}, reversed(retained_tables()), &b);
  CHECK(a == b);
}

}  // namespace

TEST_CASE("graph_text: hop rows fit 120 columns, long locations cut on the left, classes on the right") {
  using namespace std::string_literals;
  Table hops;
  hops.name = "paths";
  hops.columns = {{"path", Column::Kind::kCount},   {"hop", Column::Kind::kInteger},
                  {"root", Column::Kind::kText},    {"address", Column::Kind::kText},
                  {"type", Column::Kind::kText},    {"class", Column::Kind::kText},
                  {"name", Column::Kind::kText},    {"location", Column::Kind::kText},
                  {"memsize", Column::Kind::kBytes}};
  const std::string gem_file =
      "/home/deploy/app/shared/bundle/ruby/3.1.0/gems/rack-2.2.22/lib/rack/mock.rb:108";
  const std::string long_class = "Very::Long::Namespace::Of::The::Application::RequestMemoCache";
  hops.rows = {{uint64_t{1}, uint64_t{0}, "vm"s, "0x7f739c9ce868"s, "HASH"s, long_class, Cell{},
                gem_file, uint64_t{83520}},
               {uint64_t{1}, uint64_t{1}, Cell{}, "0x7f739c9ce890"s, "STRING"s, "String"s, Cell{},
                "a.rb:1"s, uint64_t{40}}};
  std::string out;
  render_path_hops_text(hops, 1, &out);
  size_t start = 0;
  while (start < out.size()) {
    const size_t end = out.find('\n', start);
    const std::string line = out.substr(start, end - start);
    size_t cols = 0;
    for (char c : line) cols += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    CHECK(cols <= 120);
    start = end + 1;
  }
  // The location keeps its end from a '/', the class its start.
  // (77 columns for both: the class gets 30, the location 47, so
  // "…/3.1.0/gems/rack-2.2.22/lib/rack/mock.rb:108")
  CHECK(out.find("  \u2026/3.1.0/gems/rack-2.2.22/lib/rack/mock.rb:108  ") != std::string::npos);
  CHECK(out.find("  Very::Long::Namespace::Of::Th\u2026  ") != std::string::npos);
  CHECK(out.find(gem_file) == std::string::npos);
  CHECK(out.find("Very::Long::Namespace") != std::string::npos);
  CHECK(out.find(long_class) == std::string::npos);
  // Short rows are not touched.
  hops.rows[0][5] = "Hash"s;
  hops.rows[0][7] = "b.rb:2"s;
  out.clear();
  render_path_hops_text(hops, 1, &out);
  CHECK(out.find("\u2026") == std::string::npos);
}

}  // namespace heapdump
