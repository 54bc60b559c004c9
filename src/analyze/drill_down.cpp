#include "heapdump/drill_down.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

#include "analyze/ranking.hpp"
#include "analyze/string_pool.hpp"

namespace heapdump {

struct DrillDown::State {
  struct Location {
    uint32_t file;
    bool has_line;
    uint64_t line;
    uint64_t bytes = 0;
    uint64_t objects = 0;
    uint64_t references = 0;
    bool has_references = false;
    uint64_t first = 0;
  };
  struct LocationKey {
    uint32_t file;
    uint64_t line;  // line + 1, or 0 for "no line"
    bool operator==(const LocationKey& o) const { return file == o.file && line == o.line; }
  };
  struct LocationKeyOps {
    static uint64_t hash(const LocationKey& k) { return mix64(k.line * 0x9E3779B97F4A7C15ull ^ k.file); }
    static bool equal(const LocationKey& a, const LocationKey& b) { return a == b; }
  };
  struct ClassCount {
    uint32_t text = 0;  // the address as written, in class_texts
    uint64_t objects = 0;
    uint64_t first = 0;
  };
  struct StringCount {
    uint64_t count = 0;
    uint64_t first = 0;
  };
  static constexpr uint32_t kNoLocation = UINT32_MAX;
  /// A string value: its count, and its count at its first location (most
  /// values come from one place, so this saves a value_at lookup per
  /// record); counts at other locations are in value_at.
  struct ValueCount {
    uint64_t count = 0;
    uint64_t first = 0;
    uint32_t home = kNoLocation;
    StringCount at_home;
    /// A value not counted yet, first seen at byte offset `first`.
    static ValueCount first_at(uint64_t first) {
      ValueCount v;
      v.first = first;
      return v;
    }
  };

  /// The key of (value, location) in value_at.
  static uint64_t value_at_key(uint32_t value, uint32_t location) {
    return (uint64_t{value} << 32) | location;
  }

  /// Adds `count` appearances of value `value` at `location`, the first at
  /// byte offset `first`.
  void add_value_at(uint32_t value, uint32_t location, uint64_t count, uint64_t first) {
    ValueCount& vc = value_counts[value];
    if (vc.home == kNoLocation) {
      vc.home = location;
      vc.at_home = {count, first};
      return;
    }
    StringCount* at = &vc.at_home;
    if (vc.home != location) {
      bool inserted = false;
      at = &value_at.find_or_insert(value_at_key(value, location), &inserted);
      if (inserted) {
        *at = {count, first};
        return;
      }
    }
    at->count += count;
    at->first = std::min(at->first, first);
  }

  /// The count updates of the last few string values, applied a few
  /// records later: their table entries are random accesses into tables
  /// of megabytes, so they are prefetched when the value comes and
  /// updated once they have arrived.
  struct PendingValue {
    uint32_t value;
    uint32_t location;
    uint64_t first;
  };
  static constexpr size_t kDelay = 8;
  std::array<PendingValue, kDelay> pending{};
  size_t pending_next = 0;
  size_t pending_size = 0;

  void count_value(const PendingValue& p) {
    value_counts[p.value].count += 1;
    add_value_at(p.value, p.location, 1, p.first);
  }
  void defer_value(uint32_t value, uint32_t location, uint64_t first) {
    __builtin_prefetch(&value_counts[value]);
    value_at.prefetch(value_at_key(value, location));
    if (pending_size == kDelay) {
      count_value(pending[pending_next]);
    } else {
      ++pending_size;
    }
    pending[pending_next] = {value, location, first};
    pending_next = (pending_next + 1) % kDelay;
  }
  /// Applies the pending updates; every reader of the counts calls it first.
  void flush_values() {
    for (size_t k = 0; k < pending_size; ++k) {
      count_value(pending[(pending_next + kDelay - pending_size + k) % kDelay]);
    }
    pending_size = 0;
  }

  /// Calls fn(value, location, count) for every value at every location.
  template <typename Fn>
  void for_each_value_at(Fn&& fn) const {
    for (uint32_t v = 0; v < value_counts.size(); ++v) {
      if (value_counts[v].home != kNoLocation) fn(v, value_counts[v].home, value_counts[v].at_home);
    }
    value_at.for_each([&](uint64_t key, const StringCount& sc) {
      fn(static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key & 0xffffffffu), sc);
    });
  }

  /// The id of location (file, line), created with first appearance `first`.
  uint32_t location_id(uint32_t file, bool has_line, uint64_t line, uint64_t first) {
    bool inserted = false;
    uint32_t& id = location_ids.find_or_insert(LocationKey{file, has_line ? line + 1 : 0}, &inserted);
    if (inserted) {
      id = static_cast<uint32_t>(locations.size());
      Location loc{file, has_line, line};
      loc.first = first;
      locations.push_back(loc);
    }
    return id;
  }

  StringPool files;
  std::vector<Location> locations;
  FlatMap<LocationKey, uint32_t, LocationKeyOps> location_ids;
  FlatMap<uint64_t, ClassCount, U64KeyOps> classes;
  StringPool class_texts;
  StringPool values;
  std::vector<ValueCount> value_counts;                  // by value id
  FlatMap<uint64_t, StringCount, U64KeyOps> value_at;    // (value id << 32 | location id), not home
  uint64_t selected = 0;
  uint64_t total_bytes = 0;
};

DrillDown::DrillDown(Selection selection)
    : selection_(selection), state_(std::make_unique<State>()) {}
DrillDown::~DrillDown() = default;

uint64_t DrillDown::selected_objects() const { return state_->selected; }

void DrillDown::merge(const DrillDown& other_drill) {
  // Pending count updates are part of the state, not a change to it: apply
  // them (on both sides) before reading the counts.
  state_->flush_values();
  other_drill.state_->flush_values();
  State& s = *state_;
  const State& o = *other_drill.state_;
  s.selected += o.selected;
  s.total_bytes += o.total_bytes;
  std::vector<uint32_t> location_map(o.locations.size());
  for (uint32_t i = 0; i < o.locations.size(); ++i) {
    const State::Location& theirs = o.locations[i];
    const uint32_t file = s.files.intern(o.files.get(theirs.file));
    const uint32_t id = s.location_id(file, theirs.has_line, theirs.line, theirs.first);
    State::Location& mine = s.locations[id];
    mine.bytes += theirs.bytes;
    mine.objects += theirs.objects;
    mine.references += theirs.references;
    mine.has_references = mine.has_references || theirs.has_references;
    mine.first = std::min(mine.first, theirs.first);
    location_map[i] = id;
  }
  o.classes.for_each([&](uint64_t address, const State::ClassCount& theirs) {
    bool inserted = false;
    State::ClassCount& mine = s.classes.find_or_insert(address, &inserted);
    const uint32_t text = s.class_texts.intern(o.class_texts.get(theirs.text));
    if (inserted) {
      mine = theirs;
      mine.text = text;
    } else {
      mine.objects += theirs.objects;
      if (theirs.first < mine.first) {
        mine.first = theirs.first;
        mine.text = text;
      }
    }
  });
  std::vector<uint32_t> value_map(o.value_counts.size());
  for (uint32_t v = 0; v < o.value_counts.size(); ++v) {
    const uint32_t id = s.values.intern(o.values.get(v));
    if (id == s.value_counts.size()) {
      s.value_counts.push_back(State::ValueCount::first_at(o.value_counts[v].first));
    }
    s.value_counts[id].count += o.value_counts[v].count;
    s.value_counts[id].first = std::min(s.value_counts[id].first, o.value_counts[v].first);
    value_map[v] = id;
  }
  o.for_each_value_at([&](uint32_t value, uint32_t location, const State::StringCount& theirs) {
    s.add_value_at(value_map[value], location_map[location], theirs.count, theirs.first);
  });
}

void DrillDown::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject || !r.has_file || !selection_.matches(r)) return;
  State& s = *state_;
  ++s.selected;
  s.total_bytes += r.memsize;
  // The values table is big and looked up at random: start loading its
  // slot now, and do the other lookups while it comes.
  const bool is_string_value = r.has_value && is_literal(r.type, "STRING");
  uint64_t value_hash = 0;
  if (is_string_value) {
    value_hash = StringPool::hash(r.value);
    s.values.prefetch(value_hash);
  }

  const uint32_t location_id =
      s.location_id(s.files.intern(r.file), r.has_line, r.line, r.byte_offset);
  bool inserted = false;
  State::Location& loc = s.locations[location_id];
  loc.bytes += r.memsize;
  loc.objects += 1;
  if (r.has_references) {
    loc.has_references = true;
    loc.references += r.reference_count;
  }

  if (r.has_class) {
    State::ClassCount& cc = s.classes.find_or_insert(r.class_address, &inserted);
    if (inserted) {
      cc.text = s.class_texts.intern(r.class_text);
      cc.first = r.byte_offset;
    }
    cc.objects += 1;
  }

  if (is_string_value) {
    const uint32_t value_id = s.values.intern(r.value, value_hash);
    if (value_id == s.value_counts.size()) {
      s.value_counts.push_back(State::ValueCount::first_at(r.byte_offset));
    }
    s.defer_value(value_id, location_id, r.byte_offset);
  }
}

std::vector<Table> DrillDown::to_tables(uint64_t top_n, const ClassNames& names) const {
  state_->flush_values();  // (see merge())
  const State& s = *state_;
  auto location_name = [&](const State::Location& loc) {
    std::string out(s.files.get(loc.file));
    out += ':';
    if (loc.has_line) out += std::to_string(loc.line);
    return out;
  };
  auto location_table = [&](const char* name, const char* column, Column::Kind kind,
                            auto value_of, bool only_with_references) {
    Table t;
    t.name = name;
    t.columns = {{"location", Column::Kind::kText}, {column, kind}};
    std::vector<Ranked> entries;
    for (uint32_t i = 0; i < s.locations.size(); ++i) {
      const auto& loc = s.locations[i];
      if (only_with_references && !loc.has_references) continue;
      entries.push_back({value_of(loc), loc.first, i});
    }
    rank(&entries, top_n);
    for (const Ranked& e : entries) {
      t.rows.push_back({location_name(s.locations[e.index]), e.value});
    }
    return t;
  };

  std::vector<Table> tables;
  Table memory = location_table("memory_by_location", "bytes", Column::Kind::kBytes,
                                [](const State::Location& l) { return l.bytes; }, false);
  memory.totals = {{"bytes", s.total_bytes}};
  tables.push_back(std::move(memory));
  Table count = location_table("objects_by_location", "objects", Column::Kind::kCount,
                               [](const State::Location& l) { return l.objects; }, false);
  count.totals = {{"objects", s.selected}};
  tables.push_back(std::move(count));

  // Classes: several addresses may share one name; they are summed.
  {
    Table t;
    t.name = "objects_by_class";
    t.columns = {{"class", Column::Kind::kText}, {"objects", Column::Kind::kCount}};
    std::vector<std::string> class_names;
    std::unordered_map<std::string, uint32_t> by_name;
    std::vector<Ranked> entries;
    s.classes.for_each([&](uint64_t address, const State::ClassCount& cc) {
      std::string name = names.display(address, s.class_texts.get(cc.text));
      auto [it, inserted] = by_name.try_emplace(name, static_cast<uint32_t>(entries.size()));
      if (inserted) {
        entries.push_back({0, cc.first, it->second});
        class_names.push_back(std::move(name));
      }
      Ranked& e = entries[it->second];
      e.value += cc.objects;
      e.first = std::min(e.first, cc.first);
    });
    rank(&entries, top_n);
    for (const Ranked& e : entries) t.rows.push_back({class_names[e.index], e.value});
    tables.push_back(std::move(t));
  }

  tables.push_back(location_table("references_by_location", "references", Column::Kind::kCount,
                                  [](const State::Location& l) { return l.references; }, true));

  // Duplicate strings: values seen at least twice, each with its locations.
  {
    Table t;
    t.name = "duplicate_strings";
    t.columns = {{"value", Column::Kind::kText},
                 {"count", Column::Kind::kCount},
                 {"location", Column::Kind::kText},
                 {"location_count", Column::Kind::kCount}};
    std::vector<Ranked> values;
    for (uint32_t v = 0; v < s.value_counts.size(); ++v) {
      if (s.value_counts[v].count >= 2) values.push_back({s.value_counts[v].count, s.value_counts[v].first, v});
    }
    rank(&values, top_n);
    std::unordered_map<uint32_t, std::vector<Ranked>> per_value;
    for (const Ranked& v : values) per_value[v.index];
    s.for_each_value_at([&](uint32_t value, uint32_t location, const State::StringCount& sc) {
      auto it = per_value.find(value);
      if (it != per_value.end()) it->second.push_back({sc.count, sc.first, location});
    });
    for (const Ranked& v : values) {
      auto& locs = per_value[v.index];
      rank(&locs, locs.size());
      for (const Ranked& l : locs) {
        t.rows.push_back({std::string(s.values.get(v.index)), v.value,
                          location_name(s.locations[l.index]), l.value});
      }
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

}  // namespace heapdump
