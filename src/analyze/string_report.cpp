#include "heapdump/string_report.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "analyze/ranking.hpp"
#include "analyze/string_pool.hpp"
#include "heapdump/byte_sum.hpp"
#include "heapdump/gem.hpp"
#include "heapdump/names.hpp"

namespace heapdump {
namespace {

struct Acc {
  ByteSum bytes;
  uint64_t objects = 0;
  uint64_t first = UINT64_MAX;
  void add(const Acc& o) {
    bytes.add(o.bytes);
    objects += o.objects;
    first = std::min(first, o.first);
  }
};

struct LocKey {
  uint64_t file = 0;  // file id + 1, 0 = no file; bit 63: has a line
  uint64_t line = 0;  // the line (every value is one), 0 without
  bool operator==(const LocKey& o) const { return file == o.file && line == o.line; }
};
constexpr uint64_t kHasLine = uint64_t{1} << 63;
struct LocKeyOps {
  static uint64_t hash(const LocKey& k) { return hash_u64(k.line * 0x9E3779B97F4A7C15ull ^ k.file); }
  static bool equal(const LocKey& a, const LocKey& b) { return a == b; }
};


}  // namespace

struct StringReport::State {
  StringPool values;
  std::vector<Acc> by_value;  // by value id
  StringPool files;
  FlatMap<LocKey, uint32_t, LocKeyOps> location_ids;
  std::vector<LocKey> locations;
  FlatMap<uint64_t, Acc, U64KeyOps> at;  // value id << 32 | location id
  uint64_t objects = 0;
  ByteSum bytes;

  uint32_t location_id(const LocKey& key) {
    bool inserted = false;
    uint32_t& id = location_ids.find_or_insert(key, &inserted);
    if (inserted) {
      id = static_cast<uint32_t>(locations.size());
      locations.push_back(key);
    }
    return id;
  }
  std::string location_name(uint32_t id) const {
    const LocKey& k = locations[id];
    if (k.file == 0) return std::string(kNoFileGroup);
    return heapdump::location_name(files.get(static_cast<uint32_t>((k.file & ~kHasLine) - 1)),
                                   (k.file & kHasLine) != 0, k.line);
  }
};

StringReport::StringReport(std::optional<Selection> selection)
    : selection_(selection), state_(std::make_unique<State>()) {}
StringReport::~StringReport() = default;

void StringReport::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject || !r.has_value || r.type != "STRING") return;
  if (selection_ && (!r.has_file || !selection_->matches(r))) return;
  State& s = *state_;
  ++s.objects;
  s.bytes.add(r.memsize);
  const Acc one{{r.memsize, 0}, 1, r.byte_offset};
  const uint32_t value = s.values.intern(r.value);
  if (value == s.by_value.size()) s.by_value.emplace_back();
  s.by_value[value].add(one);
  LocKey key;
  if (r.has_file) {
    key.file = (uint64_t{s.files.intern(r.file)} + 1) | (r.has_line ? kHasLine : 0);
    key.line = r.has_line ? r.line : 0;
  }
  const uint32_t loc = s.location_id(key);
  bool inserted = false;
  s.at.find_or_insert((uint64_t{value} << 32) | loc, &inserted).add(one);
}

void StringReport::merge(const StringReport& other) {
  State& s = *state_;
  const State& o = *other.state_;
  s.objects += o.objects;
  s.bytes.add(o.bytes);
  std::vector<uint32_t> value_map(o.by_value.size());
  for (uint32_t v = 0; v < o.by_value.size(); ++v) {
    const uint32_t id = s.values.intern(o.values.get(v), o.values.hash_of(v));
    if (id == s.by_value.size()) s.by_value.emplace_back();
    s.by_value[id].add(o.by_value[v]);
    value_map[v] = id;
  }
  std::vector<uint32_t> loc_map(o.locations.size());
  for (uint32_t i = 0; i < o.locations.size(); ++i) {
    LocKey k = o.locations[i];
    if (k.file != 0) k.file = (uint64_t{s.files.intern(o.files.get(static_cast<uint32_t>((k.file & ~kHasLine) - 1)))} + 1) | (k.file & kHasLine);
    loc_map[i] = s.location_id(k);
  }
  o.at.for_each([&](uint64_t key, const Acc& acc) {
    const uint64_t mapped = (uint64_t{value_map[key >> 32]} << 32) | loc_map[key & 0xffffffffu];
    bool inserted = false;
    s.at.find_or_insert(mapped, &inserted).add(acc);
  });
}

uint64_t StringReport::values() const { return state_->by_value.size(); }

std::vector<Table> StringReport::to_tables(uint64_t top_n) const {
  const State& s = *state_;
  // The top values by bytes and by copies first, then the locations of
  // those values only, in one pass over the (value, location) pairs.
  auto top_values = [&](bool by_bytes) {
    std::vector<Ranked> values;
    values.reserve(s.by_value.size());
    for (uint32_t v = 0; v < s.by_value.size(); ++v) {
      const Acc& a = s.by_value[v];
      values.push_back({by_bytes ? a.bytes.value() : a.objects, a.first, v});
    }
    rank(&values, top_n);
    return values;
  };
  const std::vector<Ranked> by_memory = top_values(true), by_copies = top_values(false);
  std::unordered_map<uint32_t, std::vector<std::pair<uint32_t, Acc>>> per_value;
  for (const auto* list : {&by_memory, &by_copies}) {
    for (const Ranked& v : *list) per_value.try_emplace(static_cast<uint32_t>(v.index));
  }
  std::vector<Ranked> pairs;  // frozen-string candidates
  std::vector<std::pair<uint64_t, Acc>> pair_list;
  s.at.for_each([&](uint64_t key, const Acc& acc) {
    auto it = per_value.find(static_cast<uint32_t>(key >> 32));
    if (it != per_value.end()) it->second.push_back({static_cast<uint32_t>(key & 0xffffffffu), acc});
    if (acc.objects >= 2) {
      pairs.push_back({acc.objects, acc.first, pair_list.size()});
      pair_list.push_back({key, acc});
    }
  });

  auto by_table = [&](const char* name, bool by_bytes) {
    Table t;
    t.name = name;
    t.columns = {{"value", Column::Kind::kText},         {"bytes", Column::Kind::kBytes},
                 {"objects", Column::Kind::kCount},      {"location", Column::Kind::kText},
                 {"location_bytes", Column::Kind::kBytes}, {"location_objects", Column::Kind::kCount}};
    for (const Ranked& v : by_bytes ? by_memory : by_copies) {
      const auto& locs = per_value[static_cast<uint32_t>(v.index)];
      std::vector<Ranked> ranked;
      for (size_t i = 0; i < locs.size(); ++i) {
        ranked.push_back({by_bytes ? locs[i].second.bytes.value() : locs[i].second.objects, locs[i].second.first, i});
      }
      rank(&ranked, top_n);
      const Acc& va = s.by_value[v.index];
      for (const Ranked& l : ranked) {
        const auto& [loc, acc] = locs[l.index];
        t.rows.push_back(make_row(std::string(s.values.get(static_cast<uint32_t>(v.index))), int_cell(va.bytes.value()),
                          va.objects, s.location_name(loc), int_cell(acc.bytes.value()), acc.objects));
      }
    }
    t.totals = {{"bytes", s.bytes.value()}, {"objects", s.objects}};
    return t;
  };

  std::vector<Table> tables;
  tables.push_back(by_table("strings_by_memory", true));
  tables.push_back(by_table("strings_by_copies", false));
  Table frozen;
  frozen.name = "frozen_string_candidates";
  frozen.columns = {{"location", Column::Kind::kText},
                    {"value", Column::Kind::kText},
                    {"objects", Column::Kind::kCount},
                    {"bytes", Column::Kind::kBytes}};
  rank(&pairs, top_n);
  for (const Ranked& p : pairs) {
    const auto& [key, acc] = pair_list[p.index];
    frozen.rows.push_back(make_row(s.location_name(static_cast<uint32_t>(key & 0xffffffffu)),
                           std::string(s.values.get(static_cast<uint32_t>(key >> 32))), acc.objects,
                           int_cell(acc.bytes.value())));
  }
  tables.push_back(std::move(frozen));
  return tables;
}

}  // namespace heapdump
