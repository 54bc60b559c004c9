#include "heapdump/group_by.hpp"

#include <algorithm>
#include <unordered_map>

#include "analyze/string_pool.hpp"
#include "heapdump/allocation_tracer.hpp"
#include "heapdump/byte_sum.hpp"
#include "heapdump/gem.hpp"
#include "heapdump/names.hpp"

namespace heapdump {
namespace {

/// What a raw key's `a` holds for the class key, in its low 3 bits: the
/// allocation tracer; an IMEMO (b: its imemo_type); an object with a
/// "class" (b: the class address; a >> 3: its type, to name it "(TYPE)"
/// when the class is not in the dump); any other object (b: its type).
enum ClassTag : uint64_t { kClassAddress = 1, kImemo = 2, kTracer = 3, kNoClass = 4 };
constexpr uint64_t kTagMask = 7;

/// The location key: `a` is the file id + 1 (0: no file), with this bit
/// when there is a line; `b` is the line (any value, 2^64 - 1 too).
constexpr uint64_t kHasLine = uint64_t{1} << 63;

struct RawKey {
  uint64_t a = 0;
  uint64_t b = 0;
  bool operator==(const RawKey& o) const { return a == o.a && b == o.b; }
};
struct RawKeyOps {
  static uint64_t hash(const RawKey& k) { return hash_u64(k.a * 0x9E3779B97F4A7C15ull ^ mix64(k.b)); }
  static bool equal(const RawKey& x, const RawKey& y) { return x == y; }
};

struct Acc {
  ByteSum bytes;
  uint64_t objects = 0;
  uint64_t first = UINT64_MAX;
};

}  // namespace

struct GroupBy::State {
  StringPool strings;
  FlatMap<RawKey, Acc, RawKeyOps> groups;
  uint64_t objects = 0;
  ByteSum bytes;
};

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

GroupBy::GroupBy(GroupKey key, std::optional<Selection> selection, bool leave_out_tracer)
    : key_(key),
      selection_(selection),
      leave_out_tracer_(leave_out_tracer),
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
  RawKey k;
  switch (key_) {
    case GroupKey::kLocation:
      if (r.has_file) {
        k.a = (uint64_t{s.strings.intern(r.file)} + 1) | (r.has_line ? kHasLine : 0);
        k.b = r.has_line ? r.line : 0;
      }
      break;
    case GroupKey::kFile:
    case GroupKey::kGem:
      if (r.has_file) k.a = uint64_t{s.strings.intern(r.file)} + 1;
      break;
    case GroupKey::kClass:
      // The name is ObjectNamer's (heapdump/names.hpp), made in groups().
      if (is_allocation_tracer(r.type, r.struct_name)) {
        k = {kTracer, 0};
      } else if (r.type == "IMEMO") {
        k = {kImemo, s.strings.intern(r.imemo_type)};
      } else if (r.has_class && r.type != "ICLASS") {
        k = {kClassAddress | (uint64_t{s.strings.intern(r.type)} << 3), r.class_address};
      } else {
        k = {kNoClass, s.strings.intern(r.type)};
      }
      break;
    case GroupKey::kType:
      k.a = s.strings.intern(r.type);
      break;
    case GroupKey::kMethod:
      if (r.has_method) k.a = uint64_t{s.strings.intern(r.method)} + 1;
      break;
  }
  bool inserted = false;
  Acc& acc = s.groups.find_or_insert(k, &inserted);
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
  o.groups.for_each([&](const RawKey& theirs, const Acc& acc) {
    RawKey k = theirs;
    switch (key_) {
      case GroupKey::kLocation:
        if (k.a != 0) k.a = (remap((k.a & ~kHasLine) - 1) + 1) | (k.a & kHasLine);
        break;
      case GroupKey::kFile:
      case GroupKey::kGem:
      case GroupKey::kMethod:
        if (k.a != 0) k.a = remap(k.a - 1) + 1;
        break;
      case GroupKey::kType:
        k.a = remap(k.a);
        break;
      case GroupKey::kClass:
        if ((k.a & kTagMask) == kClassAddress) {
          k.a = kClassAddress | (remap(k.a >> 3) << 3);
        } else if (k.a != kTracer) {
          k.b = remap(k.b);
        }
        break;
    }
    bool inserted = false;
    Acc& mine = s.groups.find_or_insert(k, &inserted);
    if (inserted || acc.first < mine.first) mine.first = acc.first;
    mine.bytes.add(acc.bytes);
    mine.objects += acc.objects;
  });
}

std::vector<Group> GroupBy::groups(const ClassNames& names) const {
  const State& s = *state_;
  auto str = [&](uint64_t id) { return s.strings.get(static_cast<uint32_t>(id)); };
  std::vector<Group> out;
  std::unordered_map<std::string, size_t, KeyedStringHash> by_name;  // (names from the dump: keyed)
  std::unordered_map<uint64_t, std::string, KeyedU64Hash> gem_cache;  // file id -> gem
  const ObjectNamer namer(names);
  s.groups.for_each([&](const RawKey& k, const Acc& acc) {
    std::string name;
    NameKind kind = NameKind::kClass;
    switch (key_) {
      case GroupKey::kLocation:
        if (k.a == 0) {
          name = kNoFileGroup;
        } else {
          name = location_name(str((k.a & ~kHasLine) - 1), (k.a & kHasLine) != 0, k.b);
        }
        break;
      case GroupKey::kFile:
        name = k.a == 0 ? std::string(kNoFileGroup) : std::string(str(k.a - 1));
        break;
      case GroupKey::kGem:
        name = k.a == 0 ? std::string(kNoFileGroup) : gem_of(str(k.a - 1));
        break;
      case GroupKey::kClass: {
        ObjectName n;
        switch (k.a & kTagMask) {
          case kTracer: n = namer.name("DATA", "", true, false, 0); break;
          case kImemo: n = namer.name("IMEMO", str(k.b), false, false, 0); break;
          case kClassAddress: n = namer.name(str(k.a >> 3), "", false, true, k.b); break;
          default: n = namer.name(str(k.b), "", false, false, 0); break;
        }
        name = std::move(n.text);
        kind = n.kind;
        break;
      }
      case GroupKey::kType:
        name = str(k.a);
        break;
      case GroupKey::kMethod:
        name = k.a == 0 ? std::string(kNoMethodGroup) : std::string(str(k.a - 1));
        break;
    }
    auto [it, inserted] = by_name.try_emplace(name, out.size());
    if (inserted) out.push_back({std::move(name), 0, 0, acc.first, kind});
    Group& g = out[it->second];
    g.bytes += acc.bytes.value();
    g.objects += acc.objects;
    g.first = std::min(g.first, acc.first);
  });
  std::sort(out.begin(), out.end(), [](const Group& x, const Group& y) { return x.first < y.first; });
  return out;
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
