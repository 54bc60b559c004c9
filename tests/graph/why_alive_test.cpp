// why_alive_table() against a naive reference: on random forests (one
// shortest path to each object), each target's path is its chain of
// ancestors; the reference merges the chains by their keys (root kind,
// class per hop, "N hops" for the middle of a long path) in a map of key
// sequences, and sums retained sizes as subtree sums.
#include "graph/why_alive.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "graph/dominators.hpp"
#include "graph/model_graph.hpp"
#include "heapdump/names.hpp"

namespace heapdump {
namespace {

using test::addr;
using test::Model;
using test::Obj;

struct Forest {
  Model m;
  std::vector<int> parent;  // -1: referenced by the root
};

/// Nodes 0, 1: classes C0, C1 (roots). Then objects, each under one of the
/// few objects before it (long chains) or a root.
Forest random_forest(std::mt19937& rng, int n) {
  Forest f;
  f.parent.assign(static_cast<size_t>(n), -1);
  for (int i = 0; i < n; ++i) {
    test::add_random_node(rng, 50, &f.m);
    if (i < 2) continue;
    if (i == 2 || rng() % 10 == 0) {
      f.m.roots.push_back(i);
    } else {
      const int p = std::max(2, i - 1 - static_cast<int>(rng() % 3));
      f.parent[static_cast<size_t>(i)] = p;
      f.m.objs[static_cast<size_t>(p)].refs.push_back(i);
    }
  }
  return f;
}

std::string text_of(const Cell& c) {
  if (is_null(c)) return "null";
  return std::holds_alternative<std::string>(c) ? as_text(c) : decimal(as_int(c));
}

TEST_CASE("why_alive: the merged paths agree with a naive reference on random forests") {
  std::mt19937 rng(2121);
  int cut = 0, merged = 0;
  for (int round = 0; round < 300; ++round) {
    INFO("round " << round);
    const int n = 4 + static_cast<int>(rng() % 50);
    Forest f = random_forest(rng, n);
    const auto lg = test::load(f.m);
    const ShortestPaths sp = shortest_paths(lg->graph);
    // Naive retained: subtree sums.
    std::vector<uint64_t> subtree(static_cast<size_t>(n), 0);
    for (int v = n - 1; v >= 0; --v) {  // children come after their parent
      subtree[static_cast<size_t>(v)] += f.m.objs[static_cast<size_t>(v)].size;
      const int p = f.parent[static_cast<size_t>(v)];
      if (p >= 0) subtree[static_cast<size_t>(p)] += subtree[static_cast<size_t>(v)];
    }
    WideSizes retained(static_cast<size_t>(n));
    for (int v = 0; v < n; ++v) retained.set(static_cast<size_t>(v), subtree[static_cast<size_t>(v)]);
    // Targets: some objects, some twice.
    std::vector<uint32_t> targets;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 6); ++i) {
      targets.push_back(2 + static_cast<uint32_t>(rng() % static_cast<unsigned>(n - 2)));
    }
    WhyAliveLimits limits;
    limits.end_hops = 2;
    const Table t = why_alive_table(*lg, sp, retained, targets, limits);

    // Naive: key sequences -> objects, targets.
    struct Place {
      std::set<int> objects;
      uint64_t targets = 0;
    };
    std::map<std::vector<std::string>, Place> ref;
    std::set<uint32_t> done;
    for (uint32_t target : targets) {
      if (!done.insert(target).second) continue;
      std::vector<int> chain;
      for (int a = static_cast<int>(target); a >= 0; a = f.parent[static_cast<size_t>(a)]) {
        chain.insert(chain.begin(), a);
      }
      std::vector<std::pair<std::string, int>> steps = {{"root vm", -1}};
      const size_t len = chain.size();
      for (size_t i = 0; i < len; ++i) {
        if (len > 5 && i == 2) {
          steps.push_back({"hops " + std::to_string(len - 4), -1});
          i = len - 3;
          ++cut;
          continue;
        }
        steps.push_back({"class C" + std::to_string(f.m.objs[static_cast<size_t>(chain[i])].cls),
                         chain[i]});
      }
      std::vector<std::string> key;
      for (const auto& [k, v] : steps) {
        key.push_back(k);
        Place& p = ref[key];
        ++p.targets;
        if (v >= 0) p.objects.insert(v);
      }
    }
    // Every row is a naive place, with its numbers.
    REQUIRE(t.rows.size() == ref.size());
    CHECK(t.total("targets") == done.size());
    CHECK(t.total("left_out") == 0);
    std::vector<std::vector<std::string>> keys;
    const int c_parent = t.column("parent"), c_kind = t.column("kind"), c_class = t.column("class"),
              c_hops = t.column("hops"), c_objects = t.column("objects"),
              c_address = t.column("address"), c_targets = t.column("targets"),
              c_retained = t.column("retained"), c_node = t.column("node");
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const auto& row = t.rows[r];
      auto at = [&](int c) -> const Cell& { return row[static_cast<size_t>(c)]; };
      CHECK(as_int(at(c_node)) == r);
      std::vector<std::string> key;
      if (!is_null(at(c_parent))) {
        REQUIRE(as_int(at(c_parent)) < r);
        key = keys[static_cast<size_t>(as_int(at(c_parent)))];
      }
      const std::string kind = as_text(at(c_kind));
      key.push_back(kind == "hops" ? "hops " + decimal(as_int(at(c_hops))) : kind + " " + text_of(at(c_class)));
      keys.push_back(key);
      const auto it = ref.find(key);
      REQUIRE(it != ref.end());
      const Place& p = it->second;
      CHECK(as_int(at(c_targets)) == p.targets);
      if (kind == "class") {
        CHECK(as_int(at(c_objects)) == p.objects.size());
        uint64_t sum = 0;
        for (int v : p.objects) sum += subtree[static_cast<size_t>(v)];
        CHECK(as_int(at(c_retained)) == sum);
        CHECK(text_of(at(c_address)) ==
              (p.objects.size() == 1 ? format_address(addr(*p.objects.begin())) : "null"));
        merged += p.objects.size() > 1;
      } else if (kind == "root") {
        // The objects directly under the root kind.
        std::set<int> under;
        for (const auto& [k, q] : ref) {
          if (k.size() == 2 && k[0] == key[0]) under.insert(q.objects.begin(), q.objects.end());
        }
        uint64_t sum = 0;
        for (int v : under) sum += subtree[static_cast<size_t>(v)];
        CHECK(as_int(at(c_objects)) == under.size());
        CHECK(as_int(at(c_retained)) == sum);
      } else {
        CHECK(is_null(at(c_objects)));
        CHECK(is_null(at(c_retained)));
      }
    }
    // Siblings: by targets, then retained, descending.
    for (size_t a = 0; a < t.rows.size(); ++a) {
      for (size_t b = a + 1; b < t.rows.size(); ++b) {
        if (t.rows[a][static_cast<size_t>(c_parent)] != t.rows[b][static_cast<size_t>(c_parent)]) continue;
        const uint64_t ta = as_int(t.rows[a][static_cast<size_t>(c_targets)]);
        const uint64_t tb = as_int(t.rows[b][static_cast<size_t>(c_targets)]);
        CHECK(ta >= tb);
      }
    }
  }
  INFO(cut << " paths cut, " << merged << " places with several objects");
  CHECK(cut > 50);
  CHECK(merged > 20);
}

TEST_CASE("why_alive: a target whose path would pass max_nodes is left out") {
  // Root -> 2 -> 3 -> 4 (class C0), and root -> 5 -> 6 (C1): max_nodes 5
  // takes the first path (root kind + 3) and not the second (2 more).
  Model m;
  for (int i = 0; i < 7; ++i) {
    Obj o;
    o.type = i < 2 ? "CLASS" : "OBJECT";
    o.name = i < 2 ? "C" + std::to_string(i) : "";
    o.cls = i < 2 ? -1 : i < 5 ? 0 : 1;
    o.file = "a.rb";
    o.size = 10;
    m.objs.push_back(o);
  }
  m.roots = {0, 1, 2, 5};
  m.objs[2].refs = {3};
  m.objs[3].refs = {4};
  m.objs[5].refs = {6};
  const auto lg = test::load(m);
  const ShortestPaths sp = shortest_paths(lg->graph);
  const DominatorTree dt = compute_dominators(lg->graph);
  WhyAliveLimits limits;
  limits.max_nodes = 5;
  const Table t = why_alive_table(*lg, sp, dt.retained, {4, 6, 3}, limits);
  for (const auto& row : t.rows) {
    std::string line;
    for (const Cell& c : row) line += text_of(c) + " ";
    UNSCOPED_INFO(line);
  }
  CHECK(t.rows.size() == 4);
  CHECK(static_cast<uint64_t>(t.total("targets")) == 2);
  CHECK(static_cast<uint64_t>(t.total("left_out")) == 1);
  REQUIRE(t.rows.size() == 4);
  CHECK(text_of(t.rows[1][static_cast<size_t>(t.column("targets"))]) == "2");  // 2, on both paths
  CHECK(text_of(t.rows[1][static_cast<size_t>(t.column("retained"))]) == "30");
}

}  // namespace
}  // namespace heapdump
