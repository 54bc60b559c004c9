#include "heapdump/drill_down.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "analyze/kept_values.hpp"
#include "analyze/owner_locations.hpp"
#include "analyze/prefetch_queue.hpp"
#include "analyze/ranking.hpp"
#include "analyze/sighting_table.hpp"
#include "analyze/string_pool.hpp"
#include "heapdump/byte_sum.hpp"
#include "heapdump/names.hpp"

namespace heapdump {

struct DrillDown::State {
  /// A location: the interned "file" and the line, if any (every line
  /// number, 2^64 - 1 too, is a line: has_line says whether there is one).
  struct LocationKey {
    uint32_t file;
    uint32_t has_line;  // 0 or 1 (in what would be padding)
    uint64_t line;      // 0 when !has_line
    bool operator==(const LocationKey& o) const {
      return file == o.file && has_line == o.has_line && line == o.line;
    }
  };
  struct LocationKeyOps {
    static uint64_t hash(const LocationKey& k) {
      return hash_u64(k.line * 0x9E3779B97F4A7C15ull ^ (uint64_t{k.has_line} << 32 | k.file));
    }
    static bool equal(const LocationKey& a, const LocationKey& b) { return a == b; }
  };
  /// What was counted at one location. With its key and hash it fills one
  /// 64-byte table slot, so a record updates its location with one access.
  /// `bytes` is the low 64 bits of the location's sum; each time it wraps
  /// (only with made-up memsizes), byte_carries[id] counts one more 2^64.
  struct LocationCounts {
    uint32_t id = 0;  ///< index in `locations`, in order of creation
    bool has_references = false;
    uint64_t bytes = 0;
    uint64_t objects = 0;
    uint64_t references = 0;
    uint64_t first = 0;
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
  /// A string value this DrillDown keeps (one seen again after its first
  /// sighting, see `sightings`): its count, and its count at its first
  /// location (most values come from one place, so this saves a value_at
  /// lookup per record); counts at other locations are in value_at. The
  /// value's first sighting is in none of them.
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

  /// How many records (and string values) a table update waits for its
  /// prefetched slots.
  static constexpr size_t kDelay = 8;

  /// The count updates of the last few string values, applied a few
  /// records later: their table entries are random accesses into tables
  /// of megabytes, so they are prefetched when the value comes and
  /// updated once they have arrived.
  struct PendingValue {
    uint32_t value;
    uint32_t location;
    uint64_t first;
  };
  PrefetchQueue<PendingValue, kDelay> pending;

  void count_value(const PendingValue& p) {
    value_counts[p.value].count += 1;
    add_value_at(p.value, p.location, 1, p.first);
  }
  void defer_value(uint32_t value, uint32_t location, uint64_t first) {
    __builtin_prefetch(&value_counts[value]);
    value_at.prefetch(value_at_key(value, location));
    pending.push([this](const PendingValue& p) { count_value(p); }) = {value, location, first};
  }
  /// What one selected record adds. Its views are the record's, or point
  /// into a QueuedRecord's copies.
  struct Contribution {
    LocationKey location{};
    uint64_t location_hash = 0;
    uint64_t memsize = 0;
    uint64_t references = 0;
    bool has_references = false;
    uint64_t first = 0;  ///< the record's byte offset
    bool has_value = false;  ///< a STRING with a "value"
    Fingerprint value_fp;
    std::string_view value;
  };

  /// One stage before the value counts: the last few selected records,
  /// waiting for their table slots. The location and value tables are
  /// looked up at random and do not fit the core's cache together (the
  /// values one alone is megabytes), so the slots are prefetched when a
  /// record comes and the record is applied kDelay records later, from a
  /// copy of its value (its views do not live that long). A
  /// record with a value longer than kMaxQueuedText empties the queue and is
  /// applied at once instead.
  struct QueuedRecord {
    Contribution c;
    std::string value;
  };
  static constexpr size_t kMaxQueuedText = 4096;
  PrefetchQueue<QueuedRecord, kDelay> queued;

  /// Applies the queued records and the pending value counts; every reader
  /// of the counts calls it first.
  void flush() {
    queued.drain([this](const QueuedRecord& q) { apply(q.c); });
    pending.drain([this](const PendingValue& p) { count_value(p); });
  }

  /// The queue entry for a new record, to be filled in place; makes room
  /// by applying the oldest record. Call queued_filled() once it is filled.
  QueuedRecord& next_queued() {
    return queued.push([this](const QueuedRecord& q) { apply(q.c); });
  }

  /// Prefetches the slots the record just filled in `q` needs and copies
  /// its value, whose view lives only as long as the record.
  void queued_filled(QueuedRecord& q) {
    Contribution& c = q.c;
    if (c.value.size() > kMaxQueuedText) {
      flush();  // applies it too, last, while its view is valid
      return;
    }
    location_counts.prefetch_hash(c.location_hash);
    if (c.has_value) {
      values.prefetch_hash(KeptValues::hash_of(c.value_fp));
      sightings->prefetch(c.value_fp);  // in case it is not one of `values`
      q.value.assign(c.value);
      c.value = q.value;
    }
  }

  /// Counts one record at its location and, for a STRING, queues the
  /// value's count (the third stage), unless this is the first sighting of
  /// the value anywhere: that one only goes into `sightings`. A value's text
  /// is copied when it is seen again (by the DrillDown that sees it).
  void apply(const Contribution& c) {
    bool inserted = false;
    LocationCounts& at = location_counts.find_or_insert(c.location, c.location_hash, &inserted);
    if (inserted) {
      at.id = static_cast<uint32_t>(locations.size());
      at.first = c.first;
      locations.push_back(c.location);
    }
    if (__builtin_add_overflow(at.bytes, c.memsize, &at.bytes)) add_carry(at.id, 1);
    at.objects += 1;
    if (c.has_references) {
      at.has_references = true;
      at.references += c.references;
    }
    if (!c.has_value) return;
    const uint64_t h = KeptValues::hash_of(c.value_fp);
    uint32_t value_id;
    if (const uint32_t* known = values.find(c.value_fp, h)) {
      value_id = *known;
    } else {
      if (sightings->first_sighting(c.value_fp, {c.first, at.id, owner})) return;
      value_id = add_value(c.value_fp, h, c.value, c.first);
    }
    defer_value(value_id, at.id, c.first);
  }

  /// A new value id for a value this DrillDown keeps, with a copy of its
  /// text; not counted yet.
  uint32_t add_value(const Fingerprint& fp, uint64_t h, std::string_view text, uint64_t first) {
    value_counts.push_back(ValueCount::first_at(first));
    return values.add(fp, h, text);
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

  /// The id of `file`. Consecutive objects were often allocated at the same
  /// place (over half of them in the generated dumps), so the last file is
  /// compared first, which spares hashing the path.
  uint32_t file_id(std::string_view file) {
    if (have_last_file && file.size() == last_file_text.size() &&
        same_bytes(file.data(), last_file_text.data(), file.size())) {
      return last_file;
    }
    last_file = files.intern(file);
    last_file_text = files.get(last_file);
    have_last_file = true;
    return last_file;
  }

  /// The 2^64s of each location's bytes that do not fit LocationCounts.
  FlatMap<uint64_t, uint64_t, U64KeyOps> byte_carries;
  void add_carry(uint32_t location, uint64_t carries) {
    bool inserted = false;
    byte_carries.find_or_insert(location, &inserted) += carries;
  }
  uint128 location_bytes(const LocationCounts& c) const {
    const uint64_t* carries = byte_carries.find(c.id);
    return (uint128{carries != nullptr ? *carries : 0} << 64) | c.bytes;
  }

  StringPool files;
  bool have_last_file = false;
  uint32_t last_file = 0;
  std::string_view last_file_text;  // files.get(last_file)
  using LocationMap = FlatMap<LocationKey, LocationCounts, LocationKeyOps>;
  LocationMap location_counts;
  std::vector<LocationKey> locations;  // by id
  FlatMap<uint64_t, ClassCount, U64KeyOps> classes;
  StringPool class_texts;
  /// The values this DrillDown keeps (see apply()), by fingerprint.
  KeptValues values;
  std::vector<ValueCount, HugePageAllocator<ValueCount>> value_counts;  // by value id
  FlatMap<uint64_t, StringCount, U64KeyOps> value_at;    // (value id << 32 | location id), not home
  uint64_t selected = 0;
  ByteSum total_bytes;

  /// The first sighting of every value, shared with the DrillDowns of the
  /// other parsing threads; `owner` is this one's id there.
  std::shared_ptr<ValueSightings> sightings;
  uint32_t owner = 0;
  /// Where the location ids of each owner merged into this DrillDown (this
  /// one's too) are now: a first sighting names its owner's location id.
  OwnerLocations owners{0};
};

DrillDown::DrillDown(Selection selection, std::shared_ptr<ValueSightings> sightings)
    : selection_(selection), state_(std::make_unique<State>()) {
  if (sightings == nullptr) sightings = make_value_sightings();
  state_->owner = sightings->join();
  state_->sightings = std::move(sightings);
  state_->owners = OwnerLocations(state_->owner);
}
DrillDown::~DrillDown() = default;

uint64_t DrillDown::selected_objects() const { return state_->selected; }

void DrillDown::merge(const DrillDown& other_drill) {
  if (state_->sightings != other_drill.state_->sightings) {
    throw std::invalid_argument("DrillDown::merge: the two DrillDowns do not share their ValueSightings");
  }
  // Pending count updates are part of the state, not a change to it: apply
  // them (on both sides) before reading the counts.
  state_->flush();
  other_drill.state_->flush();
  State& s = *state_;
  const State& o = *other_drill.state_;
  s.selected += o.selected;
  s.total_bytes.add(o.total_bytes);
  std::vector<uint32_t> location_map(o.locations.size());
  o.location_counts.for_each([&](const State::LocationKey& key, const State::LocationCounts& theirs) {
    const State::LocationKey mine_key{s.files.intern(o.files.get(key.file)), key.has_line, key.line};
    bool inserted = false;
    State::LocationCounts& mine = s.location_counts.find_or_insert(mine_key, &inserted);
    if (inserted) {
      mine = theirs;
      mine.id = static_cast<uint32_t>(s.locations.size());
      s.locations.push_back(mine_key);
    } else {
      if (__builtin_add_overflow(mine.bytes, theirs.bytes, &mine.bytes)) s.add_carry(mine.id, 1);
      mine.objects += theirs.objects;
      mine.references += theirs.references;
      mine.has_references = mine.has_references || theirs.has_references;
      mine.first = std::min(mine.first, theirs.first);
    }
    if (const uint64_t* carries = o.byte_carries.find(theirs.id)) s.add_carry(mine.id, *carries);
    location_map[theirs.id] = mine.id;
  });
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
  // Their location ids of every owner merged into them, in this side's ids.
  s.owners.merge(o.owners, location_map);
  // The values: tens of thousands on each side, so this side's tables are
  // sized once.
  const size_t their_values = o.value_counts.size();
  s.values.reserve_more(their_values);
  s.value_counts.reserve(s.value_counts.size() + their_values);
  std::vector<uint32_t> value_map(their_values);
  for (size_t v = 0; v < their_values; ++v) {
    const Fingerprint& fp = o.values.fp(static_cast<uint32_t>(v));
    const uint64_t h = KeptValues::hash_of(fp);
    const uint32_t* known = s.values.find(fp, h);
    const uint32_t id = known != nullptr ? *known
                                         : s.add_value(fp, h, o.values.text(static_cast<uint32_t>(v)), o.value_counts[v].first);
    s.value_counts[id].count += o.value_counts[v].count;
    s.value_counts[id].first = std::min(s.value_counts[id].first, o.value_counts[v].first);
    value_map[v] = id;
  }
  // Their counts per (value, location), in this side's ids.
  s.value_at.reserve(s.value_at.size() + o.value_at.size());
  o.for_each_value_at([&](uint32_t value, uint32_t location, const State::StringCount& theirs) {
    s.add_value_at(value_map[value], location_map[location], theirs.count, theirs.first);
  });
}

void DrillDown::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject || !r.has_file || !selection_.matches(r)) return;
  State& s = *state_;
  ++s.selected;
  s.total_bytes.add(r.memsize);
  // Only instances count by class: an IMEMO's or ICLASS's "class" slot holds
  // something else (a call cache's receiver class, a cref's nil, an
  // included module).
  if (r.has_class && r.type != "IMEMO" && r.type != "ICLASS") {
    bool inserted = false;
    State::ClassCount& cc = s.classes.find_or_insert(r.class_address, &inserted);
    if (inserted) {
      cc.text = s.class_texts.intern(r.class_text);
      cc.first = r.byte_offset;
    }
    cc.objects += 1;
  }
  State::QueuedRecord& q = s.next_queued();
  State::Contribution& c = q.c;
  c.location = {s.file_id(r.file), r.has_line ? 1u : 0u, r.has_line ? r.line : 0};
  c.location_hash = State::LocationMap::hash_of(c.location);
  c.memsize = r.memsize;
  c.has_references = r.has_references;
  c.references = r.reference_count;
  c.first = r.byte_offset;
  c.has_value = r.has_value && is_literal(r.type, "STRING");
  if (c.has_value) {
    c.value_fp = fingerprint(r.value);
    c.value = r.value;
  } else {
    c.value = std::string_view();
  }
  s.queued_filled(q);
}

std::vector<Table> DrillDown::to_tables(uint64_t top_n, const ClassNames& names) const {
  state_->flush();  // (see merge())
  const State& s = *state_;
  auto location_name_of = [&](const State::LocationKey& loc) {
    return location_name(s.files.get(loc.file), loc.has_line != 0, loc.line);
  };
  std::vector<const State::LocationCounts*> counts(s.locations.size());  // by id
  s.location_counts.for_each(
      [&](const State::LocationKey&, const State::LocationCounts& c) { counts[c.id] = &c; });
  auto location_table = [&](const char* name, const char* column, Column::Kind kind,
                            auto value_of, bool only_with_references) {
    Table t;
    t.name = name;
    t.columns = {{"location", Column::Kind::kText}, {column, kind}};
    std::vector<Ranked> entries;
    for (uint32_t i = 0; i < counts.size(); ++i) {
      const State::LocationCounts& c = *counts[i];
      if (only_with_references && !c.has_references) continue;
      entries.push_back({value_of(c), c.first, i});
    }
    rank(&entries, top_n);
    for (const Ranked& e : entries) {
      t.rows.push_back(make_row(location_name_of(s.locations[e.index]), int_cell(e.value)));
    }
    return t;
  };

  std::vector<Table> tables;
  Table memory = location_table("memory_by_location", "bytes", Column::Kind::kBytes,
                                [&s](const State::LocationCounts& l) { return s.location_bytes(l); }, false);
  memory.totals = {{"bytes", s.total_bytes.value()}};
  tables.push_back(std::move(memory));
  Table count = location_table("objects_by_location", "objects", Column::Kind::kCount,
                               [](const State::LocationCounts& l) { return l.objects; }, false);
  count.totals = {{"objects", s.selected}};
  tables.push_back(std::move(count));

  // Classes: several addresses may share one name; they are summed.
  {
    Table t;
    t.name = "objects_by_class";
    t.columns = {{"class", Column::Kind::kText}, {"objects", Column::Kind::kCount}};
    std::vector<std::string> class_names;
    std::unordered_map<std::string, uint32_t, KeyedStringHash> by_name;
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
    for (const Ranked& e : entries) t.rows.push_back(make_row(class_names[e.index], int_cell(e.value)));
    tables.push_back(std::move(t));
  }

  tables.push_back(location_table("references_by_location", "references", Column::Kind::kCount,
                                  [](const State::LocationCounts& l) { return l.references; }, true));

  // Duplicate strings: values seen at least twice, each with its locations.
  {
    Table t;
    t.name = "duplicate_strings";
    t.columns = {{"value", Column::Kind::kText},
                 {"count", Column::Kind::kCount},
                 {"location", Column::Kind::kText},
                 {"location_count", Column::Kind::kCount}};
    // Each value's counts here lack its first sighting, which is in
    // `sightings` (when its owner was merged into this DrillDown).
    struct FirstSighting {
      bool counted = false;
      uint32_t location = 0;
      uint64_t first = 0;
    };
    std::vector<FirstSighting> first_sightings(s.value_counts.size());
    std::vector<Ranked> values;
    for (uint32_t v = 0; v < s.value_counts.size(); ++v) {
      uint64_t count = s.value_counts[v].count;
      uint64_t first = s.value_counts[v].first;
      Sighting sighting;
      FirstSighting& fs = first_sightings[v];
      if (s.sightings->find(s.values.fp(v), &sighting) && s.owners.find(sighting.owner, sighting.location, &fs.location)) {
        fs.counted = true;
        fs.first = sighting.first;
        count += 1;
        first = std::min(first, sighting.first);
      }
      if (count >= 2) values.push_back({count, first, v});
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
      const FirstSighting& fs = first_sightings[v.index];
      if (fs.counted) {
        auto at = std::find_if(locs.begin(), locs.end(), [&](const Ranked& l) { return l.index == fs.location; });
        if (at == locs.end()) {
          locs.push_back({1, fs.first, fs.location});
        } else {
          at->value += 1;
          at->first = std::min(at->first, fs.first);
        }
      }
      rank(&locs, locs.size());
      for (const Ranked& l : locs) {
        t.rows.push_back(make_row(std::string(s.values.text(static_cast<uint32_t>(v.index))), int_cell(v.value),
                          location_name_of(s.locations[l.index]), int_cell(l.value)));
      }
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

}  // namespace heapdump
