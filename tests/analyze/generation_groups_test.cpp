#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "heapdump/generation_groups.hpp"
#include "analyze/group_dump.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

namespace {

// kGroupDump (group_dump.hpp, with its generations), counted by hand below.
const std::string& kDump = kGroupDump;

const std::vector<GroupKey> kKeys = {GroupKey::kClass, GroupKey::kLocation, GroupKey::kGem,
                                     GroupKey::kFile,  GroupKey::kType,     GroupKey::kMethod};

/// A row as (generation or -1 for nil, key, group or "<rest>", bytes, objects, groups).
using Row = std::tuple<int64_t, std::string, std::string, uint64_t, uint64_t, uint64_t>;
std::vector<Row> rows(const Table& t) {
  std::vector<Row> out;
  for (const auto& r : t.rows) {
    out.emplace_back(is_null(r[0]) ? -1 : static_cast<int64_t>(as_int(r[0])), as_text(r[1]),
                     is_null(r[2]) ? std::string("<rest>") : as_text(r[2]),
                     static_cast<uint64_t>(as_int(r[3])), static_cast<uint64_t>(as_int(r[4])),
                     static_cast<uint64_t>(as_int(r[5])));
  }
  return out;
}
std::vector<Row> of_key(const std::vector<Row>& all, const std::string& key) {
  std::vector<Row> out;
  for (const Row& r : all) {
    if (std::get<1>(r) == key) out.push_back(r);
  }
  return out;
}

/// Reads `data` with `threads` parsing threads (64-byte chunks: about a
/// line each, so the threads see records in any order) into one
/// GenerationGroups per thread, merged, and the class names.
struct Result {
  std::unique_ptr<GenerationGroups> groups;
  ClassNames names;
};
Result fold(const std::string& data, unsigned threads, std::vector<GroupKey> keys = kKeys) {
  std::vector<std::unique_ptr<GenerationGroups>> per;
  std::vector<std::unique_ptr<ClassNames>> names;
  std::vector<std::unique_ptr<TeeSink>> tees;
  for (unsigned i = 0; i < threads; ++i) {
    per.push_back(std::make_unique<GenerationGroups>(keys));
    names.push_back(std::make_unique<ClassNames>());
    tees.push_back(std::make_unique<TeeSink>());
    tees.back()->add(*per.back());
    tees.back()->add(*names.back());
  }
  CollectingReporter rep;
  auto input = make_memory_input(data);
  ReadOptions options;
  options.threads = threads;
  options.chunk_size = 64;
  REQUIRE(read_dump_parallel(*input, [&](unsigned i) -> RecordSink& { return *tees[i]; }, rep,
                             nullptr, options)
              .ok());
  for (unsigned i = 1; i < threads; ++i) {
    per[0]->merge(*per[i]);
    names[0]->merge(*names[i]);
  }
  Result r;
  r.groups = std::move(per[0]);
  r.names.merge(*names[0]);
  return r;
}

/// Forwards the objects of one generation (nullopt: those without one).
class GenerationFilter final : public RecordSink {
 public:
  GenerationFilter(std::optional<uint64_t> generation, RecordSink& next)
      : generation_(generation), next_(next) {}
  void on_record(const ObjectRecord& r) override {
    if (r.kind != RecordKind::kObject) return;
    if (r.has_generation != generation_.has_value()) return;
    if (r.has_generation && r.generation != *generation_) return;
    next_.on_record(r);
  }

 private:
  std::optional<uint64_t> generation_;
  RecordSink& next_;
};

}  // namespace

TEST_CASE("GenerationGroups: each generation by each key, counted by hand") {
  for (unsigned threads : {1u, 2u, 4u}) {
    Result r = fold(kDump, threads);
    const std::vector<Row> all = rows(r.groups->to_table(r.names, 50, 50));
    // nil: 0x7 NODE 100, 0xc1 and 0xc3 CLASS 0, no file, no method.
    CHECK(of_key(all, "class") ==
          std::vector<Row>{{-1, "class", "(NODE)", 100, 1, 1}, {-1, "class", "(CLASS)", 0, 2, 1},
                           {1, "class", "Foo", 30, 1, 1}, {1, "class", "Dup", 10, 1, 1},
                           {1, "class", "<env> (IMEMO)", 5, 1, 1}, {2, "class", "(ARRAY)", 20, 1, 1},
                           {2, "class", "Foo", 7, 1, 1}, {3, "class", "Dup", 30, 1, 1},
                           {4, "class", "(CLASS)", 0, 1, 1}});
    CHECK(of_key(all, "location") ==
          std::vector<Row>{{-1, "location", "(no file)", 100, 3, 1},
                           {1, "location", "a.rb:1", 30, 1, 1},
                           {1, "location", "/g/gems/rack-2.2.4/lib/r.rb:2", 10, 1, 1},
                           {1, "location", "a.rb:2", 5, 1, 1}, {2, "location", "a.rb:1", 27, 2, 1},
                           {3, "location", "/usr/lib/ruby/3.1.0/set.rb:", 30, 1, 1},
                           {4, "location", "a.rb:9", 0, 1, 1}});
    CHECK(of_key(all, "gem") ==
          std::vector<Row>{{-1, "gem", "(no file)", 100, 3, 1}, {1, "gem", "app", 35, 2, 1},
                           {1, "gem", "rack-2.2.4", 10, 1, 1}, {2, "gem", "app", 27, 2, 1},
                           {3, "gem", "ruby/lib", 30, 1, 1}, {4, "gem", "app", 0, 1, 1}});
    CHECK(of_key(all, "method") ==
          std::vector<Row>{{-1, "method", "(no method)", 100, 3, 1}, {1, "method", "go", 30, 1, 1},
                           {1, "method", "call", 10, 1, 1}, {1, "method", "(no method)", 5, 1, 1},
                           {2, "method", "go", 20, 1, 1}, {2, "method", "(no method)", 7, 1, 1},
                           {3, "method", "(no method)", 30, 1, 1},
                           {4, "method", "(no method)", 0, 1, 1}});
    // Rows in order: generation, then the keys as given.
    CHECK(std::get<1>(all[0]) == "class");
    CHECK(std::get<1>(all[2]) == "location");
    CHECK(of_key(all, "file") ==
          std::vector<Row>{{-1, "file", "(no file)", 100, 3, 1}, {1, "file", "a.rb", 35, 2, 1},
                           {1, "file", "/g/gems/rack-2.2.4/lib/r.rb", 10, 1, 1},
                           {2, "file", "a.rb", 27, 2, 1},
                           {3, "file", "/usr/lib/ruby/3.1.0/set.rb", 30, 1, 1},
                           {4, "file", "a.rb", 0, 1, 1}});
    CHECK(of_key(all, "type") ==
          std::vector<Row>{{-1, "type", "NODE", 100, 1, 1}, {-1, "type", "CLASS", 0, 2, 1},
                           {1, "type", "STRING", 40, 2, 1}, {1, "type", "IMEMO", 5, 1, 1},
                           {2, "type", "ARRAY", 20, 1, 1}, {2, "type", "DATA", 7, 1, 1},
                           {3, "type", "STRING", 30, 1, 1}, {4, "type", "CLASS", 0, 1, 1}});
    CHECK(all.size() == 9 + 7 + 6 + 6 + 8 + 8);
  }
}

TEST_CASE("GenerationGroups: the rest of a generation's groups in one row") {
  Result r = fold(kDump, 1);
  Table t = r.groups->to_table(r.names, 1, 50);
  CHECK(t.total("top") == 1);
  CHECK(t.total("generations") == 5);
  const std::vector<Row> cls = of_key(rows(t), "class");
  CHECK(cls == std::vector<Row>{{-1, "class", "(NODE)", 100, 1, 1}, {-1, "class", "<rest>", 0, 2, 1},
                                {1, "class", "Foo", 30, 1, 1}, {1, "class", "<rest>", 15, 2, 2},
                                {2, "class", "(ARRAY)", 20, 1, 1}, {2, "class", "<rest>", 7, 1, 1},
                                {3, "class", "Dup", 30, 1, 1}, {4, "class", "(CLASS)", 0, 1, 1}});
  // The row of the rest is null, not a name.
  for (const auto& row : t.rows) {
    if (as_int(row[5]) > 1) CHECK(is_null(row[2]));
  }
}

TEST_CASE("GenerationGroups: the generations with the most bytes are kept") {
  Result r = fold(kDump, 1);
  // Bytes: nil 100, 1: 45, 2: 27, 3: 30, 4: 0.
  auto gens = [&](uint64_t max) {
    std::vector<int64_t> out;
    for (const Row& row : of_key(rows(r.groups->to_table(r.names, 50, max)), "type")) {
      if (out.empty() || out.back() != std::get<0>(row)) out.push_back(std::get<0>(row));
    }
    return out;
  };
  CHECK(gens(0).empty());
  CHECK(gens(1) == std::vector<int64_t>{-1});
  CHECK(gens(2) == std::vector<int64_t>{-1, 1});
  CHECK(gens(3) == std::vector<int64_t>{-1, 1, 3});
  CHECK(gens(4) == std::vector<int64_t>{-1, 1, 2, 3});
  CHECK(gens(9) == std::vector<int64_t>{-1, 1, 2, 3, 4});
}

TEST_CASE("GenerationGroups: all() is GroupBy over every object") {
  Result r = fold(kDump, 2);
  for (GroupKey key : kKeys) {
    GroupBy whole(key, std::nullopt);
    ClassNames names;
    TeeSink tee;
    tee.add(whole);
    tee.add(names);
    CollectingReporter rep;
    read_string(kDump, tee, rep);
    const Table want = whole.to_table(50, names);
    const Table got = r.groups->all(key).to_table(50, r.names);
    CHECK(got.rows == want.rows);
    CHECK(got.totals == want.totals);
  }
}

TEST_CASE("GenerationGroups: against a naive model, generation by generation") {
  // A generated dump: 3,000 objects of 7 classes (one without a CLASS
  // record), 40 sites in 9 files (two under gems), 12 generations and
  // objects without one, some without a file or method; memsizes chosen so
  // that bytes tie often.
  std::string data = "{\"type\":\"ROOT\", \"root\":\"vm\", \"references\":[\"0x100\"]}\n";
  for (int c = 0; c < 6; ++c) {
    data += "{\"address\":\"0x" + std::to_string(900 + c) + "\", \"type\":\"CLASS\", \"name\":\"K" +
            std::to_string(c % 5) + "\", \"memsize\":40}\n";
  }
  uint64_t state = 12345;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  };
  // The model: (generation or -1, key) -> name -> (bytes, objects), with the
  // names written out here from the record's own fields.
  std::map<std::pair<int64_t, std::string>, std::map<std::string, std::pair<uint64_t, uint64_t>>> model;
  std::map<int64_t, std::pair<uint64_t, uint64_t>> per_gen;
  const char* kTypes[] = {"STRING", "ARRAY", "HASH", "OBJECT"};
  for (int i = 0; i < 3000; ++i) {
    const int64_t gen = next(13) == 0 ? -1 : static_cast<int64_t>(next(12));
    const int cls = static_cast<int>(next(7));  // 6: 0x999, no CLASS record
    const std::string type = kTypes[next(4)];
    const bool has_file = gen >= 0 && next(10) != 0;
    const int site = static_cast<int>(next(40));
    const std::string file = site % 9 == 0 ? "/g/gems/foo-1.0/lib/f" + std::to_string(site % 2) + ".rb"
                                           : "app/f" + std::to_string(site % 9) + ".rb";
    const bool has_method = next(3) != 0;
    const uint64_t memsize = 40 * (1 + next(4));
    std::string rec = "{\"address\":\"0x" + std::to_string(100000 + i) + "\", \"type\":\"" + type +
                      "\", \"class\":\"0x" + std::to_string(cls == 6 ? 999 : 900 + cls) + "\"";
    if (has_file) rec += ", \"file\":\"" + file + "\", \"line\":" + std::to_string(site);
    if (has_method) rec += ", \"method\":\"m" + std::to_string(site % 5) + "\"";
    if (gen >= 0) rec += ", \"generation\":" + std::to_string(gen);
    rec += ", \"memsize\":" + std::to_string(memsize) + "}\n";
    data += rec;
    const std::string names[] = {
        cls == 6 ? "(" + type + ")" : "K" + std::to_string(cls % 5),
        has_file ? file + ":" + std::to_string(site) : "(no file)",
        has_file ? (site % 9 == 0 ? "foo-1.0" : "app") : "(no file)",
        has_file ? file : "(no file)",
        type,
        has_method ? "m" + std::to_string(site % 5) : "(no method)"};
    for (size_t k = 0; k < kKeys.size(); ++k) {
      auto& acc = model[{gen, std::string(group_key_name(kKeys[k]))}][names[k]];
      acc.first += memsize;
      acc.second += 1;
    }
    per_gen[gen].first += memsize;
    per_gen[gen].second += 1;
  }
  for (int c = 0; c < 6; ++c) {  // the CLASS records: generation nil, no file
    for (size_t k = 0; k < kKeys.size(); ++k) {
      const std::string names[] = {"(CLASS)", "(no file)", "(no file)", "(no file)", "CLASS",
                                   "(no method)"};
      auto& acc = model[{-1, std::string(group_key_name(kKeys[k]))}][names[k]];
      acc.first += 40;
      acc.second += 1;
    }
    per_gen[-1].first += 40;
    per_gen[-1].second += 1;
  }

  const uint64_t top = 3;
  Result one = fold(data, 1);
  const Table t1 = one.groups->to_table(one.names, top, 100);
  for (unsigned threads : {2u, 3u}) {
    Result r = fold(data, threads);
    const Table t = r.groups->to_table(r.names, top, 100);
    CHECK(t.rows == t1.rows);  // the same for any thread count
  }
  const std::vector<Row> got = rows(t1);
  CHECK(t1.total("generations") == per_gen.size());
  for (const auto& [gk, groups] : model) {
    std::vector<Row> mine;
    for (const Row& row : got) {
      if (std::get<0>(row) == gk.first && std::get<1>(row) == gk.second) mine.push_back(row);
    }
    // The model's groups: the named rows are the largest, each with its
    // exact sums; the rest sums to the generation's total.
    uint64_t bytes = 0, objects = 0, named = 0;
    uint64_t prev = UINT64_MAX;
    for (const Row& row : mine) {
      bytes += std::get<3>(row);
      objects += std::get<4>(row);
      if (std::get<2>(row) == "<rest>") continue;
      ++named;
      auto it = groups.find(std::get<2>(row));
      REQUIRE(it != groups.end());
      CHECK(it->second == std::make_pair(std::get<3>(row), std::get<4>(row)));
      CHECK(std::get<3>(row) <= prev);
      prev = std::get<3>(row);
      // Nothing left out holds more bytes than a row shown.
      for (const auto& [name, acc] : groups) {
        bool shown = false;
        for (const Row& other : mine) shown = shown || std::get<2>(other) == name;
        if (!shown) CHECK(acc.first <= std::get<3>(row));
      }
    }
    CHECK(named == std::min<uint64_t>(top, groups.size()));
    CHECK(mine.size() == named + (groups.size() > top ? 1 : 0));
    if (groups.size() > top) CHECK(std::get<5>(mine.back()) == groups.size() - top);
    CHECK(std::make_pair(bytes, objects) == per_gen[gk.first]);
  }

  // And each generation is what a GroupBy fed only that generation's
  // objects gives (ties in the same order).
  for (const auto& [gen, sums] : per_gen) {
    for (GroupKey key : kKeys) {
      GroupBy alone(key, std::nullopt);
      GenerationFilter filter(gen < 0 ? std::nullopt : std::optional<uint64_t>(gen), alone);
      ClassNames names;
      TeeSink tee;
      tee.add(filter);
      tee.add(names);
      CollectingReporter rep;
      read_string(data, tee, rep);
      const Table want = alone.to_table(top, names);
      std::vector<Row> expect;
      for (const auto& w : want.rows) {
        expect.emplace_back(gen, std::string(group_key_name(key)), as_text(w[0]),
                            static_cast<uint64_t>(as_int(w[1])), static_cast<uint64_t>(as_int(w[2])), 1);
      }
      std::vector<Row> mine;
      for (const Row& row : got) {
        if (std::get<0>(row) == gen && std::get<1>(row) == group_key_name(key) &&
            std::get<2>(row) != "<rest>") {
          mine.push_back(row);
        }
      }
      CHECK(mine == expect);
    }
  }
}
