#include "graph/shortest_paths.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "graph/dominators.hpp"
#include "graph/graph_test_util.hpp"
#include "heapdump/input.hpp"
#include "test_util.hpp"

namespace heapdump {
namespace {

TEST_CASE("paths: shortest path from the roots, root kind of the first ROOT") {
  // root vm -> 0 -> 1 -> 2 -> 3; root 2 (second ROOT record) -> 4 -> 3
  GraphCollector c;
  auto obj = [&](int i, std::vector<int> to) {
    std::vector<uint64_t> refs;
    for (int t : to) refs.push_back(test::Spec::addr(t));
    c.add_object(test::Spec::addr(i), "OBJECT", 0, false, 8, "", false, 0, false, refs.data(), refs.size());
  };
  obj(0, {1});
  obj(1, {2});
  obj(2, {3});
  obj(3, {});
  obj(4, {3});
  obj(5, {5});  // unreachable, self-loop
  const uint64_t r1[] = {test::Spec::addr(0)};
  const uint64_t r2[] = {test::Spec::addr(4), test::Spec::addr(0)};
  c.add_root("machine_context", 20, r2, 2);
  c.add_root("vm", 10, r1, 1);
  const ObjectGraph g = ObjectGraph::build({&c});
  const ShortestPaths sp = shortest_paths(g);
  CHECK(sp.path_to(3) == std::vector<uint32_t>{4, 3});
  CHECK(g.root_kind(sp.root_kind_of(4)) == "machine_context");
  CHECK(sp.path_to(2) == std::vector<uint32_t>{0, 1, 2});
  CHECK(g.root_kind(sp.root_kind_of(0)) == "vm");  // the vm ROOT comes first in the file
  CHECK(sp.path_to(5).empty());
  CHECK(sp.order.size() == 5);
}

// The 500,000-deep chain: generated into a temp file, read by the real
// reader; every traversal must work with the default stack.
TEST_CASE("graph: a 500,000-deep linked list", "[slow]") {
  constexpr int kDepth = 500000;
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("heapdump_chain_" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << "{\"type\":\"ROOT\", \"root\":\"vm\", \"references\":[\"0x100000\"]}\n";
    char line[256];
    for (int i = 0; i < kDepth; ++i) {
      const unsigned long a = 0x100000ul + 0x28ul * static_cast<unsigned long>(i);
      if (i + 1 < kDepth) {
        std::snprintf(line, sizeof line,
                      "{\"address\":\"0x%lx\", \"type\":\"ARRAY\", \"references\":[\"0x%lx\"], "
                      "\"memsize\":40}\n",
                      a, a + 0x28);
      } else {
        std::snprintf(line, sizeof line, "{\"address\":\"0x%lx\", \"type\":\"ARRAY\", \"memsize\":40}\n", a);
      }
      out << line;
    }
  }
  std::unique_ptr<InputSource> input;
  REQUIRE(InputSource::open(path.string(), &input).ok());
  GraphCollector c;
  test::CollectingReporter rep;
  ReadOptions options;
  options.decode_references = true;
  ReadStats stats;
  REQUIRE(read_dump(*input, c, rep, &stats, options).ok());
  std::filesystem::remove(path);
  const ObjectGraph g = ObjectGraph::build({&c});
  REQUIRE(g.size() == kDepth);
  const DominatorTree t = compute_dominators(g);
  CHECK(static_cast<uint64_t>(t.retained[0]) == uint64_t{40} * kDepth);
  CHECK(static_cast<uint64_t>(t.retained[kDepth - 1]) == 40);
  CHECK(t.idom[kDepth - 1] == kDepth - 2);
  const DominatorChildren k = dominator_children(t);
  CHECK(k.end(0) - k.begin(0) == 1);
  const ShortestPaths sp = shortest_paths(g);
  CHECK(sp.path_to(kDepth - 1).size() == static_cast<size_t>(kDepth));
}

}  // namespace
}  // namespace heapdump
