#include "heapdump/group_by.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "analyze/group_by_keys.hpp"
#include "analyze/string_pool.hpp"
#include "heapdump/allocation_tracer.hpp"
#include "heapdump/byte_sum.hpp"
#include "heapdump/gem.hpp"
#include "heapdump/names.hpp"

namespace heapdump {

using namespace group_by_keys;

std::string_view group_key_name(GroupKey key) {
  switch (key) {
    case GroupKey::kLocation: return "location";
    case GroupKey::kFile: return "file";
    case GroupKey::kGem: return "gem";
    case GroupKey::kClass: return "class";
    case GroupKey::kType: return "type";
    case GroupKey::kMethod: return "method";
  }
  return "location";
}

bool parse_group_key(std::string_view name, GroupKey* key) {
  for (GroupKey k : {GroupKey::kLocation, GroupKey::kFile, GroupKey::kGem, GroupKey::kClass,
                     GroupKey::kType, GroupKey::kMethod}) {
    if (group_key_name(k) == name) {
      *key = k;
      return true;
    }
  }
  return false;
}

namespace group_by_keys {

RawKey make_key(GroupKey key, const ObjectRecord& r, const KeyStrings& s) {
  RawKey k;
  switch (key) {
    case GroupKey::kLocation:
      if (r.has_file) {
        k.a = (uint64_t{s.intern_main(r.file)} + 1) | (r.has_line ? kHasLine : 0);
        k.b = r.has_line ? r.line : 0;
      }
      break;
    case GroupKey::kFile:
    case GroupKey::kGem:
      if (r.has_file) k.a = uint64_t{s.intern_main(r.file)} + 1;
      break;
    case GroupKey::kClass:
      // The name is ObjectNamer's (heapdump/names.hpp), made in groups().
      if (is_allocation_tracer(r.type, r.struct_name)) {
        k = {kTracer, 0};
      } else if (r.type == "IMEMO") {
        k = {kImemo, s.pool->intern(r.imemo_type)};
      } else if (r.has_class && r.type != "ICLASS") {
        k = {kClassAddress | (uint64_t{s.intern_main(r.type)} << 3), r.class_address};
      } else {
        k = {kNoClass, s.intern_main(r.type)};
      }
      break;
    case GroupKey::kType:
      k.a = s.intern_main(r.type);
      break;
    case GroupKey::kMethod:
      if (r.has_method) k.a = uint64_t{s.intern_main(r.method)} + 1;
      break;
  }
  return k;
}

}  // namespace group_by_keys

GroupBy::GroupBy(GroupKey key, std::optional<Selection> selection, bool leave_out_tracer,
                 bool by_generation)
    : key_(key),
      selection_(selection),
      leave_out_tracer_(leave_out_tracer),
      by_generation_(by_generation),
      state_(std::make_unique<State>()) {}
GroupBy::~GroupBy() = default;

uint64_t GroupBy::selected_objects() const { return state_->objects; }
uint128 GroupBy::selected_bytes() const { return state_->bytes.value(); }

void GroupBy::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  if (selection_ && (!r.has_file || !selection_->matches(r))) return;
  if (leave_out_tracer_ && is_allocation_tracer(r.type, r.struct_name)) return;
  State& s = *state_;
  ++s.objects;
  s.bytes.add(r.memsize);
  const RawKey k = make_key(key_, r, KeyStrings{&s.strings, &s.last});
  bool inserted = false;
  Acc& acc = by_generation_ ? s.split.find_or_insert(
                                  SplitKey{k, r.has_generation ? r.generation : 0, r.has_generation},
                                  &inserted)
                            : s.groups.find_or_insert(k, &inserted);
  if (inserted) acc.first = r.byte_offset;
  acc.bytes.add(r.memsize);
  acc.objects += 1;
}

void GroupBy::merge(const GroupBy& other) {
  State& s = *state_;
  const State& o = *other.state_;
  s.objects += o.objects;
  s.bytes.add(o.bytes);
  auto remap = [&](uint64_t id) { return uint64_t{s.strings.intern(o.strings.get(static_cast<uint32_t>(id)))}; };
  auto add = [&](const RawKey& theirs, const Acc& acc, const SplitKey* split) {
    const RawKey k = remap_key(key_, theirs, remap);
    bool inserted = false;
    Acc& mine = split != nullptr
                    ? s.split.find_or_insert(SplitKey{k, split->generation, split->has_generation},
                                             &inserted)
                    : s.groups.find_or_insert(k, &inserted);
    if (inserted || acc.first < mine.first) mine.first = acc.first;
    mine.bytes.add(acc.bytes);
    mine.objects += acc.objects;
  };
  o.groups.for_each([&](const RawKey& k, const Acc& acc) { add(k, acc, nullptr); });
  o.split.for_each([&](const SplitKey& k, const Acc& acc) { add(k.key, acc, &k); });
}

std::unique_ptr<GroupBy> GroupBy::derive(GroupKey to) const {
  const bool from_location = key_ == GroupKey::kLocation && (to == GroupKey::kFile || to == GroupKey::kGem);
  const bool from_class = key_ == GroupKey::kClass && to == GroupKey::kType;
  if (!from_location && !from_class) {
    throw std::logic_error("GroupBy::derive: file and gem come from location, type from class");
  }
  auto out = std::make_unique<GroupBy>(to, selection_, leave_out_tracer_, by_generation_);
  State& d = *out->state_;
  const State& s = *state_;
  d.objects = s.objects;
  d.bytes = s.bytes;
  auto remap = [&](uint64_t id) {
    return uint64_t{d.strings.intern(s.strings.get(static_cast<uint32_t>(id)))};
  };
  // The raw key of `to` for a raw key of this one (as on_record makes it).
  auto convert = [&](const RawKey& k) -> RawKey {
    if (from_location) return {k.a == 0 ? 0 : remap((k.a & ~kHasLine) - 1) + 1, 0};
    switch (k.a & kTagMask) {
      case kTracer: return {d.strings.intern("DATA"), 0};
      case kImemo: return {d.strings.intern("IMEMO"), 0};
      case kClassAddress: return {remap(k.a >> 3), 0};
      default: return {remap(k.b), 0};
    }
  };
  auto add = [](Acc& mine, bool inserted, const Acc& acc) {
    if (inserted || acc.first < mine.first) mine.first = acc.first;
    mine.bytes.add(acc.bytes);
    mine.objects += acc.objects;
  };
  s.groups.for_each([&](const RawKey& k, const Acc& acc) {
    bool inserted = false;
    Acc& mine = d.groups.find_or_insert(convert(k), &inserted);
    add(mine, inserted, acc);
  });
  s.split.for_each([&](const SplitKey& k, const Acc& acc) {
    bool inserted = false;
    Acc& mine = d.split.find_or_insert(SplitKey{convert(k.key), k.generation, k.has_generation}, &inserted);
    add(mine, inserted, acc);
  });
  return out;
}

/// Resolves the names of a GroupBy's raw keys (ObjectNamer, gem_of(), …),
/// caching the gem of each file id.
class GroupBy::Namer {
 public:
  Namer(const GroupBy& by, const ClassNames& names) : by_(by), namer_(names) {}
  std::string name(const RawKey& k, NameKind* kind) {
    const State& s = *by_.state_;
    auto str = [&](uint64_t id) { return s.strings.get(static_cast<uint32_t>(id)); };
    *kind = NameKind::kClass;
    switch (by_.key_) {
      case GroupKey::kLocation:
        if (k.a == 0) return std::string(kNoFileGroup);
        return location_name(str((k.a & ~kHasLine) - 1), (k.a & kHasLine) != 0, k.b);
      case GroupKey::kFile:
        return k.a == 0 ? std::string(kNoFileGroup) : std::string(str(k.a - 1));
      case GroupKey::kGem: {
        if (k.a == 0) return std::string(kNoFileGroup);
        auto [it, inserted] = gems_.try_emplace(k.a);
        if (inserted) it->second = gem_of(str(k.a - 1));
        return it->second;
      }
      case GroupKey::kClass: {
        ObjectName n;
        switch (k.a & kTagMask) {
          case kTracer: n = namer_.name("DATA", "", true, false, 0); break;
          case kImemo: n = namer_.name("IMEMO", str(k.b), false, false, 0); break;
          case kClassAddress: n = namer_.name(str(k.a >> 3), "", false, true, k.b); break;
          default: n = namer_.name(str(k.b), "", false, false, 0); break;
        }
        *kind = n.kind;
        return std::move(n.text);
      }
      case GroupKey::kType:
        return std::string(str(k.a));
      case GroupKey::kMethod:
        return k.a == 0 ? std::string(kNoMethodGroup) : std::string(str(k.a - 1));
    }
    return {};
  }

  /// A raw key's name as an id (equal names, one id) and its kind; each
  /// raw key is named once (a GroupBy by generation holds a key once per
  /// generation it has objects in).
  struct Named {
    uint32_t id = 0;
    NameKind kind = NameKind::kClass;
  };
  Named named(const RawKey& k) {
    bool inserted = false;
    Named& n = named_.find_or_insert(k, &inserted);
    if (inserted) {
      std::string text = name(k, &n.kind);
      auto [it, added] = name_ids_.try_emplace(std::move(text), static_cast<uint32_t>(texts_.size()));
      if (added) texts_.push_back(&it->first);
      n.id = it->second;
    }
    return n;
  }
  const std::string& text(uint32_t id) const { return *texts_[id]; }

 private:
  const GroupBy& by_;
  const ObjectNamer namer_;
  std::unordered_map<uint64_t, std::string, KeyedU64Hash> gems_;  // file id -> gem
  FlatMap<RawKey, Named, RawKeyOps> named_;
  std::unordered_map<std::string, uint32_t, KeyedStringHash> name_ids_;  // (names from the dump: keyed)
  std::vector<const std::string*> texts_;  // by id, into name_ids_ (node-based: stable)
};

namespace {

/// Adds a raw key's counts to the group of its name in `out` (`by_name`:
/// name -> index), and sorts nothing.
void add_group(std::string name, NameKind kind, const Acc& acc, std::vector<Group>* out,
               std::unordered_map<std::string, size_t, KeyedStringHash>* by_name) {
  auto [it, inserted] = by_name->try_emplace(name, out->size());
  if (inserted) out->push_back({std::move(name), 0, 0, acc.first, kind});
  Group& g = (*out)[it->second];
  g.bytes += acc.bytes.value();
  g.objects += acc.objects;
  g.first = std::min(g.first, acc.first);
}

}  // namespace

std::vector<Group> GroupBy::groups(const ClassNames& names) const {
  const State& s = *state_;
  std::vector<Group> out;
  std::unordered_map<std::string, size_t, KeyedStringHash> by_name;  // (names from the dump: keyed)
  Namer namer(*this, names);
  auto add = [&](const RawKey& k, const Acc& acc) {
    NameKind kind;
    std::string name = namer.name(k, &kind);
    add_group(std::move(name), kind, acc, &out, &by_name);
  };
  s.groups.for_each(add);
  // A key is in `split` once per generation: named once (Namer::named).
  std::vector<uint32_t> group_of_name;  // name id -> index in out
  s.split.for_each([&](const SplitKey& k, const Acc& acc) {
    const Namer::Named n = namer.named(k.key);
    if (n.id >= group_of_name.size()) group_of_name.resize(n.id + 1, UINT32_MAX);
    uint32_t& i = group_of_name[n.id];
    if (i == UINT32_MAX) {
      i = static_cast<uint32_t>(out.size());
      out.push_back({namer.text(n.id), 0, 0, acc.first, n.kind});
    }
    Group& g = out[i];
    g.bytes += acc.bytes.value();
    g.objects += acc.objects;
    g.first = std::min(g.first, acc.first);
  });
  std::sort(out.begin(), out.end(), [](const Group& x, const Group& y) { return x.first < y.first; });
  return out;
}

std::vector<GenerationGroup> GroupBy::generation_groups(const ClassNames& names) const {
  const State& s = *state_;
  // (has_generation, generation) -> index in out; nil sorts first.
  std::map<std::pair<bool, uint64_t>, size_t> index;
  std::vector<GenerationGroup> out;
  Namer namer(*this, names);
  // (index in out << 32 | name id) -> index in that generation's groups
  FlatMap<uint64_t, uint32_t, U64KeyOps> group_of;
  s.split.for_each([&](const SplitKey& k, const Acc& acc) {
    auto [it, inserted] = index.try_emplace({k.has_generation, k.generation}, out.size());
    if (inserted) out.push_back({k.has_generation, k.generation, {}, 0, 0});
    GenerationGroup& g = out[it->second];
    g.bytes += acc.bytes.value();
    g.objects += acc.objects;
    const Namer::Named n = namer.named(k.key);
    bool added = false;
    uint32_t& i = group_of.find_or_insert((uint64_t{it->second} << 32) | n.id, &added);
    if (added) {
      i = static_cast<uint32_t>(g.groups.size());
      g.groups.push_back({namer.text(n.id), 0, 0, acc.first, n.kind});
    }
    Group& group = g.groups[i];
    group.bytes += acc.bytes.value();
    group.objects += acc.objects;
    group.first = std::min(group.first, acc.first);
  });
  std::vector<GenerationGroup> sorted;
  for (const auto& [gen, i] : index) {
    sorted.push_back(std::move(out[i]));
    std::sort(sorted.back().groups.begin(), sorted.back().groups.end(),
              [](const Group& x, const Group& y) { return x.first < y.first; });
  }
  return sorted;
}

Table GroupBy::to_table(uint64_t top_n, const ClassNames& names, uint64_t* group_count) const {
  std::vector<Group> all = groups(names);
  if (group_count != nullptr) *group_count = all.size();
  // Stable: ties keep the order of first appearance.
  std::stable_sort(all.begin(), all.end(),
                   [](const Group& x, const Group& y) { return x.bytes > y.bytes; });
  if (all.size() > top_n) all.resize(top_n);
  Table t;
  t.name = "by_" + std::string(group_key_name(key_));
  t.columns = {{std::string(group_key_name(key_)), Column::Kind::kText},
               {"bytes", Column::Kind::kBytes},
               {"objects", Column::Kind::kCount}};
  for (Group& g : all) t.rows.push_back({std::move(g.name), int_cell(g.bytes), g.objects});
  t.totals = {{"bytes", state_->bytes.value()}, {"objects", state_->objects}};
  return t;
}

}  // namespace heapdump
