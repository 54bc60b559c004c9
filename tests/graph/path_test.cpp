// path_tables()' accumulation point against a naive reference: on random
// trees (one shortest path to each object, so no tie between paths), the
// deepest object whose subtree holds at least half of the targets, and two
// at least, counted by walking each target's ancestors.
#include "heapdump/path.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "graph/model_graph.hpp"
#include "heapdump/names.hpp"

namespace heapdump {
namespace {

using test::addr;
using test::Model;

TEST_CASE("path: the accumulation point agrees with a naive reference on random trees") {
  std::mt19937 rng(77);
  int found = 0, none = 0, deep = 0, ambiguous = 0;
  for (int round = 0; round < 500; ++round) {
    INFO("round " << round);
    // Nodes 0..1: classes C0 and C1 (roots, no references). Then objects,
    // each referenced by one earlier object or by a root: a forest.
    Model m;
    const int n = 4 + static_cast<int>(rng() % 60);
    std::vector<int> parent(static_cast<size_t>(n), -1);
    for (int i = 0; i < n; ++i) {
      test::add_random_node(rng, 50, &m);
      if (i < 2) continue;
      if (i == 2 || rng() % 8 == 0) {
        m.roots.push_back(i);
      } else {
        parent[static_cast<size_t>(i)] = 2 + static_cast<int>(rng() % static_cast<unsigned>(i - 2));
        m.objs[static_cast<size_t>(parent[static_cast<size_t>(i)])].refs.push_back(i);
      }
    }
    // Naive: every target adds one to itself and each of its ancestors.
    std::vector<int> below(static_cast<size_t>(n), 0), depth(static_cast<size_t>(n), 0);
    int targets = 0;
    for (int v = 2; v < n; ++v) {
      for (int a = parent[static_cast<size_t>(v)]; a >= 0; a = parent[static_cast<size_t>(a)]) {
        ++depth[static_cast<size_t>(v)];
      }
      if (m.objs[static_cast<size_t>(v)].cls != 0) continue;
      ++targets;
      for (int a = v; a >= 0; a = parent[static_cast<size_t>(a)]) ++below[static_cast<size_t>(a)];
    }
    std::vector<int> best;  // the qualifying nodes of the greatest depth
    for (int v = 2; v < n; ++v) {
      const size_t k = static_cast<size_t>(v);
      if (targets < 2 || below[k] < 2 || 2 * below[k] < targets) continue;
      if (!best.empty() && depth[k] < depth[static_cast<size_t>(best[0])]) continue;
      if (!best.empty() && depth[k] > depth[static_cast<size_t>(best[0])]) best.clear();
      best.push_back(v);
    }

    PathTarget target;
    target.class_name = "C0";
    PathOptions options;
    std::vector<Table> tables;
    const Status status = path_tables(test::load(m), target, options, &tables);
    if (targets == 0) {
      CHECK(status.code() == Status::Code::kNotFound);
      continue;
    }
    REQUIRE(status.ok());
    const Table& paths = tables[0];
    REQUIRE(paths.name == "paths");
    CHECK(paths.total("targets") == static_cast<uint64_t>(targets));
    CHECK(paths.total("reachable_targets") == static_cast<uint64_t>(targets));
    const Table& acc = tables[1];
    REQUIRE(acc.name == "accumulation_point");
    if (best.empty()) {
      ++none;
      CHECK(acc.rows.empty());
      continue;
    }
    REQUIRE(acc.rows.size() == 1);
    const auto& row = acc.rows[0];
    const std::string address = as_text(row[static_cast<size_t>(acc.column("address"))]);
    if (best.size() > 1) {  // two halves at one depth: either is right
      ++ambiguous;
      bool one_of = false;
      for (int v : best) one_of = one_of || address == format_address(addr(v));
      CHECK(one_of);
      continue;
    }
    ++found;
    const size_t b = static_cast<size_t>(best[0]);
    deep += depth[b] > 0;
    CHECK(address == format_address(addr(best[0])));
    CHECK(as_int(row[static_cast<size_t>(acc.column("depth"))]) == static_cast<uint64_t>(depth[b]));
    CHECK(as_int(row[static_cast<size_t>(acc.column("targets"))]) == static_cast<uint64_t>(below[b]));
  }
  INFO(found << " found, " << deep << " below a root, " << none << " none, " << ambiguous
             << " ambiguous");
  CHECK(found > 150);
  CHECK(deep > 50);
  CHECK(none > 20);
}

}  // namespace
}  // namespace heapdump
