#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>

#include "heapdump/string_report.hpp"
#include "analyze/thread_split.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

namespace {

// "x": 3 copies at a.rb:1 (10+10+10), 1 at b.rb:2 (50); "y": 1 at a.rb:1 (100);
// "z": 2 without file (5+5); a SYMBOL and a STRING without value are ignored.
const std::string kDump =
    "{\"address\":\"0x1\", \"type\":\"STRING\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"generation\":1, \"memsize\":10}\n"
    "{\"address\":\"0x2\", \"type\":\"STRING\", \"value\":\"y\", \"file\":\"a.rb\", \"line\":1, \"generation\":1, \"memsize\":100}\n"
    "{\"address\":\"0x3\", \"type\":\"STRING\", \"value\":\"x\", \"file\":\"b.rb\", \"line\":2, \"generation\":2, \"memsize\":50}\n"
    "{\"address\":\"0x4\", \"type\":\"STRING\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"generation\":2, \"memsize\":10}\n"
    "{\"address\":\"0x5\", \"type\":\"STRING\", \"value\":\"z\", \"memsize\":5}\n"
    "{\"address\":\"0x6\", \"type\":\"STRING\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"generation\":3, \"memsize\":10}\n"
    "{\"address\":\"0x7\", \"type\":\"STRING\", \"value\":\"z\", \"memsize\":5}\n"
    "{\"address\":\"0x8\", \"type\":\"SYMBOL\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"memsize\":40}\n"
    "{\"address\":\"0x9\", \"type\":\"STRING\", \"file\":\"a.rb\", \"line\":1, \"memsize\":40}\n";

std::vector<Table> report(std::optional<Selection> sel, uint64_t top_n) {
  StringReport r(sel, top_n);
  CollectingReporter rep;
  read_string(kDump, r, rep);
  return r.to_tables(top_n);
}

std::vector<std::string> row_text(const Table& t) {
  std::vector<std::string> out;
  for (const auto& row : t.rows) {
    std::string line;
    for (const Cell& c : row) {
      if (!line.empty()) line += '|';
      line += is_unsigned(c) ? decimal(as_int(c)) : as_text(c);
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("StringReport: by memory, by copies, frozen-string candidates") {
  auto ts = report(std::nullopt, 50);
  REQUIRE(ts.size() == 3);
  CHECK(ts[0].name == "strings_by_memory");
  CHECK(ts[0].total("objects") == 7);
  CHECK(ts[0].total("bytes") == 190);
  CHECK(row_text(ts[0]) == std::vector<std::string>{"y|100|1|a.rb:1|100|1", "x|80|4|b.rb:2|50|1",
                                                    "x|80|4|a.rb:1|30|3", "z|10|2|(no file)|10|2"});
  CHECK(ts[1].name == "strings_by_copies");
  CHECK(row_text(ts[1]) == std::vector<std::string>{"x|80|4|a.rb:1|30|3", "x|80|4|b.rb:2|50|1",
                                                    "z|10|2|(no file)|10|2", "y|100|1|a.rb:1|100|1"});
  CHECK(ts[2].name == "frozen_string_candidates");
  CHECK(row_text(ts[2]) == std::vector<std::string>{"a.rb:1|x|3|30", "(no file)|z|2|10"});
}

TEST_CASE("StringReport: selection, top N values and locations") {
  Selection gen2;
  gen2.all = false;
  gen2.generation = 2;
  auto ts = report(gen2, 50);
  CHECK(ts[0].total("objects") == 2);
  CHECK(row_text(ts[0]) == std::vector<std::string>{"x|60|2|b.rb:2|50|1", "x|60|2|a.rb:1|10|1"});
  CHECK(ts[2].rows.empty());
  auto top1 = report(std::nullopt, 1);
  CHECK(row_text(top1[0]) == std::vector<std::string>{"y|100|1|a.rb:1|100|1"});
  CHECK(row_text(top1[1]) == std::vector<std::string>{"x|80|4|a.rb:1|30|3"});
  CHECK(row_text(top1[2]) == std::vector<std::string>{"a.rb:1|x|3|30"});
}

TEST_CASE("StringReport: merge equals one pass") {
  const std::shared_ptr<StringSightings> sightings = make_string_sightings();
  StringReport a(std::nullopt, 50, sightings), b(std::nullopt, 50, sightings);
  CollectingReporter rep;
  const size_t cut = kDump.find("{\"address\":\"0x4\"");
  read_string(kDump.substr(cut), a, rep);  // the later half first, as a thread might
  read_string(kDump.substr(0, cut), b, rep);
  a.merge(b);
  // Byte offsets restart in each half, so only compare what does not depend on ties.
  auto ts = a.to_tables(50);
  CHECK(ts[0].total("objects") == 7);
  CHECK(row_text(ts[2]) == std::vector<std::string>{"a.rb:1|x|3|30", "(no file)|z|2|10"});
  CHECK(row_text(ts[0]).front() == "y|100|1|a.rb:1|100|1");
  CHECK(a.values() == 3);  // x, y, z
}

TEST_CASE("StringReport: values() counts distinct values") {
  StringReport r(std::nullopt);
  CHECK(r.values() == 0);
  CollectingReporter rep;
  read_string(kDump, r, rep);
  CHECK(r.values() == 3);  // x, y, z; the SYMBOL and the STRING without value are not counted
  Selection gen2;
  gen2.all = false;
  gen2.generation = 2;
  StringReport two(gen2);
  read_string(kDump, two, rep);
  CHECK(two.values() == 1);  // x
}

namespace {

/// Generated STRING records: values that repeat a lot, a few times, or
/// never (most); memsizes mostly equal (ties) and some large; locations from
/// a handful, some without a file.
/// With `equal_sizes`, every memsize is 40 (as in many real dumps): then a
/// thread's best first sightings by memsize are also its earliest.
std::vector<ObjectRecord> generated_strings(std::mt19937_64& rng, size_t n, std::vector<std::string>* storage,
                                            bool equal_sizes) {
  storage->clear();
  storage->reserve(n + 64);
  std::vector<std::string> files = {"a.rb", "b.rb", "lib/c.rb"};
  for (auto& f : files) storage->push_back(f);
  std::vector<ObjectRecord> out;
  for (size_t i = 0; i < n; ++i) {
    std::string value;
    const uint64_t kind = rng() % 10;
    if (kind < 2) {
      value = "hot" + std::to_string(rng() % 5);
    } else if (kind == 2 && rng() % 8 == 0) {
      // Longer than StringReport queues (4 KB): counted at once, in order.
      value = "long " + std::to_string(rng() % 3) + std::string(5000, 'L');
    } else if (kind < 5) {
      value = "warm value number " + std::to_string(rng() % 150);
    } else {
      value = "distinct " + std::to_string(i) + std::string(rng() % 30, 'q');
    }
    storage->push_back(value);
    ObjectRecord r;
    r.kind = RecordKind::kObject;
    r.type = "STRING";
    r.has_value = true;
    r.value = storage->back();
    r.has_file = rng() % 8 != 0;
    r.file = r.has_file ? std::string_view((*storage)[rng() % files.size()]) : std::string_view();
    r.has_line = r.has_file && rng() % 4 != 0;
    r.line = r.has_line ? rng() % 3 : 0;
    r.memsize = !equal_sizes && rng() % 20 == 0 ? 40 + rng() % 5000 : 40;
    r.byte_offset = 1000 + i * 100;
    out.push_back(r);
  }
  return out;
}

struct Count {
  uint64_t bytes = 0, objects = 0, first = UINT64_MAX;
  void add(const ObjectRecord& r) {
    bytes += r.memsize;
    objects += 1;
    first = std::min(first, r.byte_offset);
  }
};

template <typename Key>
std::vector<std::pair<Key, Count>> ranked(const std::map<Key, Count>& m, bool by_bytes, uint64_t top) {
  std::vector<std::pair<Key, Count>> v(m.begin(), m.end());
  std::sort(v.begin(), v.end(), [&](const auto& x, const auto& y) {
    const uint64_t a = by_bytes ? x.second.bytes : x.second.objects;
    const uint64_t b = by_bytes ? y.second.bytes : y.second.objects;
    return a != b ? a > b : x.second.first < y.second.first;
  });
  if (v.size() > top) v.resize(top);
  return v;
}

/// The three tables as a naive reference makes them, every text kept.
std::vector<std::vector<std::string>> naive_strings(const std::vector<ObjectRecord>& records, uint64_t top) {
  std::map<std::string, Count> values;
  std::map<std::string, std::map<std::string, Count>> at;
  std::map<std::pair<std::string, std::string>, Count> pairs;
  for (const ObjectRecord& r : records) {
    const std::string value(r.value);
    const std::string loc =
        r.has_file ? std::string(r.file) + ":" + (r.has_line ? std::to_string(r.line) : "") : "(no file)";
    values[value].add(r);
    at[value][loc].add(r);
    pairs[{loc, value}].add(r);
  }
  std::vector<std::vector<std::string>> tables(3);
  for (int t = 0; t < 2; ++t) {
    for (const auto& [value, c] : ranked(values, t == 0, top)) {
      for (const auto& [loc, lc] : ranked(at[value], t == 0, top)) {
        tables[t].push_back(value + "|" + std::to_string(c.bytes) + "|" + std::to_string(c.objects) + "|" + loc +
                            "|" + std::to_string(lc.bytes) + "|" + std::to_string(lc.objects));
      }
    }
  }
  std::map<std::pair<std::string, std::string>, Count> twice;
  for (const auto& [key, c] : pairs) {
    if (c.objects >= 2) twice[key] = c;
  }
  for (const auto& [key, c] : ranked(twice, false, top)) {
    tables[2].push_back(key.first + "|" + key.second + "|" + std::to_string(c.objects) + "|" + std::to_string(c.bytes));
  }
  return tables;
}

/// `records` fed to `threads` StringReports (sharing their sightings, each
/// with `read_back`) in random chunks (run_and_merge), merged into one.
std::unique_ptr<StringReport> split_and_merge(const std::vector<ObjectRecord>& records, unsigned threads,
                                              uint64_t keep, bool tree, std::mt19937_64& rng,
                                              const ValueReadBack& read_back) {
  ChunkQueues queues(threads);
  for (size_t b = 0; b < records.size();) {
    const size_t e = std::min(records.size(), b + 1 + rng() % 60);
    queues[rng() % threads].push_back({b, e});
    b = e;
  }
  const std::shared_ptr<StringSightings> sightings = make_string_sightings();
  std::vector<std::unique_ptr<StringReport>> reports;
  for (unsigned t = 0; t < threads; ++t) {
    reports.push_back(std::make_unique<StringReport>(std::nullopt, keep, sightings, read_back));
  }
  run_and_merge(rng, std::move(queues), records, &reports, tree);
  return std::move(reports[0]);
}

}  // namespace

TEST_CASE("StringReport equals a naive reference for any split into threads") {
  // A value's text is kept from its second sighting on, and for a value
  // seen once only while it is among the best first sightings: the tables
  // must still be those of a reference that keeps every text, with ties by
  // byte offset, for any thread count and interleaving.
  std::mt19937_64 rng(2424);
  std::vector<std::string> storage;
  for (int round = 0; round < 32; ++round) {
    const std::vector<ObjectRecord> records = generated_strings(rng, 300 + rng() % 1500, &storage, round >= 16);
    const unsigned threads = std::vector<unsigned>{1, 2, 3, 8}[round % 4];
    const uint64_t keep = std::vector<uint64_t>{1, 3, 10, 50}[(round / 4) % 4];
    const std::unique_ptr<StringReport> merged =
        split_and_merge(records, threads, keep, /*tree=*/round % 2 == 1, rng, ValueReadBack{});
    for (uint64_t top : {uint64_t{1}, keep}) {
      INFO("round " << round << ", threads " << threads << ", keep " << keep << ", top " << top);
      const auto tables = merged->to_tables(top);
      const auto want = naive_strings(records, top);
      CHECK(row_text(tables[0]) == want[0]);
      CHECK(row_text(tables[1]) == want[1]);
      CHECK(row_text(tables[2]) == want[2]);
    }
    CHECK_THROWS_AS(merged->to_tables(keep + 1), std::invalid_argument);
    std::set<std::string_view> distinct;
    for (const ObjectRecord& r : records) distinct.insert(r.value);
    CHECK(merged->values() == distinct.size());
  }
}

TEST_CASE("StringReport: merging StringReports that do not share their sightings is refused") {
  StringReport a(std::nullopt), b(std::nullopt);
  CHECK_THROWS_AS(a.merge(b), std::invalid_argument);
}

namespace {

/// Records of long values (around StringReport::kReadBackBytes), each in
/// a line of `input` at its byte offset, as the reader makes them: most with
/// the value's view in the line (read back), some with it elsewhere (as
/// after unescaping: copied). The first line is at byte 0.
std::vector<ObjectRecord> long_value_records(std::mt19937_64& rng, size_t n, std::string* input,
                                             std::vector<std::string>* elsewhere) {
  struct Spot { size_t line, line_size, value, value_size; bool in_line; };
  std::vector<Spot> spots;
  input->clear();
  elsewhere->clear();
  elsewhere->reserve(n);
  const uint64_t threshold = StringReport::kReadBackBytes;
  std::vector<ObjectRecord> out;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t kind = rng() % 10;
    std::string value;
    if (kind < 3) {
      value = std::string(threshold - 2 + rng() % 4, static_cast<char>('a' + rng() % 3));  // repeats
    } else {
      value = std::to_string(i) + std::string(threshold - 2 + rng() % 4000, 'd');  // distinct
    }
    const std::string head = "{\"value\":\"";
    const Spot spot{input->size(), head.size() + value.size() + 2, input->size() + head.size(), value.size(),
                    rng() % 5 != 0};
    *input += head + value + "\"}\n";
    spots.push_back(spot);
    if (!spot.in_line) elsewhere->push_back(value);
  }
  size_t e = 0;
  for (size_t i = 0; i < n; ++i) {
    const Spot& sp = spots[i];
    ObjectRecord r;
    r.kind = RecordKind::kObject;
    r.type = "STRING";
    r.has_value = true;
    r.raw_line = std::string_view(*input).substr(sp.line, sp.line_size);
    r.value = sp.in_line ? std::string_view(*input).substr(sp.value, sp.value_size) : std::string_view((*elsewhere)[e++]);
    r.has_file = true;
    r.file = rng() % 2 == 0 ? "a.rb" : "b.rb";
    r.memsize = rng() % 4 == 0 ? 40 + rng() % 100 : 40;
    r.byte_offset = sp.line;
    out.push_back(r);
  }
  return out;
}

}  // namespace

TEST_CASE("StringReport reads long values back: the tables of the naive reference, reading only shown values") {
  std::mt19937_64 rng(77);
  std::string input;
  std::vector<std::string> elsewhere;
  uint64_t read_back_total = 0;
  for (int round = 0; round < 12; ++round) {
    const std::vector<ObjectRecord> records = long_value_records(rng, 60 + rng() % 60, &input, &elsewhere);
    const unsigned threads = std::vector<unsigned>{1, 2, 3, 8}[round % 4];
    const uint64_t keep = std::vector<uint64_t>{1, 3, 10}[(round / 4) % 3];
    uint64_t reads = 0;
    ValueReadBack back{"mem.json", [&](uint64_t offset, uint64_t size, std::string* out) {
                         ++reads;
                         REQUIRE(offset + size <= input.size());
                         *out = input.substr(offset, size);
                         return Status::ok_status();
                       }};
    std::unique_ptr<StringReport> r = split_and_merge(records, threads, keep, round % 2 == 1, rng, back);
    CHECK(reads == 0);  // nothing during the read
    for (uint64_t top : {uint64_t{1}, keep}) {
      INFO("round " << round << ", threads " << threads << ", keep " << keep << ", top " << top);
      reads = 0;
      std::vector<Table> tables;
      REQUIRE(r->to_tables(top, &tables).ok());
      const auto want = naive_strings(records, top);
      CHECK(row_text(tables[0]) == want[0]);
      CHECK(row_text(tables[1]) == want[1]);
      CHECK(row_text(tables[2]) == want[2]);
      // At most the values shown, each once; one SharedText per value.
      std::set<const std::string*> shown;
      for (const Table& t : tables) {
        for (const auto& row : t.rows) {
          for (const Cell& c : row) {
            if (const auto* text = std::get_if<SharedText>(&c)) shown.insert(text->get());
          }
        }
      }
      std::set<std::string> distinct_shown;
      for (const std::string* t : shown) distinct_shown.insert(*t);
      CHECK(shown.size() == distinct_shown.size());
      CHECK(reads <= shown.size());
      read_back_total += reads;
    }
  }
  CHECK(read_back_total >= 10);  // the rule was exercised (20 reads in these 12 rounds)

  SECTION("a value that is not the one read, and a read that fails, are errors") {
    const std::vector<ObjectRecord> records = long_value_records(rng, 30, &input, &elsewhere);
    for (const bool fails : {false, true}) {
      ValueReadBack back{"mem.json", [&](uint64_t offset, uint64_t size, std::string* out) {
                           if (fails) return Status::io_error("mem.json: gone");
                           *out = input.substr(offset, size);
                           (*out)[size / 2] ^= 1;
                           return Status::ok_status();
                         }};
      std::unique_ptr<StringReport> r = split_and_merge(records, 2, 5, false, rng, back);
      std::vector<Table> tables;
      const Status s = r->to_tables(5, &tables);
      CHECK(s.code() == Status::Code::kIoError);
      if (fails) {
        CHECK(s.message() == "mem.json: gone");
      } else {
        CHECK(s.message().find("mem.json: the string value at byte ") == 0);
        CHECK(s.message().find("is not the one read") != std::string::npos);
      }
      CHECK_THROWS_AS(r->to_tables(5), std::runtime_error);
    }
  }
}
