#include "heapdump/generation_groups.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace heapdump {

GenerationGroups::GenerationGroups(std::vector<GroupKey> keys, bool leave_out_tracer)
    : keys_(std::move(keys)), leave_out_tracer_(leave_out_tracer) {}
GenerationGroups::~GenerationGroups() = default;

GenerationGroups::Slot& GenerationGroups::slot(bool has_generation, uint64_t generation) {
  Slot* s;
  if (!has_generation) {
    s = &nil_;
  } else if (generation < kDenseLimit) {
    if (generation >= small_.size()) small_.resize(generation + 1);
    s = &small_[generation];
  } else {
    s = &large_[generation];
  }
  if (s->empty()) {
    for (GroupKey key : keys_) {
      s->push_back(std::make_unique<GroupBy>(key, std::nullopt, leave_out_tracer_));
    }
  }
  return *s;
}

void GenerationGroups::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  for (auto& g : slot(r.has_generation, r.generation)) g->on_record(r);
}

void GenerationGroups::merge(const GenerationGroups& other) {
  auto add = [&](bool has_generation, uint64_t generation, const Slot& theirs) {
    if (theirs.empty()) return;
    Slot& mine = slot(has_generation, generation);
    for (size_t i = 0; i < mine.size(); ++i) mine[i]->merge(*theirs[i]);
  };
  add(false, 0, other.nil_);
  for (size_t g = 0; g < other.small_.size(); ++g) add(true, g, other.small_[g]);
  for (const auto& [g, s] : other.large_) add(true, g, s);
}

std::unique_ptr<GroupBy> GenerationGroups::all(GroupKey key) const {
  auto out = std::make_unique<GroupBy>(key, std::nullopt, leave_out_tracer_);
  const size_t k = static_cast<size_t>(std::find(keys_.begin(), keys_.end(), key) - keys_.begin());
  if (k == keys_.size()) return out;
  auto add = [&](const Slot& s) {
    if (!s.empty()) out->merge(*s[k]);
  };
  add(nil_);
  for (const Slot& s : small_) add(s);
  for (const auto& [g, s] : large_) add(s);
  return out;
}

Table GenerationGroups::to_table(const ClassNames& names, uint64_t top_n,
                                 uint64_t max_generations) const {
  Table t;
  t.name = "generation_groups";
  t.columns = {{"generation", Column::Kind::kInteger}, {"key", Column::Kind::kText},
               {"group", Column::Kind::kText},       {"bytes", Column::Kind::kBytes},
               {"objects", Column::Kind::kCount},    {"groups", Column::Kind::kCount}};
  // The generations with objects, nil first, then ascending.
  struct Gen {
    Cell generation;
    const Slot* slot;
  };
  std::vector<Gen> gens;
  auto add = [&](Cell generation, const Slot& s) {
    if (!s.empty() && s[0]->selected_objects() > 0) gens.push_back({std::move(generation), &s});
  };
  add(std::monostate{}, nil_);
  for (size_t g = 0; g < small_.size(); ++g) add(uint64_t{g}, small_[g]);
  for (const auto& [g, s] : large_) add(g, s);
  // Keep the ones with the most bytes; ties to the earlier (stable).
  std::vector<size_t> order(gens.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (!keys_.empty()) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return (*gens[a].slot)[0]->selected_bytes() > (*gens[b].slot)[0]->selected_bytes();
    });
  }
  if (order.size() > max_generations) order.resize(max_generations);
  std::sort(order.begin(), order.end());

  for (size_t i : order) {
    const Gen& gen = gens[i];
    for (size_t k = 0; k < keys_.size(); ++k) {
      const GroupBy& by = *(*gen.slot)[k];
      std::vector<Group> groups = by.groups(names);
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
        t.rows.push_back({gen.generation, key, std::move(g.name), int_cell(g.bytes), g.objects,
                          uint64_t{1}});
      }
      if (shown < groups.size()) {
        t.rows.push_back({gen.generation, key, std::monostate{},
                          int_cell(by.selected_bytes() - bytes), by.selected_objects() - objects,
                          uint64_t{groups.size() - shown}});
      }
    }
  }
  t.totals = {{"generations", order.size()}, {"top", top_n}};
  return t;
}

}  // namespace heapdump
