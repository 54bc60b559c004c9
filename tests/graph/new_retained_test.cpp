// new_retained_tables() against a naive reference on random graphs: an
// object d dominates v when v is reachable from the roots and no longer is
// with d taken out; what a set of objects retains is the union of what
// each dominates (itself included), summed once.
#include "heapdump/new_retained.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "graph/model_graph.hpp"
#include "heapdump/names.hpp"

namespace heapdump {
namespace {

using test::addr;
using test::Model;
using test::Obj;

/// The nodes reachable from the model's roots without passing `cut`.
std::vector<bool> reach(const Model& m, int cut) {
  std::vector<bool> seen(m.objs.size(), false);
  std::vector<int> stack;
  for (int r : m.roots) {
    if (r != cut && !seen[static_cast<size_t>(r)]) {
      seen[static_cast<size_t>(r)] = true;
      stack.push_back(r);
    }
  }
  while (!stack.empty()) {
    const Obj& o = m.objs[static_cast<size_t>(stack.back())];
    stack.pop_back();
    std::vector<int> out = o.refs;
    if (o.cls >= 0) out.push_back(o.cls);
    for (int w : out) {
      if (w != cut && !seen[static_cast<size_t>(w)]) {
        seen[static_cast<size_t>(w)] = true;
        stack.push_back(w);
      }
    }
  }
  return seen;
}

TEST_CASE("new_retained: new objects' retained sizes agree with a naive reference") {
  std::mt19937 rng(8);
  int shared = 0;  // rounds where one new object dominates another
  for (int round = 0; round < 300; ++round) {
    INFO("round " << round);
    Model m;
    const int n = 4 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      test::add_random_node(rng, 40, &m);
      if (i >= 2 && (i == 2 || rng() % 6 == 0)) m.roots.push_back(i);
    }
    for (int e = 0; e < n + static_cast<int>(rng() % static_cast<unsigned>(n)); ++e) {
      const int a = 2 + static_cast<int>(rng() % static_cast<unsigned>(n - 2));
      const int b = 2 + static_cast<int>(rng() % static_cast<unsigned>(n - 2));
      auto& refs = m.objs[static_cast<size_t>(a)].refs;
      if (std::find(refs.begin(), refs.end(), b) == refs.end()) refs.push_back(b);
    }
    std::vector<bool> is_new(static_cast<size_t>(n), false);
    std::vector<uint64_t> addresses;
    for (int v = 2; v < n; ++v) {
      if (rng() % 2 == 0) continue;
      is_new[static_cast<size_t>(v)] = true;
      addresses.push_back(addr(v));
      if (rng() % 4 == 0) addresses.push_back(addr(v));  // repeats are ignored
    }
    addresses.push_back(addr(n + 5));  // not in the graph: ignored
    std::shuffle(addresses.begin(), addresses.end(), rng);

    // Naive dominated sets.
    const std::vector<bool> all = reach(m, -1);
    std::vector<std::set<int>> dom(static_cast<size_t>(n));
    for (int d = 0; d < n; ++d) {
      if (!all[static_cast<size_t>(d)]) continue;
      const std::vector<bool> without = reach(m, d);
      for (int v = 0; v < n; ++v) {
        if (all[static_cast<size_t>(v)] && (v == d || !without[static_cast<size_t>(v)])) {
          dom[static_cast<size_t>(d)].insert(v);
        }
      }
    }
    auto size_of = [&](const std::set<int>& s) {
      uint64_t sum = 0;
      for (int v : s) sum += m.objs[static_cast<size_t>(v)].size;
      return sum;
    };
    std::set<int> union_all;
    std::map<int, std::set<int>> union_by_class;
    std::map<int, uint64_t> objects_by_class, shallow_by_class;
    uint64_t objects = 0, bytes = 0, unreachable = 0;
    std::vector<int> reachable_new;
    for (int v = 2; v < n; ++v) {
      if (!is_new[static_cast<size_t>(v)]) continue;
      const int c = m.objs[static_cast<size_t>(v)].cls;
      ++objects;
      bytes += m.objs[static_cast<size_t>(v)].size;
      ++objects_by_class[c];
      shallow_by_class[c] += m.objs[static_cast<size_t>(v)].size;
      if (!all[static_cast<size_t>(v)]) {
        ++unreachable;
        continue;
      }
      reachable_new.push_back(v);
      union_all.insert(dom[static_cast<size_t>(v)].begin(), dom[static_cast<size_t>(v)].end());
      union_by_class[c].insert(dom[static_cast<size_t>(v)].begin(), dom[static_cast<size_t>(v)].end());
      for (int w : dom[static_cast<size_t>(v)]) shared += w != v && is_new[static_cast<size_t>(w)];
    }
    std::stable_sort(reachable_new.begin(), reachable_new.end(), [&](int a, int b) {
      return size_of(dom[static_cast<size_t>(a)]) > size_of(dom[static_cast<size_t>(b)]);
    });
    const uint64_t lines = 1 + rng() % 6;
    if (reachable_new.size() > lines) reachable_new.resize(lines);

    const std::vector<Table> tables = new_retained_tables(test::load(m), addresses, lines, false);
    REQUIRE(tables.size() == 3);
    const Table& top = tables[0];
    REQUIRE(top.name == "new_retainers");
    CHECK(top.total("objects") == objects);
    CHECK(top.total("bytes") == bytes);
    CHECK(top.total("unreachable_objects") == unreachable);
    CHECK(top.total("retained") == size_of(union_all));
    REQUIRE(top.rows.size() == reachable_new.size());
    for (size_t i = 0; i < top.rows.size(); ++i) {
      const int v = reachable_new[i];
      CHECK(as_text(top.rows[i][0]) == format_address(addr(v)));
      CHECK(as_int(top.rows[i][6]) == size_of(dom[static_cast<size_t>(v)]));
    }
    const Table& by_class = tables[1];
    REQUIRE(by_class.name == "new_retained_by_class");
    CHECK(by_class.total("groups") == objects_by_class.size());
    CHECK(by_class.rows.size() == std::min<uint64_t>(lines, objects_by_class.size()));
    for (size_t i = 0; i < by_class.rows.size(); ++i) {
      const auto& row = by_class.rows[i];
      const int c = as_text(row[0]) == "C0" ? 0 : 1;
      CHECK(as_text(row[0]) == "C" + std::to_string(c));
      CHECK(as_int(row[1]) == objects_by_class[c]);
      CHECK(as_int(row[2]) == shallow_by_class[c]);
      CHECK(as_int(row[3]) == size_of(union_by_class[c]));
      if (i > 0) CHECK(as_int(by_class.rows[i - 1][3]) >= as_int(row[3]));
    }
    const Table& why = tables[2];
    REQUIRE(why.name == "why_alive");
    CHECK(why.total("targets") == top.rows.size());
  }
  INFO(shared << " new objects dominated by another");
  CHECK(shared > 50);
}

}  // namespace
}  // namespace heapdump
