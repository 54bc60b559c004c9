#include "heapdump/generation_groups.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

namespace heapdump {

namespace {

/// The key a key's groups are folded under: file and gem are made from the
/// location groups, type from the class groups (GroupBy::derive), so each
/// record is hashed three times, not six.
GroupKey base_key(GroupKey key) {
  switch (key) {
    case GroupKey::kFile:
    case GroupKey::kGem: return GroupKey::kLocation;
    case GroupKey::kType: return GroupKey::kClass;
    default: return key;
  }
}

}  // namespace

GenerationGroups::GenerationGroups(std::vector<GroupKey> keys, bool leave_out_tracer)
    : keys_(std::move(keys)) {
  for (GroupKey key : keys_) {
    const GroupKey base = base_key(key);
    if (std::find(base_keys_.begin(), base_keys_.end(), base) != base_keys_.end()) continue;
    base_keys_.push_back(base);
    base_.push_back(std::make_unique<GroupBy>(base, std::nullopt, leave_out_tracer, true));
  }
  derived_.resize(keys_.size());
}
GenerationGroups::~GenerationGroups() = default;

void GenerationGroups::on_record(const ObjectRecord& r) {
  for (auto& g : base_) g->on_record(r);
}

void GenerationGroups::merge(const GenerationGroups& other) {
  for (size_t i = 0; i < base_.size(); ++i) base_[i]->merge(*other.base_[i]);
  for (auto& d : derived_) d.reset();
}

const GroupBy& GenerationGroups::all(GroupKey key) const {
  const size_t k = static_cast<size_t>(std::find(keys_.begin(), keys_.end(), key) - keys_.begin());
  if (k == keys_.size()) throw std::logic_error("GenerationGroups::all: not one of the keys");
  const size_t b = static_cast<size_t>(
      std::find(base_keys_.begin(), base_keys_.end(), base_key(key)) - base_keys_.begin());
  if (base_key(key) == key) return *base_[b];
  if (!derived_[k]) derived_[k] = base_[b]->derive(key);
  return *derived_[k];
}

Table GenerationGroups::to_table(const ClassNames& names, uint64_t top_n,
                                 uint64_t max_generations) const {
  Table t;
  t.name = "generation_groups";
  t.columns = {{"generation", Column::Kind::kInteger}, {"key", Column::Kind::kText},
               {"group", Column::Kind::kText},       {"bytes", Column::Kind::kBytes},
               {"objects", Column::Kind::kCount},    {"groups", Column::Kind::kCount}};
  std::vector<std::vector<GenerationGroup>> per_key;  // each: nil first, then ascending
  for (GroupKey key : keys_) per_key.push_back(all(key).generation_groups(names));
  if (per_key.empty()) {
    t.totals = {{"generations", 0}, {"top", top_n}};
    return t;
  }
  // Every key sees every object: the generations are the same for each.
  const std::vector<GenerationGroup>& gens = per_key[0];
  // Keep the ones with the most bytes; ties to the earlier (stable).
  std::vector<size_t> order(gens.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return gens[a].bytes > gens[b].bytes; });
  if (order.size() > max_generations) order.resize(max_generations);
  std::sort(order.begin(), order.end());

  for (size_t i : order) {
    const Cell generation = gens[i].has_generation ? Cell{gens[i].generation} : Cell{};
    for (size_t k = 0; k < keys_.size(); ++k) {
      GenerationGroup& gen = per_key[k][i];
      std::vector<Group>& groups = gen.groups;
      std::stable_sort(groups.begin(), groups.end(),
                       [](const Group& x, const Group& y) { return x.bytes > y.bytes; });
      const std::string key(group_key_name(keys_[k]));
      uint128 bytes = 0;
      uint64_t objects = 0;
      const size_t shown = std::min<uint64_t>(groups.size(), top_n);
      for (size_t r = 0; r < shown; ++r) {
        Group& g = groups[r];
        bytes += g.bytes;
        objects += g.objects;
        t.rows.push_back({generation, key, std::move(g.name), int_cell(g.bytes), g.objects, uint64_t{1}});
      }
      if (shown < groups.size()) {
        t.rows.push_back({generation, key, std::monostate{}, int_cell(gen.bytes - bytes),
                          gen.objects - objects, uint64_t{groups.size() - shown}});
      }
    }
  }
  t.totals = {{"generations", order.size()}, {"top", top_n}};
  return t;
}

}  // namespace heapdump
