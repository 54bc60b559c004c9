#include "graph/object_graph.hpp"

#include <catch2/catch.hpp>

#include "graph/graph_test_util.hpp"
#include "test_util.hpp"

namespace heapdump {
namespace {

std::vector<uint32_t> edges_of(const ObjectGraph& g, uint32_t n) {
  return {g.edges_begin(n), g.edges_end(n)};
}

TEST_CASE("graph: nodes in address order, CSR edges, roots, dangling references") {
  test::Spec s;
  s.sizes = {10, 20, 30, 40};
  s.edges = {{1, 2}, {3, -1}, {3, 3, 0}, {}};
  s.roots = {0, -1, 2, 0};
  for (int parts : {1, 2, 3}) {
    const ObjectGraph g = test::build(s, parts);
    REQUIRE(g.size() == 4);
    for (uint32_t i = 0; i < 4; ++i) {
      CHECK(g.address(i) == test::Spec::addr(static_cast<int>(i)));
      CHECK(g.find(g.address(i)) == i);
      CHECK(g.memsize(i) == 10 * (i + 1));
      CHECK(g.type(i) == "OBJECT");
      CHECK(g.location(i) == "a.rb:" + std::to_string(i));
    }
    CHECK(g.find(0xdead0) == kNoNode);
    CHECK(g.find(0) == kNoNode);
    CHECK(g.find(UINT64_MAX) == kNoNode);
    CHECK(g.find(test::Spec::addr(1) + 8) == kNoNode);
    CHECK(edges_of(g, 0) == std::vector<uint32_t>{1, 2});
    CHECK(edges_of(g, 1) == std::vector<uint32_t>{3});
    CHECK(edges_of(g, 2) == std::vector<uint32_t>{3, 3, 0});  // duplicates kept
    CHECK(edges_of(g, 3).empty());
    CHECK(g.edge_count() == 6);
    CHECK(g.stats().dangling_references == 1);
    CHECK(g.stats().dangling_root_references == 1);
    REQUIRE(g.roots().size() == 3);
    CHECK(g.roots()[0].node == 0);
    CHECK(g.roots()[1].node == 2);
    CHECK(g.root_kind(g.roots()[0].kind) == "vm");
    CHECK(static_cast<uint64_t>(g.total_bytes()) == 100);
  }
}

TEST_CASE("graph: read from dump lines; duplicate addresses keep one object") {
  const std::string dump =
      "{\"type\":\"ROOT\", \"root\":\"vm\", \"references\":[\"0x10\", \"0x99\"]}\n"
      "{\"type\":\"ROOT\", \"root\":\"global_tbl\", \"references\":[\"0x20\"]}\n"
      "{\"address\":\"0x10\", \"type\":\"HASH\", \"class\":\"0x50\", \"references\":[\"0x20\", \"0x30\"], "
      "\"file\":\"/x/gems/rack-2.2.8/lib/rack.rb\", \"line\":7, \"memsize\":100}\n"
      "{\"address\":\"0x20\", \"type\":\"STRING\", \"class\":\"0x60\", \"memsize\":40}\n"
      "{\"address\":\"0x20\", \"type\":\"STRING\", \"class\":\"0x60\", \"memsize\":40}\n"
      "{\"address\":\"0x50\", \"type\":\"CLASS\", \"name\":\"Hash\", \"memsize\":500}\n"
      "{\"type\":\"SHAPE\", \"address\":\"0x70\", \"id\":1}\n";
  GraphCollector c;
  test::CollectingReporter rep;
  auto input = make_memory_input(dump, "mem.json", SIZE_MAX);
  ReadStats stats;
  ReadOptions options;
  options.decode_references = true;
  REQUIRE(read_dump(*input, c, rep, &stats, options).ok());
  const ObjectGraph g = ObjectGraph::build({&c});
  REQUIRE(g.size() == 3);
  CHECK(g.stats().duplicate_addresses == 1);
  CHECK(g.stats().dangling_references == 1);       // 0x30
  CHECK(g.stats().dangling_root_references == 1);  // 0x99
  CHECK(g.roots().size() == 2);
  CHECK(g.root_kind(g.roots()[1].kind) == "global_tbl");
  const uint32_t h = g.find(0x10);
  CHECK(g.type(h) == "HASH");
  CHECK(g.class_address(h) == 0x50);
  CHECK(g.location(h) == "/x/gems/rack-2.2.8/lib/rack.rb:7");
  CHECK(location_file(g.location(h)) == "/x/gems/rack-2.2.8/lib/rack.rb");
  CHECK(g.location(g.find(0x20)).empty());
  // 0x20, then the class 0x50 (a CLASS in the dump).
  CHECK(edges_of(g, h) == std::vector<uint32_t>{g.find(0x20), g.find(0x50)});
}

TEST_CASE("graph: the class is an edge after the references, once; never dangling") {
  test::Spec s;
  s.sizes = {1, 2, 4, 8};
  s.edges = {{1, 3}, {3}, {}, {}};
  s.roots = {0};
  // 0: class 3, already referenced; 1: class 2; 2: class outside the dump;
  // 3: no class.
  s.classes = {3, 2, -1, test::Spec::kNoClass};
  for (int parts : {1, 2, 3}) {
    const ObjectGraph g = test::build(s, parts);
    CHECK(edges_of(g, 0) == std::vector<uint32_t>{1, 3});
    CHECK(edges_of(g, 1) == std::vector<uint32_t>{3, 2});
    CHECK(edges_of(g, 2).empty());
    CHECK(edges_of(g, 3).empty());
    CHECK(g.stats().class_edges == 1);
    CHECK(g.stats().dangling_references == 0);
    CHECK(g.edge_count() == 4);
    CHECK(g.class_address(2) == 0x8);
  }
}

TEST_CASE("graph: class links as the reader gives them, with the GC's exceptions") {
  // The object 0x10's class 0x50 is an edge; FLOAT, BIGNUM, SYMBOL and an
  // IMEMO callcache do not mark theirs; the other IMEMOs do; a cref's 0x8
  // is nothing.
  const std::string dump =
      "{\"type\":\"ROOT\", \"root\":\"vm\", \"references\":[\"0x10\"]}\n"
      "{\"address\":\"0x10\", \"type\":\"OBJECT\", \"class\":\"0x50\", \"memsize\":40}\n"
      "{\"address\":\"0x18\", \"type\":\"FLOAT\", \"class\":\"0x58\", \"memsize\":40}\n"
      "{\"address\":\"0x20\", \"type\":\"BIGNUM\", \"class\":\"0x58\", \"memsize\":40}\n"
      "{\"address\":\"0x28\", \"type\":\"SYMBOL\", \"class\":\"0x58\", \"memsize\":40}\n"
      "{\"address\":\"0x30\", \"type\":\"IMEMO\", \"class\":\"0x58\", \"imemo_type\":\"callcache\", "
      "\"references\":[\"0x60\"], \"memsize\":40}\n"
      "{\"address\":\"0x38\", \"type\":\"IMEMO\", \"class\":\"0x58\", \"imemo_type\":\"constcache\", "
      "\"memsize\":40}\n"
      "{\"address\":\"0x40\", \"type\":\"IMEMO\", \"class\":\"0x8\", \"imemo_type\":\"cref\", "
      "\"references\":[\"0x50\"], \"memsize\":40}\n"
      "{\"address\":\"0x48\", \"type\":\"ICLASS\", \"class\":\"0x60\", \"memsize\":40}\n"
      "{\"address\":\"0x50\", \"type\":\"CLASS\", \"class\":\"0x60\", \"name\":\"Foo\", "
      "\"references\":[\"0x60\"], \"memsize\":40}\n"
      "{\"address\":\"0x58\", \"type\":\"CLASS\", \"name\":\"Float\", \"memsize\":40}\n"
      "{\"address\":\"0x60\", \"type\":\"MODULE\", \"name\":\"M\", \"memsize\":40}\n";
  GraphCollector c;
  test::CollectingReporter rep;
  auto input = make_memory_input(dump, "mem.json", SIZE_MAX);
  ReadStats stats;
  ReadOptions options;
  options.decode_references = true;
  REQUIRE(read_dump(*input, c, rep, &stats, options).ok());
  const ObjectGraph g = ObjectGraph::build({&c});
  REQUIRE(g.size() == 11);
  auto out = [&](uint64_t a) {
    std::vector<uint64_t> to;
    for (uint32_t e : edges_of(g, g.find(a))) to.push_back(g.address(e));
    return to;
  };
  CHECK(out(0x10) == std::vector<uint64_t>{0x50});
  CHECK(out(0x18).empty());
  CHECK(out(0x20).empty());
  CHECK(out(0x28).empty());
  CHECK(out(0x30) == std::vector<uint64_t>{0x60});
  CHECK(out(0x38) == std::vector<uint64_t>{0x58});
  CHECK(out(0x40) == std::vector<uint64_t>{0x50});
  CHECK(out(0x48) == std::vector<uint64_t>{0x60});
  CHECK(out(0x50) == std::vector<uint64_t>{0x60});  // class also in references: once
  CHECK(g.stats().class_edges == 3);
  CHECK(g.stats().dangling_references == 0);
  CHECK(g.class_address(g.find(0x18)) == 0x58);  // still the object's class
  CHECK(g.tracers().empty());
}

TEST_CASE("graph: the allocation tracer is found by its DATA struct") {
  const std::string dump =
      "{\"address\":\"0x10\", \"type\":\"DATA\", \"class\":\"0x50\", \"struct\":\"proc\", \"memsize\":40}\n"
      "{\"address\":\"0x20\", \"type\":\"DATA\", \"class\":\"0x50\", "
      "\"struct\":\"ObjectTracing/allocation_info_tracer\", \"memsize\":4000}\n"
      "{\"address\":\"0x30\", \"type\":\"STRING\", \"class\":\"0x50\", \"memsize\":40}\n";
  test::CollectingReporter rep;
  auto input = make_memory_input(dump, "mem.json", SIZE_MAX);
  ReadOptions options;
  options.decode_references = true;
  GraphCollector c;
  REQUIRE(read_dump(*input, c, rep, nullptr, options).ok());
  const ObjectGraph g = ObjectGraph::build({&c});
  CHECK(g.tracers() == std::vector<uint32_t>{g.find(0x20)});
  CHECK(g.is_tracer(g.find(0x20)));
  CHECK_FALSE(g.is_tracer(g.find(0x10)));
}

}  // namespace
}  // namespace heapdump
