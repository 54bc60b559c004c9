// retained_tables() against a naive reference on random graphs: group sums
// (each byte counted once) and both accumulation-point rules, computed from
// reachability alone (which bytes become unreachable when an object is
// removed), without a dominator tree.
#include "heapdump/retained.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "graph/loaded_graph.hpp"
#include "graph/model_graph.hpp"

namespace heapdump {
namespace {

using test::addr;
using test::load;
using test::Model;
using test::Obj;

/// Nodes reachable from the roots when the nodes in `removed` are gone. An
/// object references its class (the GC marks the class of an OBJECT).
std::vector<char> reach(const Model& m, const std::vector<char>& removed) {
  std::vector<char> seen(m.objs.size(), 0);
  std::vector<int> stack;
  auto visit = [&](int v) {
    if (removed[static_cast<size_t>(v)] || seen[static_cast<size_t>(v)]) return;
    seen[static_cast<size_t>(v)] = 1;
    stack.push_back(v);
  };
  for (int r : m.roots) visit(r);
  while (!stack.empty()) {
    const Obj& o = m.objs[static_cast<size_t>(stack.back())];
    stack.pop_back();
    for (int e : o.refs) visit(e);
    if (o.cls >= 0) visit(o.cls);
  }
  return seen;
}

/// The naive model's answers.
struct Naive {
  size_t n = 0;
  std::vector<char> reachable;
  std::vector<std::vector<char>> retains;  // [v][w]: w unreachable without v
  std::vector<uint64_t> size;
  std::vector<int> idom;  // -1: the super-root (or unreachable)

  uint64_t retained(int v) const { return bytes(retains[static_cast<size_t>(v)]); }
  uint64_t bytes(const std::vector<char>& set) const {
    uint64_t b = 0;
    for (size_t w = 0; w < n; ++w) {
      if (set[w]) b += size[w];
    }
    return b;
  }
  std::vector<int> children(int v) const {
    std::vector<int> out;
    for (size_t w = 0; w < n; ++w) {
      if (reachable[w] && idom[w] == v) out.push_back(static_cast<int>(w));
    }
    return out;
  }
};

Naive naive(const Model& m) {
  Naive nv;
  nv.n = m.objs.size();
  for (const Obj& o : m.objs) nv.size.push_back(o.size);
  nv.reachable = reach(m, std::vector<char>(nv.n, 0));
  nv.retains.assign(nv.n, std::vector<char>(nv.n, 0));
  for (size_t v = 0; v < nv.n; ++v) {
    if (!nv.reachable[v]) continue;
    std::vector<char> removed(nv.n, 0);
    removed[v] = 1;
    const std::vector<char> without = reach(m, removed);
    for (size_t w = 0; w < nv.n; ++w) nv.retains[v][w] = nv.reachable[w] && !without[w];
  }
  // The immediate dominator: the strict dominator retaining the least (the
  // dominators of a node are nested).
  nv.idom.assign(nv.n, -1);
  for (size_t w = 0; w < nv.n; ++w) {
    if (!nv.reachable[w]) continue;
    int best = -1;
    size_t best_count = 0;
    for (size_t d = 0; d < nv.n; ++d) {
      if (d == w || !nv.retains[d][w]) continue;
      const size_t count = static_cast<size_t>(std::count(nv.retains[d].begin(), nv.retains[d].end(), 1));
      if (best < 0 || count < best_count) {
        best = static_cast<int>(d);
        best_count = count;
      }
    }
    nv.idom[w] = best;
  }
  return nv;
}

/// The child with the most of `weight`; `tie` is set when two children share it.
int heaviest(const std::vector<int>& kids, const std::vector<uint64_t>& weight, bool* tie) {
  int best = -1;
  for (int c : kids) {
    if (best < 0 || weight[static_cast<size_t>(c)] > weight[static_cast<size_t>(best)]) best = c;
  }
  int at_max = 0;
  for (int c : kids) at_max += best >= 0 && weight[static_cast<size_t>(c)] == weight[static_cast<size_t>(best)];
  if (at_max > 1) *tie = true;  // which of them the analysis takes is its own order
  return best;
}

/// Rule 1: from an object, go down to the child retaining the most while it
/// retains at least 80 % of its parent.
int object_accumulation(const Naive& nv, int v, bool* tie) {
  std::vector<uint64_t> ret(nv.n);
  for (size_t w = 0; w < nv.n; ++w) ret[w] = nv.reachable[w] ? nv.retained(static_cast<int>(w)) : 0;
  for (;;) {
    const int best = heaviest(nv.children(v), ret, tie);
    if (best < 0 || ret[static_cast<size_t>(best)] == 0 ||
        ret[static_cast<size_t>(best)] * 5 < ret[static_cast<size_t>(v)] * 4) {
      return v;
    }
    v = best;
  }
}

/// Rule 2: a group's bytes (the union of what its members retain); from the
/// super-root, go down to the child holding the most of them while it holds
/// 80 % of them, stopping above a member. -1: spread over the roots.
int group_accumulation(const Naive& nv, const std::vector<char>& member,
                       const std::vector<char>& covered, bool* tie, bool* above_member) {
  // below[c]: covered bytes that c dominates (c included).
  std::vector<uint64_t> below(nv.n, 0);
  for (size_t c = 0; c < nv.n; ++c) {
    if (!nv.reachable[c]) continue;
    for (size_t w = 0; w < nv.n; ++w) {
      if (covered[w] && nv.retains[c][w]) below[c] += nv.size[w];
    }
  }
  int at = -1;
  uint64_t at_bytes = nv.bytes(covered);
  for (;;) {
    const int best = heaviest(nv.children(at), below, tie);
    if (best < 0 || below[static_cast<size_t>(best)] * 5 < at_bytes * 4 ||
        below[static_cast<size_t>(best)] == 0) {
      return at;
    }
    if (member[static_cast<size_t>(best)]) {
      *above_member = true;
      return at < 0 ? best : at;
    }
    at = best;
    at_bytes = below[static_cast<size_t>(best)];
  }
}

Model random_model(std::mt19937& rng) {
  Model m;
  const int n = 4 + static_cast<int>(rng() % 40);
  const int classes = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) {
    Obj o;
    if (i < classes) {
      o.type = "CLASS";
      o.name = "C" + std::to_string(i);
    } else if (rng() % 4 == 0) {
      o.type = "STRING";  // no class
    } else {
      o.type = "OBJECT";
      o.cls = static_cast<int>(rng() % static_cast<unsigned>(classes));
    }
    o.file = "f" + std::to_string(rng() % 3) + ".rb";
    o.line = rng() % 3;
    // Sizes of very different magnitudes, so that the 80 % rules both go
    // down and stop.
    o.size = 1 + rng() % (rng() % 3 == 0 ? 1000 : 20);
    const int k = static_cast<int>(rng() % 4);
    for (int j = 0; j < k; ++j) {
      // Mostly forward (deep, tree-like), some back edges.
      const int to = rng() % 4 != 0 && i + 1 < n
                         ? i + 1 + static_cast<int>(rng() % static_cast<unsigned>(std::min(n - i - 1, 6)))
                         : static_cast<int>(rng() % static_cast<unsigned>(n));
      o.refs.push_back(to);
    }
    m.objs.push_back(o);
  }
  const int nroots = 1 + static_cast<int>(rng() % 3);
  for (int j = 0; j < nroots; ++j) m.roots.push_back(static_cast<int>(rng() % static_cast<unsigned>(n)));
  return m;
}

std::string text_of(const Cell& c) { return is_null(c) ? std::string("(null)") : as_text(c); }

const Table& named(const std::vector<Table>& tables, const std::string& name) {
  for (const Table& t : tables) {
    if (t.name == name) return t;
  }
  FAIL("no table " << name);
  return tables.front();
}

TEST_CASE("retained: group sums and accumulation points agree with a naive reference") {
  std::mt19937 rng(2025);
  int class_suspects = 0, object_suspects = 0, moved = 0, group_moved = 0, stopped_above_member = 0,
      ties = 0;
  for (int round = 0; round < 600; ++round) {
    INFO("round " << round);
    const Model m = random_model(rng);
    const auto lg = load(m);
    const Naive nv = naive(m);
    RetainedOptions options;
    options.lines = 1000;
    options.threshold = 1 + rng() % 30;
    const std::vector<Table> tables = retained_tables(lg, options);
    uint64_t heap = 0;
    for (const Obj& o : m.objs) heap += o.size;
    auto big = [&](uint64_t bytes) { return heap > 0 && bytes * 100 >= heap * options.threshold; };

    // Groups: by class name and by location, as the tables name them.
    for (const char* by : {"class", "location"}) {
      INFO(by);
      std::map<std::string, std::vector<int>> members;
      for (size_t v = 0; v < nv.n; ++v) {
        if (!nv.reachable[v]) continue;
        const uint32_t id = static_cast<uint32_t>(v);
        members[std::string(by) == "class" ? lg->class_of(id) : text_of(lg->location_of(id))]
            .push_back(static_cast<int>(v));
      }
      struct Row {
        std::string key;
        uint64_t objects, shallow, retained;
        int first;
      };
      std::vector<Row> expected;
      for (const auto& [key, vs] : members) {
        std::vector<char> covered(nv.n, 0);
        uint64_t shallow = 0;
        for (int v : vs) {
          shallow += nv.size[static_cast<size_t>(v)];
          for (size_t w = 0; w < nv.n; ++w) covered[w] |= nv.retains[static_cast<size_t>(v)][w];
        }
        expected.push_back({key, vs.size(), shallow, nv.bytes(covered), vs.front()});
      }
      std::sort(expected.begin(), expected.end(), [](const Row& a, const Row& b) {
        return a.retained != b.retained ? a.retained > b.retained : a.first < b.first;
      });
      const Table& t = named(tables, std::string("retained_by_") + by);
      REQUIRE(t.rows.size() == expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        const auto& r = t.rows[i];
        CHECK(text_of(r[static_cast<size_t>(t.column(by))]) == expected[i].key);
        CHECK(as_int(r[static_cast<size_t>(t.column("objects"))]) == expected[i].objects);
        CHECK(as_int(r[static_cast<size_t>(t.column("shallow"))]) == expected[i].shallow);
        CHECK(as_int(r[static_cast<size_t>(t.column("retained"))]) == expected[i].retained);
      }
    }

    // Leak suspects: key (kind + class or address) -> (objects, retained,
    // accumulation address or "-", whether a tie makes it ambiguous).
    struct Suspect {
      uint64_t objects, retained;
      std::string acc;
      bool tie;
    };
    std::map<std::string, Suspect> expected;
    for (size_t v = 0; v < nv.n; ++v) {
      if (!nv.reachable[v] || !big(nv.retained(static_cast<int>(v)))) continue;
      bool deeper = false;
      for (int c : nv.children(static_cast<int>(v))) deeper = deeper || big(nv.retained(c));
      if (deeper) continue;
      bool tie = false;
      const int acc = object_accumulation(nv, static_cast<int>(v), &tie);
      moved += acc != static_cast<int>(v);
      expected["object " + format_address(addr(static_cast<int>(v)))] = {
          1, nv.retained(static_cast<int>(v)), format_address(addr(acc)), tie};
    }
    std::map<std::string, std::vector<int>> by_class;
    for (size_t v = 0; v < nv.n; ++v) {
      if (nv.reachable[v]) by_class[lg->class_of(static_cast<uint32_t>(v))].push_back(static_cast<int>(v));
    }
    for (const auto& [name, vs] : by_class) {
      std::vector<char> member(nv.n, 0), covered(nv.n, 0);
      uint64_t biggest = 0;
      for (int v : vs) {
        member[static_cast<size_t>(v)] = 1;
        biggest = std::max(biggest, nv.retained(v));
        for (size_t w = 0; w < nv.n; ++w) covered[w] |= nv.retains[static_cast<size_t>(v)][w];
      }
      const uint64_t retained = nv.bytes(covered);
      // Big, and not one member's story (that member is listed itself).
      if (!big(retained) || biggest * 5 >= retained * 4) continue;
      bool tie = false, above_member = false;
      const int acc = group_accumulation(nv, member, covered, &tie, &above_member);
      stopped_above_member += above_member;
      group_moved += acc >= 0;
      expected["class " + name] = {vs.size(), retained,
                                   acc < 0 ? std::string("-") : format_address(addr(acc)), tie};
    }
    const Table& sus = named(tables, "leak_suspects");
    auto cell = [&](const std::vector<Cell>& r, const char* column) -> const Cell& {
      return r[static_cast<size_t>(sus.column(column))];
    };
    REQUIRE(sus.rows.size() == expected.size());
    for (const auto& r : sus.rows) {
      const std::string kind = as_text(cell(r, "kind"));
      const std::string key =
          kind + " " + (kind == "object" ? as_text(cell(r, "address")) : as_text(cell(r, "class")));
      INFO(key);
      REQUIRE(expected.count(key) == 1);
      const Suspect& e = expected[key];
      (kind == "object" ? object_suspects : class_suspects) += 1;
      CHECK(as_int(cell(r, "objects")) == e.objects);
      CHECK(as_int(cell(r, "retained")) == e.retained);
      if (e.tie) {
        ++ties;
      } else {
        const Cell& acc = cell(r, "accumulation_address");
        CHECK((is_null(acc) ? std::string("-") : as_text(acc)) == e.acc);
      }
    }
  }
  // The random graphs exercise every branch of both rules.
  INFO(object_suspects << " object suspects, " << class_suspects << " class suspects, " << moved
                       << " moved down, " << group_moved << " groups with a point, "
                       << stopped_above_member << " stopped above a member, " << ties << " ties");
  CHECK(object_suspects > 100);
  CHECK(class_suspects > 20);
  CHECK(moved > 5);
  CHECK(group_moved > 20);
  CHECK(stopped_above_member > 2);
  CHECK(ties < (object_suspects + class_suspects) / 4);
}

}  // namespace
}  // namespace heapdump
