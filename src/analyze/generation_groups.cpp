#include "heapdump/generation_groups.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "analyze/group_by_keys.hpp"
#include "analyze/prefetch_queue.hpp"
#include "heapdump/allocation_tracer.hpp"

namespace heapdump {

using namespace group_by_keys;

namespace {

/// The key a key's groups are folded under: file and gem are made from the
/// location groups, type from the class groups (GroupBy::derive).
GroupKey base_key(GroupKey key) {
  switch (key) {
    case GroupKey::kFile:
    case GroupKey::kGem: return GroupKey::kLocation;
    case GroupKey::kType: return GroupKey::kClass;
    default: return key;
  }
}

/// An object's raw key for each base key (unused ones 0) and its
/// generation: one hash map lookup a record for all three keys.
struct SiteKey {
  RawKey keys[3];
  uint64_t generation = 0;
  bool has_generation = false;
};
struct SiteKeyOps {
  static uint64_t hash(const SiteKey& k) {
    return hash_u64(k.keys[0].a * 0x9E3779B97F4A7C15ull ^ mix64(k.keys[0].b) ^
                    mix64(k.keys[1].a * 0xC2B2AE3D27D4EB4Full ^ k.keys[1].b) ^
                    mix64(k.keys[2].a * 0x165667B19E3779F9ull ^ k.keys[2].b) ^
                    (k.generation * 2 + (k.has_generation ? 1 : 0)) * 0x27D4EB2F165667C5ull);
  }
  static bool equal(const SiteKey& x, const SiteKey& y) {
    return x.keys[0] == y.keys[0] && x.keys[1] == y.keys[1] && x.keys[2] == y.keys[2] &&
           x.generation == y.generation && x.has_generation == y.has_generation;
  }
};

}  // namespace

struct GenerationGroups::State {
  StringPool strings;  ///< of every base key
  uint32_t last[3] = {UINT32_MAX, UINT32_MAX, UINT32_MAX};  ///< per base key (KeyStrings)
  FlatMap<SiteKey, Acc, SiteKeyOps> sites;
  uint64_t objects = 0;
  ByteSum bytes;

  /// The table is megabytes, looked up at random: a record's slot is
  /// prefetched when it comes and counted kDelay records later. Records
  /// stay in order, so a site's first record is still the first counted.
  struct Pending {
    SiteKey key;
    uint64_t hash;
    uint64_t memsize;
    uint64_t offset;
  };
  static constexpr size_t kDelay = 8;
  PrefetchQueue<Pending, kDelay> pending;

  void count(const Pending& p) {
    bool inserted = false;
    Acc& acc = sites.find_or_insert(p.key, p.hash, &inserted);
    if (inserted) acc.first = p.offset;
    acc.bytes.add(p.memsize);
    acc.objects += 1;
  }
  /// Counts the records still queued; every reader of `sites` calls it first.
  void flush() {
    pending.drain([this](const Pending& p) { count(p); });
  }
};

GenerationGroups::GenerationGroups(std::vector<GroupKey> keys, bool leave_out_tracer)
    : keys_(std::move(keys)), leave_out_tracer_(leave_out_tracer), state_(std::make_unique<State>()) {
  for (GroupKey key : keys_) {
    const GroupKey base = base_key(key);
    if (std::find(base_keys_.begin(), base_keys_.end(), base) == base_keys_.end()) base_keys_.push_back(base);
  }
  base_.resize(base_keys_.size());
  derived_.resize(keys_.size());
}
GenerationGroups::~GenerationGroups() = default;

void GenerationGroups::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  if (leave_out_tracer_ && is_allocation_tracer(r.type, r.struct_name)) return;
  State& s = *state_;
  ++s.objects;
  s.bytes.add(r.memsize);
  State::Pending& p = s.pending.push([&s](const State::Pending& old) { s.count(old); });
  for (size_t i = 0; i < 3; ++i) {
    p.key.keys[i] = i < base_keys_.size()
                        ? make_key(base_keys_[i], r, KeyStrings{&s.strings, &s.last[i]})
                        : RawKey{};
  }
  p.key.generation = r.has_generation ? r.generation : 0;
  p.key.has_generation = r.has_generation;
  p.hash = decltype(s.sites)::hash_of(p.key);
  p.memsize = r.memsize;
  p.offset = r.byte_offset;
  s.sites.prefetch_slots(p.hash);
}

void GenerationGroups::merge(const GenerationGroups& other) {
  State& s = *state_;
  s.flush();
  other.state_->flush();
  const State& o = *other.state_;
  s.objects += o.objects;
  s.bytes.add(o.bytes);
  auto remap = [&](uint64_t id) {
    return uint64_t{s.strings.intern(o.strings.get(static_cast<uint32_t>(id)))};
  };
  o.sites.for_each([&](const SiteKey& theirs, const Acc& acc) {
    SiteKey k = theirs;
    for (size_t i = 0; i < base_keys_.size(); ++i) k.keys[i] = remap_key(base_keys_[i], k.keys[i], remap);
    bool inserted = false;
    s.sites.find_or_insert(k, &inserted).add(acc);
  });
  for (auto& b : base_) b.reset();
  for (auto& d : derived_) d.reset();
}

const GroupBy& GenerationGroups::all(GroupKey key) const {
  const size_t k = static_cast<size_t>(std::find(keys_.begin(), keys_.end(), key) - keys_.begin());
  if (k == keys_.size()) throw std::logic_error("GenerationGroups::all: not one of the keys");
  const size_t b = static_cast<size_t>(
      std::find(base_keys_.begin(), base_keys_.end(), base_key(key)) - base_keys_.begin());
  if (!base_[b]) {
    // The base key's groups per generation: the sites summed over the other keys.
    state_->flush();
    const State& s = *state_;
    auto by = std::make_unique<GroupBy>(base_keys_[b], std::nullopt, leave_out_tracer_, true);
    GroupBy::State& d = *by->state_;
    for (size_t id = 0; id < s.strings.size(); ++id) d.strings.intern(s.strings.get(static_cast<uint32_t>(id)));
    d.objects = s.objects;
    d.bytes = s.bytes;
    s.sites.for_each([&](const SiteKey& site, const Acc& acc) {
      bool inserted = false;
      d.split.find_or_insert(SplitKey{site.keys[b], site.generation, site.has_generation}, &inserted)
          .add(acc);
    });
    base_[b] = std::move(by);
  }
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
