#include "heapdump/drill_down.hpp"

#include <algorithm>
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
  std::vector<StringCount> value_counts;                 // by value id
  FlatMap<uint64_t, StringCount, U64KeyOps> value_at;    // (value id << 32 | location id)
  uint64_t selected = 0;
  uint64_t total_bytes = 0;
};

DrillDown::DrillDown(Selection selection)
    : selection_(selection), state_(std::make_unique<State>()) {}
DrillDown::~DrillDown() = default;

uint64_t DrillDown::selected_objects() const { return state_->selected; }

void DrillDown::merge(const DrillDown& other_drill) {
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
    if (id == s.value_counts.size()) s.value_counts.push_back({0, o.value_counts[v].first});
    s.value_counts[id].count += o.value_counts[v].count;
    s.value_counts[id].first = std::min(s.value_counts[id].first, o.value_counts[v].first);
    value_map[v] = id;
  }
  o.value_at.for_each([&](uint64_t key, const State::StringCount& theirs) {
    const uint64_t mapped = (uint64_t{value_map[key >> 32]} << 32) | location_map[key & 0xffffffffu];
    bool inserted = false;
    State::StringCount& mine = s.value_at.find_or_insert(mapped, &inserted);
    if (inserted) {
      mine = theirs;
    } else {
      mine.count += theirs.count;
      mine.first = std::min(mine.first, theirs.first);
    }
  });
}

void DrillDown::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject || !r.has_file || !selection_.matches(r)) return;
  State& s = *state_;
  ++s.selected;
  s.total_bytes += r.memsize;

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

  if (r.has_value && r.type == "STRING") {
    const uint32_t value_id = s.values.intern(r.value);
    if (value_id == s.value_counts.size()) s.value_counts.push_back({0, r.byte_offset});
    s.value_counts[value_id].count += 1;
    State::StringCount& at =
        s.value_at.find_or_insert((uint64_t{value_id} << 32) | location_id, &inserted);
    if (inserted) at.first = r.byte_offset;
    at.count += 1;
  }
}

std::vector<Table> DrillDown::to_tables(uint64_t top_n, const ClassNames& names) const {
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
    s.value_at.for_each([&](uint64_t key, const State::StringCount& sc) {
      auto it = per_value.find(static_cast<uint32_t>(key >> 32));
      if (it != per_value.end()) {
        it->second.push_back({sc.count, sc.first, static_cast<uint32_t>(key & 0xffffffffu)});
      }
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
