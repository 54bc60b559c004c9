#include "heapdump/diff.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "analyze/string_pool.hpp"
#include "heapdump/allocation_tracer.hpp"
#include "heapdump/byte_sum.hpp"

namespace heapdump {

struct DiffAggregator::State {
  struct Key {
    uint32_t type;
    uint32_t file;  // file id + 1, or 0 for none
    uint64_t line;  // the line (any value), 0 for none
    bool has_line;
    bool operator==(const Key& o) const {
      return type == o.type && file == o.file && line == o.line && has_line == o.has_line;
    }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      // Keyed: lines and types come from the dump.
      return static_cast<size_t>(hash_u64(k.line * 0x9E3779B97F4A7C15ull ^ mix64(uint64_t{k.file} << 32 | k.type) ^ k.has_line));
    }
  };
  /// The objects of one (type, file, line) site.
  struct SiteCount {
    Key key;
    uint64_t objects = 0;
    ByteSum bytes;
    uint64_t first = 0;
    uint64_t tracer_objects = 0;  // of `objects`, those that are the allocation tracer
    ByteSum tracer_bytes;
  };
  StringPool files;
  std::unordered_map<Key, uint32_t, KeyHash> ids;
  std::vector<SiteCount> groups;
  bool has_generation = false;
  uint64_t highest_generation = 0;
  AllocationTracerTally tracer;  // new tracer objects
};

DiffAggregator::DiffAggregator(TypeIds& types, const IdentitySet& before,
                               const IdentitySet* retained,
                               std::function<void(std::string_view)> on_reported)
    : types_(types),
      before_(before),
      retained_(retained),
      on_reported_(std::move(on_reported)),
      state_(std::make_unique<State>()) {}
DiffAggregator::~DiffAggregator() = default;

void DiffAggregator::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  if (r.has_generation && (!state_->has_generation || r.generation > state_->highest_generation)) {
    state_->has_generation = true;
    state_->highest_generation = r.generation;
  }
  const Identity id = identity_of(r, types_);
  if (before_.contains(id, r, &before_hint_)) return;
  if (retained_ != nullptr && !retained_->contains(id, r, &retained_hint_)) return;
  if (on_reported_) on_reported_(r.raw_line);
  if (keep_addresses_) new_addresses_.push_back(r.address);

  State& s = *state_;
  const State::Key key{id.type, r.has_file ? s.files.intern(r.file) + 1 : 0,
                       r.has_line ? r.line : 0, r.has_line};
  auto [it, inserted] = s.ids.try_emplace(key, static_cast<uint32_t>(s.groups.size()));
  if (inserted) s.groups.push_back({key, 0, {}, r.byte_offset, 0, {}});
  State::SiteCount& g = s.groups[it->second];
  g.objects += 1;
  g.bytes.add(r.memsize);
  if (is_allocation_tracer(r.type, r.struct_name)) {
    s.tracer.on_record(r);
    g.tracer_objects += 1;
    g.tracer_bytes.add(r.memsize);
  }
}

void DiffAggregator::merge(const DiffAggregator& other) {
  State& s = *state_;
  new_addresses_.insert(new_addresses_.end(), other.new_addresses_.begin(),
                        other.new_addresses_.end());
  if (other.state_->has_generation &&
      (!s.has_generation || other.state_->highest_generation > s.highest_generation)) {
    s.has_generation = true;
    s.highest_generation = other.state_->highest_generation;
  }
  s.tracer.merge(other.state_->tracer);
  for (const State::SiteCount& theirs : other.state_->groups) {
    State::Key key = theirs.key;
    if (key.file != 0) key.file = s.files.intern(other.state_->files.get(key.file - 1)) + 1;
    auto [it, inserted] = s.ids.try_emplace(key, static_cast<uint32_t>(s.groups.size()));
    if (inserted) s.groups.push_back({key, 0, {}, theirs.first, 0, {}});
    State::SiteCount& g = s.groups[it->second];
    g.objects += theirs.objects;
    g.bytes.add(theirs.bytes);
    g.tracer_objects += theirs.tracer_objects;
    g.tracer_bytes.add(theirs.tracer_bytes);
    g.first = std::min(g.first, theirs.first);
  }
}

uint64_t DiffAggregator::new_tracer_objects() const { return state_->tracer.objects(); }
uint128 DiffAggregator::new_tracer_bytes() const { return state_->tracer.bytes(); }

std::optional<uint64_t> DiffAggregator::highest_generation() const {
  if (!state_->has_generation) return std::nullopt;
  return state_->highest_generation;
}

size_t DiffAggregator::group_count() const { return state_->groups.size(); }

Table DiffAggregator::to_table(Sort sort, uint64_t lines, bool leave_out_tracer) const {
  const State& s = *state_;
  Table t;
  t.name = "diff";
  t.columns = {{"type", Column::Kind::kText},
               {"objects", Column::Kind::kCount},
               {"bytes", Column::Kind::kBytes},
               {"file", Column::Kind::kText},
               {"line", Column::Kind::kInteger}};
  struct Counted {
    const State::SiteCount* group;
    uint64_t objects;
    uint128 bytes;
  };
  std::vector<Counted> order;
  uint64_t objects = 0;
  uint128 bytes = 0;
  for (const auto& g : s.groups) {
    Counted c{&g, g.objects, g.bytes.value()};
    if (leave_out_tracer) {
      c.objects -= g.tracer_objects;
      c.bytes -= g.tracer_bytes.value();
      if (c.objects == 0) continue;
    }
    order.push_back(c);
    objects += c.objects;
    bytes += c.bytes;
  }
  if (sort == Sort::kBytes) {
    std::sort(order.begin(), order.end(), [](const Counted& a, const Counted& b) {
      return a.bytes != b.bytes ? a.bytes > b.bytes : a.group->first < b.group->first;
    });
  } else {
    std::sort(order.begin(), order.end(), [](const Counted& a, const Counted& b) {
      return a.objects != b.objects ? a.objects > b.objects : a.group->first < b.group->first;
    });
  }
  if (order.size() > lines) order.resize(static_cast<size_t>(lines));
  for (const Counted& c : order) {
    const State::SiteCount* g = c.group;
    Cell file = g->key.file == 0 ? Cell{} : Cell{std::string(s.files.get(g->key.file - 1))};
    Cell line = g->key.has_line ? Cell{g->key.line} : Cell{};
    t.rows.push_back({std::string(types_.name(g->key.type)), c.objects, int_cell(c.bytes),
                      std::move(file), std::move(line)});
  }
  t.totals = {{"objects", objects}, {"bytes", bytes}};
  return t;
}

}  // namespace heapdump
