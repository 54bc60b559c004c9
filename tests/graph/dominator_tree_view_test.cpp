#include "graph/dominator_tree_view.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <vector>

#include "graph/graph_test_util.hpp"

namespace heapdump {
namespace {

using test::Spec;
using Kind = TreeViewNode::Kind;

/// What the naive model says about the objects sharing one path of class
/// groups from the roots down the dominator tree (idom chains, not the
/// children lists the view walks).
struct Sums {
  uint64_t objects = 0;
  uint128 shallow = 0;
  uint128 retained = 0;
  uint32_t first = kNoNode;
};
using Path = std::vector<uint32_t>;

std::map<Path, Sums> naive_paths(const ObjectGraph& g, const DominatorTree& t,
                                 const std::vector<uint32_t>& group_of) {
  std::map<Path, Sums> out;
  for (uint32_t v = 0; v < g.size(); ++v) {
    if (!t.reachable(v)) continue;
    Path p;
    for (uint32_t d = v; d != t.super_root; d = t.idom[d]) p.insert(p.begin(), group_of[d]);
    Sums& s = out[p];
    ++s.objects;
    s.shallow += g.memsize(v);
    s.retained += t.retained[v];
    s.first = std::min(s.first, v);
  }
  return out;
}

Path path_of(const std::vector<TreeViewNode>& view, uint32_t i) {
  Path p;
  for (; view[i].kind == Kind::kClass; i = view[i].parent) p.insert(p.begin(), view[i].group);
  return p;
}

Spec random_spec(std::mt19937& rng, int n) {
  Spec s;
  std::uniform_int_distribution<int> node(0, n - 1), size(0, 100), deg(0, 3);
  for (int i = 0; i < n; ++i) {
    s.sizes.push_back(static_cast<uint64_t>(size(rng)));
    std::vector<int> e;
    for (int k = deg(rng); k > 0; --k) e.push_back(node(rng));
    s.edges.push_back(e);
  }
  for (int k = 1 + n / 20; k > 0; --k) s.roots.push_back(node(rng));
  return s;
}

/// Checks `view` against the naive model.
void check_view(const ObjectGraph& g, const DominatorTree& t, const std::vector<uint32_t>& group_of,
                const std::vector<TreeViewNode>& view, const TreeViewLimits& lim) {
  const auto naive = naive_paths(g, t, group_of);
  REQUIRE(!view.empty());
  REQUIRE(view.size() <= lim.max_nodes);
  CHECK(view[0].kind == Kind::kRoot);
  CHECK(view[0].retained == g.total_bytes());
  CHECK(view[0].objects == g.size());
  std::vector<std::vector<uint32_t>> kids(view.size());
  for (uint32_t i = 1; i < view.size(); ++i) {
    REQUIRE(view[i].parent < i);  // preorder: the parent comes first
    CHECK(view[i].depth == view[view[i].parent].depth + 1);
    CHECK(view[i].depth <= lim.max_depth);
    kids[view[i].parent].push_back(i);
  }
  for (uint32_t i = 0; i < view.size(); ++i) {
    const TreeViewNode& n = view[i];
    if (n.kind == Kind::kClass) {
      // Exact figures of the objects with this path of classes.
      const auto it = naive.find(path_of(view, i));
      REQUIRE(it != naive.end());
      CHECK(n.objects == it->second.objects);
      CHECK(n.shallow == it->second.shallow);
      CHECK(n.retained == it->second.retained);
      if (lim.min_share_divisor > 0) CHECK(n.retained * lim.min_share_divisor >= g.total_bytes());
    }
    if (n.kind == Kind::kUnreachable) {
      uint64_t objects = 0;
      uint128 bytes = 0;
      for (uint32_t v = 0; v < g.size(); ++v) {
        if (!t.reachable(v)) {
          ++objects;
          bytes += g.memsize(v);
        }
      }
      CHECK(n.objects == objects);
      CHECK(n.retained == bytes);
      CHECK(kids[i].empty());
    }
    if (kids[i].empty()) {
      CHECK(n.retained >= n.shallow);
      continue;
    }
    // Totals stay exact: own bytes plus the children's retained bytes.
    uint128 sum = n.shallow;
    size_t classes = 0, aggregates = 0;
    uint128 last = ~uint128{0};
    for (uint32_t c : kids[i]) {
      sum += view[c].retained;
      if (view[c].kind == Kind::kClass) {
        ++classes;
        CHECK(aggregates == 0);  // aggregates come last
        CHECK(view[c].retained <= last);  // largest first
        last = view[c].retained;
      } else if (view[c].kind != Kind::kUnreachable) {
        ++aggregates;
      }
    }
    CHECK(sum == n.retained);
    CHECK(classes <= lim.max_children);
    CHECK(aggregates <= 1);
    if (n.kind == Kind::kRoot || n.kind == Kind::kClass) {
      // The children are the naive model's groups one level down: the
      // shown ones are the largest, the aggregate holds the others.
      const Path base = n.kind == Kind::kRoot ? Path{} : path_of(view, i);
      std::vector<std::pair<Path, Sums>> below;
      for (const auto& [p, s] : naive) {
        if (p.size() == base.size() + 1 && std::equal(base.begin(), base.end(), p.begin())) {
          below.emplace_back(p, s);
        }
      }
      std::sort(below.begin(), below.end(), [](const auto& a, const auto& b) {
        if (a.second.retained != b.second.retained) return a.second.retained > b.second.retained;
        return a.second.first < b.second.first;
      });
      REQUIRE(below.size() >= classes);
      for (size_t k = 0; k < classes; ++k) CHECK(view[kids[i][k]].group == below[k].first.back());
      if (aggregates == 1) {
        const TreeViewNode& agg = view[kids[i][classes]];
        uint64_t objects = 0;
        uint128 retained = 0;
        for (size_t k = classes; k < below.size(); ++k) {
          objects += below[k].second.objects;
          retained += below[k].second.retained;
        }
        CHECK(agg.groups == below.size() - classes);
        CHECK(agg.objects == objects);
        CHECK(agg.retained == retained);
      } else {
        CHECK(below.size() == classes);
      }
    }
  }
}

TEST_CASE("dominator_tree_view: unpruned, it is the naive model's tree of class paths") {
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {
    const int n = 5 + static_cast<int>(rng() % 120);
    const Spec s = random_spec(rng, n);
    const ObjectGraph g = test::build(s, 1 + round % 3);
    const DominatorTree t = compute_dominators(g);
    const DominatorChildren kids = dominator_children(t);
    std::vector<uint32_t> group_of(g.size());
    for (auto& x : group_of) x = static_cast<uint32_t>(rng() % 4);
    TreeViewLimits lim;
    lim.max_children = 1000;
    lim.max_depth = 1000;
    lim.max_nodes = 100000;
    lim.min_share_divisor = 0;
    const auto view = dominator_tree_view(g, t, kids, group_of, lim);
    check_view(g, t, group_of, view, lim);
    // Every path of the naive model is a node: nothing left out.
    size_t class_nodes = 0;
    for (const auto& v : view) class_nodes += v.kind == Kind::kClass;
    CHECK(class_nodes == naive_paths(g, t, group_of).size());
  }
}

TEST_CASE("dominator_tree_view: pruned by share, children, depth and node count, sums exact") {
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    const int n = 5 + static_cast<int>(rng() % 200);
    const Spec s = random_spec(rng, n);
    const ObjectGraph g = test::build(s);
    const DominatorTree t = compute_dominators(g);
    const DominatorChildren kids = dominator_children(t);
    std::vector<uint32_t> group_of(g.size());
    const uint32_t groups = 1 + static_cast<uint32_t>(rng() % 12);
    for (auto& x : group_of) x = static_cast<uint32_t>(rng() % groups);
    TreeViewLimits lim;
    lim.max_children = 1 + static_cast<uint32_t>(rng() % 5);
    lim.max_depth = 1 + static_cast<uint32_t>(rng() % 6);
    lim.max_nodes = 3 + static_cast<uint32_t>(rng() % 60);
    lim.min_share_divisor = std::vector<uint64_t>{0, 10, 50, 1000}[rng() % 4];
    const auto view = dominator_tree_view(g, t, kids, group_of, lim);
    check_view(g, t, group_of, view, lim);
  }
}

TEST_CASE("dominator_tree_view: the default limits on a wide heap") {
  // 100 root objects of 100 classes, the first holding 5,000 small strings
  // of 30 classes: 15 class children at most, the rest in one node.
  Spec s;
  for (int i = 0; i < 100; ++i) {
    s.sizes.push_back(1000 + static_cast<uint64_t>(i));
    s.roots.push_back(i);
    s.edges.push_back({});
  }
  for (int i = 0; i < 5000; ++i) {
    s.sizes.push_back(1);
    s.edges[0].push_back(100 + i);
    s.edges.push_back({});
  }
  const ObjectGraph g = test::build(s);
  const DominatorTree t = compute_dominators(g);
  const DominatorChildren kids = dominator_children(t);
  std::vector<uint32_t> group_of(g.size());
  for (uint32_t v = 0; v < g.size(); ++v) group_of[v] = v < 100 ? v : 100 + v % 30;
  const auto view = dominator_tree_view(g, t, kids, group_of);
  check_view(g, t, group_of, view, TreeViewLimits{});
  // Root, 15 classes, "+85 more" (each root object is over 0.1 % of the heap).
  std::vector<uint32_t> top;
  for (uint32_t i = 1; i < view.size(); ++i) {
    if (view[i].parent == 0) top.push_back(i);
  }
  REQUIRE(top.size() == 16);
  CHECK(view[top.back()].kind == Kind::kMore);
  CHECK(view[top.back()].groups == 85);
  // The heap is 109,950 bytes (0.1 %: 110). Under the first root object
  // (retaining 6,000), 30 string classes of 166-167 bytes: 15 shown, the
  // other 15 in "+15 more".
  CHECK(view[top[0]].retained == 6000);
  std::vector<uint32_t> under;
  for (uint32_t i = 1; i < view.size(); ++i) {
    if (view[i].parent == top[0]) under.push_back(i);
  }
  REQUIRE(under.size() == 16);
  CHECK(view[under.back()].kind == Kind::kMore);
  CHECK(view[under.back()].groups == 15);
  const Table tab = dominator_tree_table(view, std::vector<std::string>(200, "C"));
  CHECK(tab.rows.size() == view.size());
  CHECK(tab.total("heap_bytes") == g.total_bytes());
}

}  // namespace
}  // namespace heapdump
