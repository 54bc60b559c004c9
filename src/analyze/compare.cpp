#include "heapdump/compare.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <unordered_map>

#include "analyze/keyed_hash.hpp"

namespace heapdump {
namespace {

/// b - a, saturated to the int64_t range.
int64_t delta(uint64_t a, uint64_t b) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (b >= a) return b - a > kMax ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(b - a);
  return a - b > kMax ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(a - b);
}

struct Row {
  const Group* a = nullptr;
  const Group* b = nullptr;
  int64_t objects_delta = 0;
  int128 bytes_delta = 0;  // exact: byte sums are 128-bit
};

/// Class groups named by an address (#<Class:0x…>) summed into one group per
/// kind: addresses of two processes mean nothing to each other. Returns how
/// many groups were summed.
uint64_t sum_address_groups(std::vector<Group>* groups) {
  uint64_t summed = 0;
  std::vector<Group> out;
  size_t anonymous = SIZE_MAX, singletons = SIZE_MAX;
  for (Group& g : *groups) {
    if (!is_address_kind(g.kind)) {
      out.push_back(std::move(g));
      continue;
    }
    ++summed;
    const bool anon = g.kind == NameKind::kAnonymousClass;
    size_t& slot = anon ? anonymous : singletons;
    if (slot == SIZE_MAX) {
      slot = out.size();
      out.push_back({std::string(anon ? kAnonymousClassesGroup : kUnnamedSingletonsGroup), 0, 0,
                     g.first, g.kind});
    }
    Group& sum = out[slot];
    sum.bytes += g.bytes;
    sum.objects += g.objects;
    sum.first = std::min(sum.first, g.first);
  }
  *groups = std::move(out);
  return summed;
}

}  // namespace

Table compare_groups(GroupKey key, std::vector<Group> a, std::vector<Group> b, uint64_t top_n) {
  uint64_t summed_a = 0, summed_b = 0;
  if (key == GroupKey::kClass) {
    summed_a = sum_address_groups(&a);
    summed_b = sum_address_groups(&b);
  }
  std::vector<Row> rows;
  std::unordered_map<std::string, size_t, KeyedStringHash> index;  // names from the dumps: keyed
  for (const Group& g : b) {
    index.emplace(g.name, rows.size());
    rows.push_back({nullptr, &g});
  }
  std::vector<Row> only_a;
  for (const Group& g : a) {
    auto it = index.find(g.name);
    if (it != index.end()) {
      rows[it->second].a = &g;
    } else {
      only_a.push_back({&g, nullptr});
    }
  }
  // Groups only in A come after those of B, each list in order of first appearance.
  std::sort(only_a.begin(), only_a.end(), [](const Row& x, const Row& y) { return x.a->first < y.a->first; });
  rows.insert(rows.end(), only_a.begin(), only_a.end());

  uint64_t objects_a = 0, objects_b = 0;
  uint128 bytes_a = 0, bytes_b = 0;
  for (Row& r : rows) {
    const uint64_t oa = r.a ? r.a->objects : 0, ob = r.b ? r.b->objects : 0;
    const uint128 ba = r.a ? r.a->bytes : 0, bb = r.b ? r.b->bytes : 0;
    objects_a += oa;
    bytes_a += ba;
    objects_b += ob;
    bytes_b += bb;
    r.objects_delta = delta(oa, ob);
    r.bytes_delta = static_cast<int128>(bb) - static_cast<int128>(ba);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    if (x.bytes_delta != y.bytes_delta) return x.bytes_delta > y.bytes_delta;
    return x.objects_delta > y.objects_delta;
  });
  if (rows.size() > top_n) rows.resize(top_n);

  const std::string name(group_key_name(key));
  Table t;
  t.name = "compare_by_" + name;
  t.columns = {{name, Column::Kind::kText},
               {"objects_a", Column::Kind::kCount},
               {"bytes_a", Column::Kind::kBytes},
               {"objects_b", Column::Kind::kCount},
               {"bytes_b", Column::Kind::kBytes},
               {"objects_delta", Column::Kind::kCountDelta},
               {"bytes_delta", Column::Kind::kBytesDelta},
               {"status", Column::Kind::kText}};
  for (const Row& r : rows) {
    const Group& g = r.b ? *r.b : *r.a;
    Cell status = r.a == nullptr ? Cell{std::string("NEW")}
                  : r.b == nullptr ? Cell{std::string("GONE")}
                                   : Cell{};
    t.rows.push_back({g.name, r.a ? r.a->objects : uint64_t{0}, int_cell(r.a ? r.a->bytes : 0),
                      r.b ? r.b->objects : uint64_t{0}, int_cell(r.b ? r.b->bytes : 0),
                      r.objects_delta, signed_cell(r.bytes_delta), std::move(status)});
  }
  t.totals = {{"objects_a", objects_a}, {"bytes_a", bytes_a}, {"objects_b", objects_b},
              {"bytes_b", bytes_b}};
  if (key == GroupKey::kClass) {
    t.totals.emplace_back("address_groups_a", summed_a);
    t.totals.emplace_back("address_groups_b", summed_b);
  }
  return t;
}

}  // namespace heapdump
