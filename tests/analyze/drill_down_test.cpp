#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>

#include "heapdump/drill_down.hpp"
#include "analyze/thread_split.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

namespace {

std::vector<Table> drill(const std::string& dump, Selection sel, uint64_t top_n) {
  DrillDown dd(sel);
  ClassNames names;
  TeeSink tee;
  tee.add(dd);
  tee.add(names);
  CollectingReporter rep;
  read_string(dump, tee, rep);
  return dd.to_tables(top_n, names);
}

const Table& find(const std::vector<Table>& ts, const std::string& name) {
  for (const auto& t : ts) {
    if (t.name == name) return t;
  }
  FAIL("no table " << name);
  throw;
}

std::vector<std::pair<std::string, uint64_t>> pairs(const Table& t) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& row : t.rows) out.emplace_back(as_text(row[0]), as_int(row[1]));
  return out;
}

using P = std::vector<std::pair<std::string, uint64_t>>;

// A tiny dump, counted by hand below. Class 0xc1 is named "Foo" only at the
// end of the file; 0xc2 and 0xc3 are both named "Dup"; 0xc9 has no name.
const std::string kDump =
    "{\"type\":\"ROOT\", \"root\":\"vm\", \"references\":[\"0x1\"]}\n"
    "{\"address\":\"0x1\", \"type\":\"STRING\", \"class\":\"0xc2\", \"value\":\"x\", \"file\":\"b.rb\", \"line\":2, \"generation\":1, \"memsize\":10}\n"
    "{\"address\":\"0x2\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"generation\":1, \"memsize\":30, \"references\":[]}\n"
    "{\"address\":\"0x3\", \"type\":\"ARRAY\", \"class\":\"0xc9\", \"file\":\"a.rb\", \"line\":1, \"generation\":2, \"memsize\":20, \"references\":[\"0x1\",\"0x2\"]}\n"
    "{\"address\":\"0x4\", \"type\":\"STRING\", \"class\":\"0xc3\", \"value\":\"y\", \"file\":\"c.rb\", \"generation\":1, \"memsize\":30}\n"
    "{\"address\":\"0x5\", \"type\":\"IMEMO\", \"file\":\"b.rb\", \"line\":2, \"generation\":1, \"memsize\":5}\n"
    "{\"address\":\"0x6\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"generation\":2}\n"
    "{\"address\":\"0x7\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"y\", \"memsize\":1000}\n"
    "{\"address\":\"0x8\", \"type\":\"SYMBOL\", \"class\":\"0xc1\", \"value\":\"y\", \"file\":\"c.rb\", \"generation\":2, \"memsize\":1}\n"
    "{\"address\":\"0x9\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"y\", \"file\":\"b.rb\", \"line\":2}\n"
    "{\"address\":\"0xc1\", \"type\":\"CLASS\", \"name\":\"Foo\"}\n"
    "{\"address\":\"0xc2\", \"type\":\"CLASS\", \"name\":\"Dup\"}\n"
    "{\"address\":\"0xc3\", \"type\":\"CLASS\", \"name\":\"Dup\"}\n";

}  // namespace

TEST_CASE("DrillDown all: every section, counted by hand") {
  // Selected (have a file): 0x1..0x6, 0x8, 0x9 -> 8 objects. 0x7 has no file.
  // The CLASS records have no file either.
  auto ts = drill(kDump, Selection{}, 50);
  const Table& mem = find(ts, "memory_by_location");
  CHECK(mem.total("bytes") == 10 + 30 + 20 + 30 + 5 + 0 + 1 + 0);
  // a.rb:1 = 30+20+0 = 50; c.rb: = 30+1 = 31; b.rb:2 = 10+5+0 = 15.
  CHECK(pairs(mem) == P{{"a.rb:1", 50}, {"c.rb:", 31}, {"b.rb:2", 15}});
  const Table& count = find(ts, "objects_by_location");
  CHECK(count.total("objects") == 8);
  // b.rb:2 and a.rb:1 both have 3; b.rb:2 appeared first. c.rb: has 2.
  CHECK(pairs(count) == P{{"b.rb:2", 3}, {"a.rb:1", 3}, {"c.rb:", 2}});
  // Foo (0xc1): 0x2, 0x6, 0x8, 0x9 = 4. Dup (0xc2 + 0xc3): 0x1, 0x4 = 2.
  // #<Class:0xc9>: 0x3 = 1. 0x5 has no class.
  CHECK(pairs(find(ts, "objects_by_class")) == P{{"Foo", 4}, {"Dup", 2}, {"#<Class:0xc9>", 1}});
  // Only a.rb:1 has objects with "references": 0 + 2.
  CHECK(pairs(find(ts, "references_by_location")) == P{{"a.rb:1", 2}});
  // STRING values: "x" at b.rb:2, a.rb:1, a.rb:1 (3); "y" at c.rb:, b.rb:2 (2).
  // The SYMBOL "y" and the file-less 0x7 do not count.
  const Table& dup = find(ts, "duplicate_strings");
  REQUIRE(dup.rows.size() == 4);
  CHECK(as_text(dup.rows[0][0]) == "x");
  CHECK(as_int(dup.rows[0][1]) == 3);
  CHECK(as_text(dup.rows[0][2]) == "a.rb:1");
  CHECK(as_int(dup.rows[0][3]) == 2);
  CHECK(as_text(dup.rows[1][2]) == "b.rb:2");
  CHECK(as_int(dup.rows[1][3]) == 1);
  CHECK(as_text(dup.rows[2][0]) == "y");
  CHECK(as_int(dup.rows[2][1]) == 2);
  CHECK(as_text(dup.rows[2][2]) == "c.rb:");  // tie 1-1: c.rb: came first
  CHECK(as_text(dup.rows[3][2]) == "b.rb:2");
}

TEST_CASE("DrillDown selects one generation; values seen once are not duplicates") {
  Selection gen2;
  gen2.all = false;
  gen2.generation = 2;
  auto ts = drill(kDump, gen2, 50);  // 0x3, 0x6, 0x8
  CHECK(find(ts, "objects_by_location").total("objects") == 3);
  CHECK(pairs(find(ts, "memory_by_location")) == P{{"a.rb:1", 20}, {"c.rb:", 1}});
  CHECK(find(ts, "duplicate_strings").rows.empty());
  CHECK(pairs(find(ts, "objects_by_class")) == P{{"Foo", 2}, {"#<Class:0xc9>", 1}});
  Selection gen9;
  gen9.all = false;
  gen9.generation = 9;
  DrillDown none(gen9);
  CollectingReporter rep;
  read_string(kDump, none, rep);
  CHECK(none.selected_objects() == 0);
}

TEST_CASE("DrillDown --lines cuts every section but not the totals") {
  auto ts = drill(kDump, Selection{}, 1);
  CHECK(pairs(find(ts, "memory_by_location")) == P{{"a.rb:1", 50}});
  CHECK(find(ts, "memory_by_location").total("bytes") == 96);
  CHECK(pairs(find(ts, "objects_by_location")) == P{{"b.rb:2", 3}});
  CHECK(pairs(find(ts, "objects_by_class")) == P{{"Foo", 4}});
  const Table& dup = find(ts, "duplicate_strings");
  REQUIRE(dup.rows.size() == 2);  // one value, with all of its locations
  CHECK(as_text(dup.rows[0][0]) == "x");
}

TEST_CASE("DrillDown counts only instances by class: not IMEMO or ICLASS records") {
  // A callcache whose class slot is String's class, a cref's 0x8, an ICLASS
  // of a module: none is an instance of those classes.
  const std::string dump =
      "{\"address\":\"0x1\", \"type\":\"STRING\", \"class\":\"0xc1\", \"file\":\"a.rb\", \"line\":1, \"memsize\":40}\n"
      "{\"address\":\"0x2\", \"type\":\"IMEMO\", \"class\":\"0xc1\", \"imemo_type\":\"callcache\", \"file\":\"a.rb\", \"line\":1, \"memsize\":40}\n"
      "{\"address\":\"0x3\", \"type\":\"IMEMO\", \"class\":\"0x8\", \"imemo_type\":\"cref\", \"file\":\"a.rb\", \"line\":2, \"memsize\":40}\n"
      "{\"address\":\"0x4\", \"type\":\"ICLASS\", \"class\":\"0xc2\", \"file\":\"a.rb\", \"line\":3, \"memsize\":40}\n"
      "{\"address\":\"0x5\", \"type\":\"OBJECT\", \"class\":\"0xc2\", \"file\":\"a.rb\", \"line\":3, \"memsize\":40}\n"
      "{\"address\":\"0xc1\", \"type\":\"CLASS\", \"name\":\"String\"}\n"
      "{\"address\":\"0xc2\", \"type\":\"MODULE\", \"name\":\"M\"}\n";
  auto ts = drill(dump, Selection{}, 50);
  CHECK(find(ts, "objects_by_location").total("objects") == 5);  // still selected
  CHECK(pairs(find(ts, "objects_by_class")) == P{{"String", 1}, {"M", 1}});
}

TEST_CASE("DrillDown agrees with a naive reference on the boot fixture") {
  // Naive reference: plain std::map folds over collected records.
  std::unique_ptr<InputSource> input;
  REQUIRE(InputSource::open(std::string(HEAPDUMP_FIXTURE_DIR) + "/boot_sinatra.json.gz", &input).ok());
  CollectingSink all;
  DrillDown dd(Selection{});
  ClassNames names;
  TeeSink tee;
  tee.add(all);
  tee.add(dd);
  tee.add(names);
  CollectingReporter rep;
  REQUIRE(read_dump(*input, tee, rep, nullptr).ok());

  std::map<std::string, uint64_t> mem, cnt, refs, by_class;
  std::map<uint64_t, std::string> class_name;
  std::map<std::string, uint64_t> values;
  uint64_t total = 0;
  for (const auto& r : all.records) {
    if ((r.type == "CLASS" || r.type == "MODULE") && r.kind == RecordKind::kObject && !r.name.empty())
      class_name[r.address] = r.name;
  }
  for (const auto& r : all.records) {
    if (r.kind != RecordKind::kObject || !r.has_file) continue;
    const std::string loc = r.file + ":" + (r.has_line ? std::to_string(r.line) : "");
    mem[loc] += r.memsize;
    cnt[loc] += 1;
    total += r.memsize;
    if (r.has_references) refs[loc] += r.reference_count;
    if (r.has_class && r.type != "IMEMO" && r.type != "ICLASS") {  // instances only
      auto it = class_name.find(r.class_address);
      if (it != class_name.end()) by_class[it->second] += 1;  // named classes only
    }
    if (r.type == "STRING" && r.has_value) values[r.value] += 1;
  }
  auto ts = dd.to_tables(UINT64_MAX, names);
  const Table& tmem = find(ts, "memory_by_location");
  CHECK(tmem.total("bytes") == total);
  REQUIRE(tmem.rows.size() == mem.size());
  for (const auto& row : tmem.rows) CHECK(mem[as_text(row[0])] == as_int(row[1]));
  for (size_t i = 1; i < tmem.rows.size(); ++i) CHECK(as_int(tmem.rows[i - 1][1]) >= as_int(tmem.rows[i][1]));
  const Table& tcnt = find(ts, "objects_by_location");
  REQUIRE(tcnt.rows.size() == cnt.size());
  for (const auto& row : tcnt.rows) CHECK(cnt[as_text(row[0])] == as_int(row[1]));
  const Table& trefs = find(ts, "references_by_location");
  REQUIRE(trefs.rows.size() == refs.size());
  for (const auto& row : trefs.rows) CHECK(refs[as_text(row[0])] == as_int(row[1]));
  for (const auto& row : find(ts, "objects_by_class").rows) {
    const std::string& name = as_text(row[0]);
    if (name.rfind("#<Class:", 0) != 0) CHECK(by_class[name] == as_int(row[1]));
  }
  uint64_t dup_values = 0;
  for (const auto& [v, n] : values) dup_values += n >= 2;
  const Table& dup = find(ts, "duplicate_strings");
  uint64_t seen = 0;
  for (size_t i = 0; i < dup.rows.size(); ++i) {
    if (i == 0 || as_text(dup.rows[i][0]) != as_text(dup.rows[i - 1][0])) {
      ++seen;
      CHECK(values[as_text(dup.rows[i][0])] == as_int(dup.rows[i][1]));
    }
  }
  CHECK(seen == dup_values);
}

TEST_CASE("DrillDown counts values longer than its queue takes, in order with the queued ones") {
  // Records wait in a queue of a few entries before they are counted; a
  // value over 4096 bytes empties the queue and is counted at once. Mix
  // both, with locations and values that repeat, and count by hand.
  const std::string big(5000, 'b');
  const std::string bigger(9000, 'c');
  std::string dump;
  auto line = [&](int address, const std::string& value, const char* file, int line_no) {
    dump += "{\"address\":\"0x" + std::to_string(address) + "\", \"type\":\"STRING\", \"value\":\"" + value +
            "\", \"file\":\"" + file + "\", \"line\":" + std::to_string(line_no) +
            ", \"generation\":1, \"memsize\":" + std::to_string(value.size()) + "}\n";
  };
  // 30 records: "s" at a.rb:1 (every third), big at b.rb:2 (every fifth,
  // when not "s"), "t" at c.rb:3 otherwise; bigger once, at the end, at a.rb:1.
  uint64_t s_count = 0, big_count = 0, t_count = 0;
  for (int i = 0; i < 30; ++i) {
    if (i % 3 == 0) {
      line(100 + i, "s", "a.rb", 1);
      ++s_count;
    } else if (i % 5 == 0) {
      line(100 + i, big, "b.rb", 2);
      ++big_count;
    } else {
      line(100 + i, "t", "c.rb", 3);
      ++t_count;
    }
  }
  line(200, bigger, "a.rb", 1);
  auto ts = drill(dump, Selection{}, 50);
  // s: i = 0,3,...,27 -> 10; big: i = 5,10,20,25 (15 is a multiple of 3) -> 4; t: 16.
  REQUIRE(s_count == 10);
  REQUIRE(big_count == 4);
  REQUIRE(t_count == 16);
  CHECK(pairs(find(ts, "objects_by_location")) == P{{"c.rb:3", 16}, {"a.rb:1", 11}, {"b.rb:2", 4}});
  CHECK(pairs(find(ts, "memory_by_location")) == P{{"b.rb:2", 20000}, {"a.rb:1", 9010}, {"c.rb:3", 16}});
  const Table& dup = find(ts, "duplicate_strings");
  REQUIRE(dup.rows.size() == 3);  // bigger is seen once
  CHECK(as_text(dup.rows[0][0]) == "t");
  CHECK(as_int(dup.rows[0][1]) == 16);
  CHECK(as_text(dup.rows[1][0]) == "s");
  CHECK(as_int(dup.rows[1][1]) == 10);
  CHECK(as_text(dup.rows[2][0]) == big);
  CHECK(as_int(dup.rows[2][1]) == 4);
  CHECK(as_text(dup.rows[2][2]) == "b.rb:2");

  // A long value is counted after the queued records before it: d.rb:4
  // (first in line 0, queued) ties with e.rb:5 (line 1) and ranks first.
  dump.clear();
  line(1, "u", "d.rb", 4);
  line(2, "v", "e.rb", 5);
  line(3, big, "d.rb", 4);
  line(4, "w", "e.rb", 5);
  ts = drill(dump, Selection{}, 50);
  CHECK(pairs(find(ts, "objects_by_location")) == P{{"d.rb:4", 2}, {"e.rb:5", 2}});
}

namespace {

/// Generated STRING records: values that repeat a lot, a few times, or
/// never (most), short and long (over the 16 bytes a table slot holds, and
/// some over the 4096 the queue copies), at a handful of locations.
std::vector<ObjectRecord> generated_strings(std::mt19937_64& rng, size_t n, std::vector<std::string>* storage) {
  storage->clear();
  storage->reserve(n + 64);
  std::vector<std::string> files = {"a.rb", "b.rb", "lib/c.rb"};
  for (auto& f : files) storage->push_back(f);
  std::vector<ObjectRecord> out;
  for (size_t i = 0; i < n; ++i) {
    std::string value;
    const uint64_t kind = rng() % 10;
    if (kind < 3) {
      value = "hot" + std::to_string(rng() % 7);  // repeats often
    } else if (kind < 5) {
      value = "warm value number " + std::to_string(rng() % 200);  // a few times each
    } else if (kind == 5 && rng() % 8 == 0) {
      value = std::string(4097 + rng() % 3, static_cast<char>('x' + rng() % 2));  // long, repeats
    } else {
      value = "distinct " + std::to_string(i) + std::string(rng() % 30, 'q');  // seen once
    }
    storage->push_back(value);
    ObjectRecord r;
    r.kind = RecordKind::kObject;
    r.type = "STRING";
    r.has_value = true;
    r.value = storage->back();
    r.has_file = true;
    r.file = (*storage)[rng() % files.size()];
    r.has_line = rng() % 4 != 0;
    r.line = r.has_line ? rng() % 3 : 0;
    r.memsize = 40;
    r.byte_offset = 1000 + i * 100;
    out.push_back(r);
  }
  return out;
}

/// duplicate_strings as a naive reference makes it: every value's text
/// kept, counted by value and by (value, location), ranked by count, ties
/// by first byte offset; top_n values, each with all its locations.
std::vector<std::vector<std::string>> naive_duplicates(const std::vector<ObjectRecord>& records, uint64_t top_n) {
  struct Count {
    uint64_t count = 0;
    uint64_t first = UINT64_MAX;
  };
  std::map<std::string, Count> values;
  std::map<std::string, std::map<std::string, Count>> at;
  for (const ObjectRecord& r : records) {
    const std::string value(r.value);
    const std::string loc = std::string(r.file) + ":" + (r.has_line ? std::to_string(r.line) : "");
    for (Count* c : {&values[value], &at[value][loc]}) {
      c->count += 1;
      c->first = std::min(c->first, r.byte_offset);
    }
  }
  auto ranked = [](const std::map<std::string, Count>& m) {
    std::vector<std::pair<std::string, Count>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) {
      return x.second.count != y.second.count ? x.second.count > y.second.count : x.second.first < y.second.first;
    });
    return v;
  };
  std::vector<std::vector<std::string>> rows;
  uint64_t shown = 0;
  for (const auto& [value, c] : ranked(values)) {
    if (c.count < 2 || shown == top_n) break;
    ++shown;
    for (const auto& [loc, lc] : ranked(at[value])) {
      rows.push_back({value, std::to_string(c.count), loc, std::to_string(lc.count)});
    }
  }
  return rows;
}

std::vector<std::vector<std::string>> rows_of(const Table& t) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : t.rows) {
    rows.push_back({as_text(row[0]), std::to_string(static_cast<uint64_t>(as_int(row[1]))), as_text(row[2]),
                    std::to_string(static_cast<uint64_t>(as_int(row[3])))});
  }
  return rows;
}

}  // namespace

TEST_CASE("DrillDown's duplicate strings equal a naive reference for any split into threads") {
  // Each value's first sighting is kept as a fingerprint only, and its text
  // by the DrillDown that sees it again, in any thread: the rows must still
  // be those of a reference that keeps every text.
  std::mt19937_64 rng(24);
  std::vector<std::string> storage;
  const ClassNames names;
  for (int round = 0; round < 12; ++round) {
    const std::vector<ObjectRecord> records = generated_strings(rng, 400 + rng() % 2000, &storage);
    const unsigned threads = std::vector<unsigned>{1, 2, 3, 8}[round % 4];
    std::vector<std::pair<size_t, size_t>> chunks;  // [begin, end)
    for (size_t b = 0; b < records.size();) {
      const size_t e = std::min(records.size(), b + 1 + rng() % 60);
      chunks.push_back({b, e});
      b = e;
    }
    ChunkQueues queues(threads);
    for (const auto& chunk : chunks) queues[rng() % threads].push_back(chunk);
    const std::shared_ptr<ValueSightings> sightings = make_value_sightings();
    std::vector<std::unique_ptr<DrillDown>> drills;
    for (unsigned t = 0; t < threads; ++t) drills.push_back(std::make_unique<DrillDown>(Selection{}, sightings));
    run_and_merge(rng, std::move(queues), records, &drills, /*tree=*/round % 2 == 1);
    for (uint64_t top : {uint64_t{1}, uint64_t{5}, uint64_t{50}, UINT64_MAX}) {
      INFO("round " << round << ", threads " << threads << ", top " << top);
      const auto tables = drills[0]->to_tables(top, names);
      const auto got = rows_of(find(tables, "duplicate_strings"));
      const auto want = naive_duplicates(records, top);
      size_t same = 0;
      while (same < got.size() && same < want.size() && got[same] == want[same]) ++same;
      INFO("rows " << got.size() << " vs " << want.size() << ", first difference at " << same << ": "
                   << (same < got.size() ? got[same][0].substr(0, 40) + " " + got[same][1] + " " + got[same][2] + " " + got[same][3] : "-")
                   << " / "
                   << (same < want.size() ? want[same][0].substr(0, 40) + " " + want[same][1] + " " + want[same][2] + " " + want[same][3] : "-"));
      CHECK(same == got.size());
      CHECK(got.size() == want.size());
    }
  }
}

TEST_CASE("DrillDown: merging DrillDowns that do not share their sightings is refused") {
  DrillDown a(Selection{}), b(Selection{});
  CHECK_THROWS_AS(a.merge(b), std::invalid_argument);
}
