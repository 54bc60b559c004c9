#include "heapdump/string_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "analyze/group_acc.hpp"
#include "analyze/kept_values.hpp"
#include "analyze/owner_locations.hpp"
#include "analyze/prefetch_queue.hpp"
#include "analyze/ranking.hpp"
#include "analyze/sighting_table.hpp"
#include "analyze/string_pool.hpp"
#include "heapdump/byte_sum.hpp"
#include "heapdump/gem.hpp"
#include "heapdump/names.hpp"

namespace heapdump {
namespace {

using Acc = GroupAcc;

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
  /// A kept value's counts at its home location (where it was counted
  /// first after its first sighting: most values come from one place), in
  /// its table slot, so that counting a copy there reads one slot; its
  /// counts at other locations are in `at`.
  struct HomeCounts {
    Acc at_home;
    uint32_t home = 0;  ///< location id
  };
  /// The values this StringReport keeps: those seen again after their first
  /// sighting (which is in `sightings`), with a copy of their text.
  BasicKeptValues<HomeCounts> values;
  using ValueEntry = BasicKeptValues<HomeCounts>::Entry;
  static_assert(sizeof(FlatMap<Fingerprint, ValueEntry, BasicKeptValues<HomeCounts>::FingerprintOps>::Slot) == 64,
                "a value's slot is one cache line");
  StringPool files;
  FlatMap<LocKey, uint32_t, LocKeyOps> location_ids;
  std::vector<LocKey> locations;
  FlatMap<uint64_t, Acc, U64KeyOps> at;  // value id << 32 | location id, but home; without the first sighting
  uint64_t objects = 0;
  ByteSum bytes;

  std::shared_ptr<StringSightings> sightings;
  uint32_t owner = 0;
  /// Where the location ids of each owner merged into this one are now: a
  /// first sighting names its owner's location id.
  OwnerLocations owners{0};

  /// Adds `acc` to value `e`'s counts at location `loc`.
  void count_at(ValueEntry& e, uint32_t loc, const Acc& acc) {
    if (e.counts.home == loc) {
      e.counts.at_home.add(acc);
      return;
    }
    bool inserted = false;
    at.find_or_insert((uint64_t{e.id} << 32) | loc, &inserted).add(acc);
  }
  /// The same, during the read: a count away from home waits kDelay
  /// strings for its `at` slot (the third stage, after `queued`).
  struct PendingAt {
    uint64_t key = 0;
    uint64_t hash = 0;
    Acc acc;
  };
  PrefetchQueue<PendingAt, 8> pending_at;
  void count_at_later(ValueEntry& e, uint32_t loc, const Acc& acc) {
    if (e.counts.home == loc) {
      e.counts.at_home.add(acc);
      return;
    }
    const uint64_t key = (uint64_t{e.id} << 32) | loc;
    const uint64_t h = decltype(at)::hash_of(key);
    at.prefetch_slots(h);
    PendingAt& p = pending_at.push([this](const PendingAt& old) { count_pending(old); });
    p.key = key;
    p.hash = h;
    p.acc = acc;
  }
  void count_pending(const PendingAt& p) {
    bool inserted = false;
    at.find_or_insert(p.key, p.hash, &inserted).add(p.acc);
  }
  /// A value not kept yet, with a copy of its text, counted `acc` at `loc`
  /// (its home).
  void add_value(const Fingerprint& fp, uint64_t h, std::string_view text, uint32_t loc, const Acc& acc) {
    ValueEntry& e = values.add_entry(fp, h, text);
    e.counts.home = loc;
    e.counts.at_home = acc;
  }

  /// The records of the last few strings, waiting for their table slots:
  /// the values' table is megabytes, looked up at random, so a record's
  /// slot is prefetched when it comes and it is counted kDelay strings
  /// later, from a copy of its value (a value longer than kMaxQueuedText is
  /// counted at once). The order in which strings are counted changes no
  /// count (sums, smallest offsets) and no table: any sighting of a value
  /// may be its first (to_tables() adds it back).
  struct Queued {
    Fingerprint fp;
    uint64_t hash = 0;
    uint64_t memsize = 0;
    uint64_t offset = 0;
    uint32_t location = 0;
    std::string text;
  };
  static constexpr size_t kDelay = 8;
  static constexpr size_t kMaxQueuedText = 4096;
  PrefetchQueue<Queued, kDelay> queued;

  /// Counts one string whose value is kept, or, for one not kept here,
  /// calls not_kept().
  template <typename NotKept>
  void apply(const Fingerprint& fp, uint64_t h, uint64_t memsize, uint64_t offset, uint32_t loc,
             NotKept&& not_kept) {
    if (ValueEntry* e = values.find_entry(fp, h)) {
      count_at_later(*e, loc, Acc{{memsize, 0}, 1, offset});
    } else {
      not_kept();
    }
  }
  /// Counts one string not kept here (when looked up in `values`): a first
  /// sighting of its value anywhere only goes into `sightings` (and may be
  /// a candidate); a value seen before is kept from now on.
  /// `text_at`: where the value's bytes are in the input, to be read back
  /// (see maybe_read_back()), or UINT64_MAX.
  void apply_not_kept(const Fingerprint& fp, uint64_t h, uint64_t memsize, uint64_t offset, uint32_t loc,
                      std::string_view text, uint64_t text_at = UINT64_MAX) {
    if (sightings->first_sighting(fp, {offset, memsize, loc, owner})) {
      Candidate c;
      c.fp = fp;
      c.bytes = memsize;
      c.first = offset;
      c.location = loc;
      if (text_at != UINT64_MAX) {
        c.read_back = true;
        c.at = text_at;
        c.size = text.size();
      }
      consider(std::move(c), text);
    } else {
      add_value(fp, h, text, loc, Acc{{memsize, 0}, 1, offset});
    }
  }
  /// The second stage: a string not kept here when it left `queued` waits
  /// kDelay such strings for its `sightings` slot (a minority of the
  /// strings: a prefetch for every one cost more than it spared). Its
  /// value may have been kept meanwhile (by a string before it in this
  /// stage), so it is looked up again.
  PrefetchQueue<Queued, kDelay> not_kept;
  void apply_queued(Queued& q) {
    apply(q.fp, q.hash, q.memsize, q.offset, q.location, [&] {
      sightings->prefetch(q.fp);
      Queued& p = not_kept.push([this](Queued& old) { apply_second(old); });
      p.fp = q.fp;
      p.hash = q.hash;
      p.memsize = q.memsize;
      p.offset = q.offset;
      p.location = q.location;
      p.text.swap(q.text);  // q's slot is filled again with assign()
    });
  }
  void apply_second(const Queued& q) {
    apply(q.fp, q.hash, q.memsize, q.offset, q.location,
          [&] { apply_not_kept(q.fp, q.hash, q.memsize, q.offset, q.location, q.text); });
  }
  /// Counts one string at once.
  void apply_now(const Fingerprint& fp, uint64_t h, uint64_t memsize, uint64_t offset, uint32_t loc,
                 std::string_view text, uint64_t text_at) {
    apply(fp, h, memsize, offset, loc, [&] { apply_not_kept(fp, h, memsize, offset, loc, text, text_at); });
  }
  /// Counts the queued strings; every reader of the counts calls it first.
  void flush() {
    queued.drain([this](Queued& q) { apply_queued(q); });
    not_kept.drain([this](const Queued& q) { apply_second(q); });
    pending_at.drain([this](const PendingAt& p) { count_pending(p); });
  }

  /// First sightings whose text is kept because their value may be shown
  /// although seen only once: the `keep` best first sightings by (memsize
  /// descending, byte offset) and by byte offset alone, each a heap whose
  /// front is its worst. A first sighting left out of the first has `keep`
  /// other values that rank before it by bytes whatever else is counted
  /// (their bytes only grow, their first offsets only fall); left out of
  /// the second, `keep` values with at least one copy that appeared
  /// earlier. So a value seen once that is shown is always here.
  ///
  /// A candidate holds its text, or (read_back) only where the `size` bytes
  /// of its value are in the input (`at`), to be read back if shown.
  struct Candidate {
    Fingerprint fp;
    uint64_t bytes = 0;
    uint64_t first = 0;
    uint32_t location = 0;  // this StringReport's id
    SharedText text;        // null when read_back
    bool read_back = false;
    uint64_t at = 0;
    uint64_t size = 0;
  };
  static bool before_by_bytes(const Candidate& a, const Candidate& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.first < b.first;
  }
  static bool before_by_first(const Candidate& a, const Candidate& b) { return a.first < b.first; }
  uint64_t keep = 0;
  std::vector<Candidate> by_bytes_candidates, by_first_candidates;
  ValueReadBack read_back;
  static_assert(kReadBackBytes > kMaxQueuedText, "a value read back is counted at once, not queued");

  /// Where the value of `r` is in the input when it may be read back
  /// (else UINT64_MAX): there is a read_back, the value is long, and its
  /// bytes are those of the line (no escapes: the scanner's view into the
  /// line). Not on the input's first line, which may start with a byte
  /// order mark that the line's view leaves out.
  uint64_t read_back_at(const ObjectRecord& r) const {
    if (!read_back.read || r.value.size() < kReadBackBytes || r.byte_offset == 0) return UINT64_MAX;
    const auto line = reinterpret_cast<uintptr_t>(r.raw_line.data());
    const auto value = reinterpret_cast<uintptr_t>(r.value.data());
    if (r.value.size() > r.raw_line.size() || value < line ||
        value - line > r.raw_line.size() - r.value.size()) {
      return UINT64_MAX;
    }
    return r.byte_offset + (value - line);
  }

  /// The text of a candidate, read back if need be: not ok when it cannot
  /// be, or is not the value read.
  Status text_of(const Candidate& c, SharedText* out) const {
    if (!c.read_back) {
      *out = c.text;
      return Status::ok_status();
    }
    auto text = std::make_shared<std::string>();
    Status st = read_back.read(c.at, c.size, text.get());
    if (!st.ok()) return st;
    if (text->size() != c.size || !(fingerprint(*text) == c.fp)) {
      return Status::io_error(fmt::format(
          "{}: the string value at byte {} is not the one read: the file changed after it was "
          "read; read it again once it is complete",
          read_back.name, c.at));
    }
    *out = std::move(text);
    return Status::ok_status();
  }

  /// Whether `c` would enter `heap` (of at most `keep`).
  template <typename Before>
  bool wanted(const std::vector<Candidate>& heap, const Candidate& c, Before before) const {
    return keep > 0 && (heap.size() < keep || before(c, heap.front()));
  }
  template <typename Before>
  void enter(std::vector<Candidate>* heap, const Candidate& c, Before before) {
    if (heap->size() == keep) {
      std::pop_heap(heap->begin(), heap->end(), before);
      heap->back() = c;
    } else {
      heap->push_back(c);
    }
    std::push_heap(heap->begin(), heap->end(), before);
  }
  /// Keeps a first sighting if it may be shown. When `c` has neither its
  /// text nor read_back, `text` is copied, only then.
  void consider(Candidate c, std::string_view text) {
    const bool by_bytes = wanted(by_bytes_candidates, c, before_by_bytes);
    const bool by_first = wanted(by_first_candidates, c, before_by_first);
    if (!by_bytes && !by_first) return;
    if (c.text == nullptr && !c.read_back) c.text = std::make_shared<const std::string>(text);
    if (by_bytes) enter(&by_bytes_candidates, c, before_by_bytes);
    if (by_first) enter(&by_first_candidates, c, before_by_first);
  }

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

StringReport::StringReport(std::optional<Selection> selection, uint64_t max_rows,
                           std::shared_ptr<StringSightings> sightings, ValueReadBack read_back)
    : selection_(selection), state_(std::make_unique<State>()) {
  state_->read_back = std::move(read_back);
  if (sightings == nullptr) sightings = make_string_sightings();
  state_->owner = sightings->join();
  state_->sightings = std::move(sightings);
  state_->owners = OwnerLocations(state_->owner);
  state_->keep = max_rows;
}
StringReport::~StringReport() = default;

void StringReport::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject || !r.has_value || r.type != "STRING") return;
  if (selection_ && (!r.has_file || !selection_->matches(r))) return;
  State& s = *state_;
  ++s.objects;
  s.bytes.add(r.memsize);
  LocKey key;
  if (r.has_file) {
    key.file = (uint64_t{s.files.intern(r.file)} + 1) | (r.has_line ? kHasLine : 0);
    key.line = r.has_line ? r.line : 0;
  }
  const uint32_t loc = s.location_id(key);
  const Fingerprint fp = fingerprint(r.value);
  const uint64_t h = decltype(s.values)::hash_of(fp);
  if (r.value.size() > State::kMaxQueuedText) {
    s.apply_now(fp, h, r.memsize, r.byte_offset, loc, r.value, s.read_back_at(r));
    return;
  }
  // Only the values' slot: most strings have a value kept already, and a
  // prefetch of the sightings' slot for every string cost more than the
  // lookups it would spare.
  s.values.prefetch_hash(h);
  State::Queued& q = s.queued.push([&s](State::Queued& old) { s.apply_queued(old); });
  q.fp = fp;
  q.hash = h;
  q.memsize = r.memsize;
  q.offset = r.byte_offset;
  q.location = loc;
  q.text.assign(r.value);
}

void StringReport::merge(const StringReport& other) {
  State& s = *state_;
  const State& o = *other.state_;
  s.flush();
  other.state_->flush();
  if (s.sightings != o.sightings) {
    throw std::invalid_argument("StringReport::merge: the two StringReports do not share their StringSightings");
  }
  s.objects += o.objects;
  s.bytes.add(o.bytes);
  std::vector<uint32_t> loc_map(o.locations.size());
  for (uint32_t i = 0; i < o.locations.size(); ++i) {
    LocKey k = o.locations[i];
    if (k.file != 0) k.file = (uint64_t{s.files.intern(o.files.get(static_cast<uint32_t>((k.file & ~kHasLine) - 1)))} + 1) | (k.file & kHasLine);
    loc_map[i] = s.location_id(k);
  }
  s.owners.merge(o.owners, loc_map);
  std::vector<uint32_t> value_map(o.values.size());
  for (uint32_t v = 0; v < o.values.size(); ++v) {
    const Fingerprint& fp = o.values.fp(v);
    const uint64_t h = decltype(s.values)::hash_of(fp);
    const State::ValueEntry& theirs = *o.values.find_entry(fp);
    const uint32_t home = loc_map[theirs.counts.home];
    if (State::ValueEntry* mine = s.values.find_entry(fp, h)) {
      value_map[v] = mine->id;
      s.count_at(*mine, home, theirs.counts.at_home);
    } else {
      value_map[v] = static_cast<uint32_t>(s.values.size());
      s.add_value(fp, h, o.values.text(v), home, theirs.counts.at_home);
    }
  }
  o.at.for_each([&](uint64_t key, const Acc& acc) {
    const uint32_t v = value_map[key >> 32];
    s.count_at(*s.values.find_entry(s.values.fp(v)), loc_map[key & 0xffffffffu], acc);
  });
  // Each of their candidates once: one in both of their heaps, entered
  // twice, would take two places in ours, and the heaps must hold distinct
  // values (see State::Candidate). A first sighting is one record, so its
  // byte offset names it.
  std::unordered_set<uint64_t, KeyedU64Hash> by_bytes_firsts;
  for (const State::Candidate& c : o.by_bytes_candidates) by_bytes_firsts.insert(c.first);
  for (const auto* heap : {&o.by_bytes_candidates, &o.by_first_candidates}) {
    for (State::Candidate c : *heap) {
      if (heap == &o.by_first_candidates && by_bytes_firsts.count(c.first) != 0) continue;
      c.location = loc_map[c.location];
      s.consider(std::move(c), std::string_view());
    }
  }
}

uint64_t StringReport::values() const {
  state_->flush();  // a queued string may be a first sighting
  return state_->sightings->size();
}

std::vector<Table> StringReport::to_tables(uint64_t top_n) const {
  std::vector<Table> tables;
  const Status st = to_tables(top_n, &tables);
  if (!st.ok()) throw std::runtime_error(st.message());
  return tables;
}

Status StringReport::to_tables(uint64_t top_n, std::vector<Table>* out) const {
  state_->flush();
  const State& s = *state_;
  if (top_n > s.keep) {
    throw std::invalid_argument("StringReport::to_tables: more rows than the StringReport was made to keep");
  }
  // Every value that may be shown: the kept ones (entry = value id), with
  // their first sighting added when its owner was merged into this one,
  // then the first sightings whose text was kept (see State::Candidate).
  struct Entry {
    Acc acc;
    std::string_view text;                          ///< a kept value's
    const State::Candidate* candidate = nullptr;  ///< or the first sighting's
    bool has_first = false;  ///< the first sighting is counted in acc
    uint32_t first_location = 0;
    Acc first_sighting;
  };
  // A kept value's counts: at its home, and at its other locations.
  std::vector<const State::ValueEntry*> kept(s.values.size());
  s.values.for_each_entry([&](const State::ValueEntry& e) { kept[e.id] = &e; });
  std::vector<Entry> entries(s.values.size());
  for (uint32_t v = 0; v < s.values.size(); ++v) entries[v].acc = kept[v]->counts.at_home;
  s.at.for_each([&](uint64_t key, const Acc& acc) { entries[key >> 32].acc.add(acc); });
  for (uint32_t v = 0; v < s.values.size(); ++v) {
    Entry& e = entries[v];
    e.text = s.values.text(v);
    StringSighting sighting;
    if (s.sightings->find(s.values.fp(v), &sighting) &&
        s.owners.find(sighting.owner, sighting.location, &e.first_location)) {
      e.has_first = true;
      e.first_sighting = Acc{{sighting.bytes, 0}, 1, sighting.first};
      e.acc.add(e.first_sighting);
    }
  }
  {
    // A first sighting is one record, so its byte offset names it (a
    // candidate may be in both heaps).
    std::unordered_set<uint64_t, KeyedU64Hash> taken;
    for (const auto* heap : {&s.by_bytes_candidates, &s.by_first_candidates}) {
      for (const State::Candidate& c : *heap) {
        if (s.values.find(c.fp) != nullptr) continue;  // seen again: a kept value
        if (!taken.insert(c.first).second) continue;
        const Acc one{{c.bytes, 0}, 1, c.first};
        entries.push_back({one, std::string_view(), &c, true, c.location, one});
      }
    }
  }
  // The top values by bytes and by copies first, then the locations of
  // those values only, in one pass over the (value, location) pairs.
  auto top_values = [&](bool by_bytes) {
    std::vector<Ranked> values;
    values.reserve(entries.size());
    for (uint32_t v = 0; v < entries.size(); ++v) {
      const Acc& a = entries[v].acc;
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
  std::vector<Ranked> pairs;  // frozen-string candidates: (value, location) with two copies or more
  struct Pair {
    uint32_t entry;
    uint32_t location;
    Acc acc;
  };
  std::vector<Pair> pair_list;
  auto visit = [&](uint32_t v, uint32_t loc, const Acc& at_acc) {
    const Entry& e = entries[v];
    Acc acc = at_acc;
    if (e.has_first && e.first_location == loc) acc.add(e.first_sighting);
    auto it = per_value.find(v);
    if (it != per_value.end()) it->second.push_back({loc, acc});
    if (acc.objects >= 2) {
      pairs.push_back({acc.objects, acc.first, pair_list.size()});
      pair_list.push_back({v, loc, acc});
    }
  };
  for (uint32_t v = 0; v < kept.size(); ++v) visit(v, kept[v]->counts.home, kept[v]->counts.at_home);
  s.at.for_each([&](uint64_t key, const Acc& acc) {
    visit(static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key & 0xffffffffu), acc);
  });
  // A shown value's first sighting at a location where it has no other
  // copy (a location of one object, never a frozen-string candidate).
  for (auto& [v, locs] : per_value) {
    const Entry& e = entries[v];
    if (!e.has_first) continue;
    const bool counted = std::any_of(locs.begin(), locs.end(), [&](const auto& l) { return l.first == e.first_location; });
    if (!counted) locs.push_back({e.first_location, e.first_sighting});
  }

  rank(&pairs, top_n);
  // One text per value shown, for all its rows (read back if need be).
  std::vector<SharedText> texts(entries.size());
  auto take_text = [&](uint32_t v) -> Status {
    if (texts[v] != nullptr) return Status::ok_status();
    const Entry& e = entries[v];
    if (e.candidate != nullptr) return s.text_of(*e.candidate, &texts[v]);
    texts[v] = std::make_shared<const std::string>(e.text);
    return Status::ok_status();
  };
  for (const auto* list : {&by_memory, &by_copies}) {
    for (const Ranked& v : *list) {
      Status st = take_text(static_cast<uint32_t>(v.index));
      if (!st.ok()) return st;
    }
  }
  for (const Ranked& p : pairs) {
    Status st = take_text(pair_list[p.index].entry);
    if (!st.ok()) return st;
  }

  auto by_table = [&](const char* name, bool by_bytes) {
    Table t;
    t.name = name;
    t.columns = {{"value", Column::Kind::kText},         {"bytes", Column::Kind::kBytes},
                 {"objects", Column::Kind::kCount},      {"location", Column::Kind::kText},
                 {"location_bytes", Column::Kind::kBytes}, {"location_objects", Column::Kind::kCount}};
    for (const Ranked& v : by_bytes ? by_memory : by_copies) {
      const Entry& e = entries[v.index];
      const auto& locs = per_value[static_cast<uint32_t>(v.index)];
      std::vector<Ranked> ranked;
      for (size_t i = 0; i < locs.size(); ++i) {
        ranked.push_back({by_bytes ? locs[i].second.bytes.value() : locs[i].second.objects, locs[i].second.first, i});
      }
      rank(&ranked, top_n);
      for (const Ranked& l : ranked) {
        const auto& [loc, acc] = locs[l.index];
        t.rows.push_back(make_row(texts[v.index], int_cell(e.acc.bytes.value()), e.acc.objects,
                                  s.location_name(loc), int_cell(acc.bytes.value()), acc.objects));
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
  for (const Ranked& p : pairs) {
    const Pair& pair = pair_list[p.index];
    frozen.rows.push_back(make_row(s.location_name(pair.location), texts[pair.entry],
                                   pair.acc.objects, int_cell(pair.acc.bytes.value())));
  }
  tables.push_back(std::move(frozen));
  *out = std::move(tables);
  return Status::ok_status();
}

}  // namespace heapdump
