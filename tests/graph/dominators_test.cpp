#include "graph/dominators.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "graph/graph_test_util.hpp"

namespace heapdump {
namespace {

using test::Spec;

struct Result {
  ObjectGraph g;
  DominatorTree t;
};

Result run(const Spec& s, int parts = 1) {
  Result r{test::build(s, parts), {}};
  r.t = compute_dominators(r.g);
  return r;
}

// Node ids equal spec indexes: addresses grow with the index.
uint32_t idom(const Result& r, int n) { return r.t.idom[static_cast<uint32_t>(n)]; }
uint64_t ret(const Result& r, int n) {
  return static_cast<uint64_t>(r.t.retained[static_cast<uint32_t>(n)]);
}

TEST_CASE("dominators: diamond") {
  // root -> A; A -> B, C; B -> D; C -> D
  Spec s{{1, 2, 4, 8}, {{1, 2}, {3}, {3}, {}}, {0}};
  const Result r = run(s);
  const uint32_t S = r.t.super_root;
  CHECK(idom(r, 0) == S);
  CHECK(idom(r, 1) == 0);
  CHECK(idom(r, 2) == 0);
  CHECK(idom(r, 3) == 0);  // D is reached through B and through C
  CHECK(ret(r, 0) == 15);
  CHECK(ret(r, 1) == 2);
  CHECK(ret(r, 2) == 4);
  CHECK(ret(r, 3) == 8);
  CHECK(static_cast<uint64_t>(r.t.reachable_bytes) == 15);
}

TEST_CASE("dominators: cycle and self-loops") {
  // root -> A -> B -> C -> A
  Spec cyc{{1, 2, 4}, {{1}, {2}, {0}}, {0}};
  const Result r = run(cyc);
  CHECK(idom(r, 1) == 0);
  CHECK(idom(r, 2) == 1);
  CHECK(ret(r, 0) == 7);
  CHECK(ret(r, 1) == 6);
  CHECK(ret(r, 2) == 4);
  // root -> A; A -> A, B; B -> B
  Spec loop{{1, 2}, {{0, 1}, {1}}, {0}};
  const Result l = run(loop);
  CHECK(idom(l, 1) == 0);
  CHECK(ret(l, 0) == 3);
  CHECK(ret(l, 1) == 2);
}

TEST_CASE("dominators: several roots share a child") {
  // roots A, B; A -> C; B -> C; C -> D
  Spec s{{1, 2, 4, 8}, {{2}, {2}, {3}, {}}, {0, 1, 0}};
  const Result r = run(s);
  const uint32_t S = r.t.super_root;
  CHECK(idom(r, 0) == S);
  CHECK(idom(r, 1) == S);
  CHECK(idom(r, 2) == S);  // only the super-root dominates C
  CHECK(idom(r, 3) == 2);
  CHECK(ret(r, 0) == 1);
  CHECK(ret(r, 1) == 2);
  CHECK(ret(r, 2) == 12);
  CHECK(static_cast<uint64_t>(r.t.reachable_bytes) == 15);
  // A root that another object also references is still dominated by the super-root.
  Spec s2{{1, 2}, {{1}, {}}, {0, 1}};
  const Result r2 = run(s2);
  CHECK(idom(r2, 1) == r2.t.super_root);
  CHECK(ret(r2, 0) == 1);
}

TEST_CASE("dominators: unreachable island and dangling references") {
  // root -> A -> (missing); island X <-> Y, X -> A
  Spec s{{1, 2, 4}, {{-1}, {2, 0}, {1}}, {0, -1}};
  const Result r = run(s);
  CHECK(r.g.stats().dangling_references == 1);
  CHECK(r.g.stats().dangling_root_references == 1);
  CHECK(idom(r, 0) == r.t.super_root);
  CHECK(idom(r, 1) == kNoNode);
  CHECK(idom(r, 2) == kNoNode);
  CHECK(ret(r, 0) == 1);  // the island's reference to A does not matter
  CHECK(ret(r, 1) == 0);
  CHECK(r.t.reachable_count() == 1);
  CHECK(static_cast<uint64_t>(r.t.reachable_bytes) == 1);
  // No roots at all (a partial dump): nothing is reachable.
  Spec none{{5, 6}, {{1}, {}}, {}};
  const Result n = run(none);
  CHECK(n.t.reachable_count() == 0);
  CHECK(idom(n, 0) == kNoNode);
}

TEST_CASE("dominators: an object's class is an edge, with the GC's exceptions") {
  // root -> A (module) -> B (its Array constant); C, an IMEMO constcache,
  // holds B in its class slot; root -> C. A no longer dominates B.
  Spec s{{1, 2, 4}, {{1}, {}, {}}, {0, 2}};
  s.classes = {Spec::kNoClass, Spec::kNoClass, 1};
  s.types = {"MODULE", "ARRAY", "IMEMO"};
  s.imemo_types = {"", "", "constcache"};
  const Result r = run(s);
  CHECK(idom(r, 1) == r.t.super_root);
  CHECK(ret(r, 0) == 1);
  // As a callcache, C's class slot is weak: A dominates B again.
  s.imemo_types[2] = "callcache";
  const Result w = run(s);
  CHECK(idom(w, 1) == 0);
  CHECK(ret(w, 0) == 3);
  // root -> X; the class of X (a singleton class K) is reachable only
  // through X; a FLOAT/BIGNUM/SYMBOL's class is not marked.
  Spec k{{1, 2, 4, 8}, {{}, {}, {}, {}}, {0, 2}};
  k.classes = {1, Spec::kNoClass, 3, Spec::kNoClass};
  for (const char* t : {"OBJECT", "FLOAT", "BIGNUM", "SYMBOL"}) {
    k.types = {"OBJECT", "CLASS", t, "CLASS"};
    const Result kr = run(k);
    INFO(t);
    CHECK(idom(kr, 1) == 0);
    CHECK(ret(kr, 0) == 3);
    CHECK(kr.t.reachable(3) == (std::string(t) == "OBJECT"));
  }
}

TEST_CASE("dominators: children lists") {
  Spec s{{1, 2, 4, 8}, {{1, 2}, {3}, {3}, {}}, {0}};
  const Result r = run(s);
  const DominatorChildren k = dominator_children(r.t);
  CHECK(std::vector<uint32_t>(k.begin(r.t.super_root), k.end(r.t.super_root)) ==
        std::vector<uint32_t>{0});
  CHECK(std::vector<uint32_t>(k.begin(0), k.end(0)).size() == 3);
  CHECK(k.begin(3) == k.end(3));
}

// Naive reference: a node's retained size is the bytes that become
// unreachable when it is removed; its dominators are the nodes whose removal
// makes it unreachable.
// The GC's rule for the class slot, written out again for the reference:
// marked, except for FLOAT, BIGNUM, SYMBOL and IMEMO callcache objects.
bool class_marked(const Spec& s, size_t v) {
  const std::string type = v < s.types.size() ? s.types[v] : "OBJECT";
  if (type == "FLOAT" || type == "BIGNUM" || type == "SYMBOL") return false;
  return !(type == "IMEMO" && v < s.imemo_types.size() && s.imemo_types[v] == "callcache");
}

std::vector<char> reach(const Spec& s, int removed) {
  const size_t n = s.sizes.size();
  std::vector<char> seen(n, 0);
  std::vector<int> stack;
  for (int r : s.roots) {
    if (r >= 0 && r != removed && !seen[static_cast<size_t>(r)]) {
      seen[static_cast<size_t>(r)] = 1;
      stack.push_back(r);
    }
  }
  while (!stack.empty()) {
    const int v = stack.back();
    stack.pop_back();
    std::vector<int> out = s.edges[static_cast<size_t>(v)];
    const size_t k = static_cast<size_t>(v);
    if (k < s.classes.size() && s.classes[k] >= 0 && class_marked(s, k)) out.push_back(s.classes[k]);
    for (int e : out) {
      if (e >= 0 && e != removed && !seen[static_cast<size_t>(e)]) {
        seen[static_cast<size_t>(e)] = 1;
        stack.push_back(e);
      }
    }
  }
  return seen;
}

TEST_CASE("dominators: agree with a naive reference on random graphs") {
  std::mt19937 rng(12345);
  for (int round = 0; round < 400; ++round) {
    const int n = 1 + static_cast<int>(rng() % 200);
    Spec s;
    const int density = 1 + static_cast<int>(rng() % 4);  // average out-degree
    for (int i = 0; i < n; ++i) {
      s.sizes.push_back(1 + rng() % 1000);
      std::vector<int> es;
      const int k = static_cast<int>(rng() % (2 * density + 1));
      for (int j = 0; j < k; ++j) {
        // Mostly forward edges (tree-like, deep), some back edges and self-loops.
        const unsigned pick = rng() % 10;
        int to;
        if (pick < 6 && i + 1 < n) {
          to = i + 1 + static_cast<int>(rng() % std::min(n - i - 1, 8));
        } else if (pick < 9) {
          to = static_cast<int>(rng() % n);
        } else {
          to = rng() % 4 == 0 ? -1 : i;
        }
        es.push_back(to);
      }
      s.edges.push_back(es);
      // Half the rounds give objects classes: a node (often one already
      // referenced, or the object itself), an address outside the dump, or
      // none; and types whose class slot the GC does not mark.
      if (round % 2 == 1) {
        const unsigned c = rng() % 10;
        int cls;
        if (c < 5) {
          cls = static_cast<int>(rng() % n);
        } else if (c < 7 && !es.empty()) {
          cls = es[rng() % es.size()];  // also in references (or -1: missing)
        } else if (c < 8) {
          cls = -1;
        } else {
          cls = Spec::kNoClass;
        }
        s.classes.push_back(cls);
        static const char* const kTypes[] = {"OBJECT", "OBJECT", "CLASS", "STRING", "FLOAT",
                                             "BIGNUM", "SYMBOL", "IMEMO", "IMEMO", "ICLASS"};
        static const char* const kImemo[] = {"callcache", "cref", "ment", "env", "constcache", "iseq"};
        s.types.push_back(kTypes[rng() % 10]);
        s.imemo_types.push_back(s.types.back() == "IMEMO" ? kImemo[rng() % 6] : "");
      }
    }
    const int nroots = static_cast<int>(rng() % 4);
    for (int j = 0; j < nroots; ++j) s.roots.push_back(static_cast<int>(rng() % n));
    if (round % 7 == 0) s.roots.push_back(-1);

    const Result r = run(s, 1 + round % 3);
    const std::vector<char> base = reach(s, -1);
    uint64_t reachable_bytes = 0;
    for (int v = 0; v < n; ++v) {
      if (base[static_cast<size_t>(v)]) reachable_bytes += s.sizes[static_cast<size_t>(v)];
    }
    REQUIRE(static_cast<uint64_t>(r.t.reachable_bytes) == reachable_bytes);
    // dominators[v] = nodes whose removal cuts v off.
    std::vector<std::vector<int>> doms(static_cast<size_t>(n));
    for (int x = 0; x < n; ++x) {
      if (!base[static_cast<size_t>(x)]) {
        REQUIRE(idom(r, x) == kNoNode);
        REQUIRE(ret(r, x) == 0);
        continue;
      }
      const std::vector<char> without = reach(s, x);
      uint64_t freed = 0;
      for (int v = 0; v < n; ++v) {
        if (base[static_cast<size_t>(v)] && !without[static_cast<size_t>(v)]) {
          freed += s.sizes[static_cast<size_t>(v)];
          if (v != x) doms[static_cast<size_t>(v)].push_back(x);
        }
      }
      INFO("round " << round << " node " << x);
      REQUIRE(ret(r, x) == freed);
    }
    // The immediate dominator is the strict dominator that all others dominate.
    for (int v = 0; v < n; ++v) {
      if (!base[static_cast<size_t>(v)]) continue;
      const auto& d = doms[static_cast<size_t>(v)];
      uint32_t expect = r.t.super_root;
      size_t best = 0;
      for (int x : d) {
        const size_t depth = doms[static_cast<size_t>(x)].size() + 1;
        if (depth > best) {
          best = depth;
          expect = static_cast<uint32_t>(x);
        }
      }
      INFO("round " << round << " node " << v);
      REQUIRE(idom(r, v) == expect);
    }
  }
}

}  // namespace
}  // namespace heapdump
