#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "heapdump/group_by.hpp"
#include "analyze/group_dump.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

namespace {

// kGroupDump (group_dump.hpp), counted by hand below.
const std::string& kDump = kGroupDump;

using Rows = std::vector<std::tuple<std::string, uint64_t, uint64_t>>;

Rows rows(const Table& t) {
  Rows out;
  for (const auto& r : t.rows) out.emplace_back(as_text(r[0]), as_int(r[1]), as_int(r[2]));
  return out;
}

Table group(GroupKey key, std::optional<Selection> sel, uint64_t top_n = 50,
            size_t chunk = 1 << 20) {
  GroupBy g(key, sel);
  ClassNames names;
  TeeSink tee;
  tee.add(g);
  tee.add(names);
  CollectingReporter rep;
  read_string(kDump, tee, rep, chunk);
  return g.to_table(top_n, names);
}

}  // namespace

TEST_CASE("GroupBy: every object, by each key") {
  // 0x1..0x7 and the three classes: 10 objects, 202 bytes.
  Table t = group(GroupKey::kGem, std::nullopt);
  CHECK(t.name == "by_gem");
  CHECK(t.columns[0].name == "gem");
  CHECK(t.total("objects") == 10);
  CHECK(t.total("bytes") == 202);
  // (no file): 0x7 100 + 0xc1 0 + 0xc3 0; app: a.rb 30+20+5+7+0; rack 10; ruby/lib 30.
  CHECK(rows(t) == Rows{{"(no file)", 100, 3}, {"app", 62, 5}, {"ruby/lib", 30, 1},
                        {"rack-2.2.4", 10, 1}});
  CHECK(rows(group(GroupKey::kType, std::nullopt)) ==
        Rows{{"NODE", 100, 1}, {"STRING", 70, 3}, {"ARRAY", 20, 1}, {"DATA", 7, 1},
             {"IMEMO", 5, 1}, {"CLASS", 0, 3}});
  // Classes (heapdump/names.hpp): IMEMO by imemo_type, the DATA proc by its
  // class (Foo: 30 + 7), "Dup" summed over two addresses, a class address
  // with no CLASS record (0xc9) and no class at all by type; CLASS records
  // have no "class" here.
  CHECK(rows(group(GroupKey::kClass, std::nullopt)) ==
        Rows{{"(NODE)", 100, 1}, {"Dup", 40, 2}, {"Foo", 37, 2}, {"(ARRAY)", 20, 1},
             {"<env> (IMEMO)", 5, 1}, {"(CLASS)", 0, 3}});
  CHECK(rows(group(GroupKey::kMethod, std::nullopt)) ==
        Rows{{"(no method)", 142, 7}, {"go", 50, 2}, {"call", 10, 1}});
  CHECK(rows(group(GroupKey::kLocation, std::nullopt)) ==
        Rows{{"(no file)", 100, 3}, {"a.rb:1", 57, 3}, {"/usr/lib/ruby/3.1.0/set.rb:", 30, 1},
             {"/g/gems/rack-2.2.4/lib/r.rb:2", 10, 1}, {"a.rb:2", 5, 1}, {"a.rb:9", 0, 1}});
  CHECK(rows(group(GroupKey::kFile, std::nullopt)) ==
        Rows{{"(no file)", 100, 3}, {"a.rb", 62, 5}, {"/usr/lib/ruby/3.1.0/set.rb", 30, 1},
             {"/g/gems/rack-2.2.4/lib/r.rb", 10, 1}});
}

TEST_CASE("GroupBy: a selection keeps traced objects of the generations; ties; top N") {
  Selection range;
  range.all = false;
  range.range = true;
  range.generation = 1;
  range.last = 2;
  Table t = group(GroupKey::kGem, range);
  CHECK(t.total("objects") == 5);
  CHECK(t.total("bytes") == 72);
  CHECK(rows(t) == Rows{{"app", 62, 4}, {"rack-2.2.4", 10, 1}});
  Selection all;
  CHECK(group(GroupKey::kType, all).total("objects") == 7);  // 0x1-0x6 and 0xc2
  // Ties (0 bytes) keep the order of first appearance; top_n cuts.
  CHECK(rows(group(GroupKey::kType, std::nullopt, 2)) == Rows{{"NODE", 100, 1}, {"STRING", 70, 3}});
}

TEST_CASE("GroupBy: to_table gives the number of groups before the cut") {
  GroupBy g(GroupKey::kType, std::nullopt);
  ClassNames names;
  TeeSink tee;
  tee.add(g);
  tee.add(names);
  CollectingReporter rep;
  read_string(kDump, tee, rep);
  uint64_t count = 0;
  CHECK(g.to_table(2, names, &count).rows.size() == 2);
  CHECK(count == 6);  // NODE, STRING, ARRAY, DATA, IMEMO, CLASS
  // Classes: "Dup" of two addresses is one group.
  GroupBy c(GroupKey::kClass, std::nullopt);
  TeeSink tee2;
  tee2.add(c);
  read_string(kDump, tee2, rep);
  CHECK(c.to_table(50, names, &count).rows.size() == 6);
  CHECK(count == 6);
}

TEST_CASE("GroupBy: merge gives the same table for any split of the input") {
  for (GroupKey key : {GroupKey::kLocation, GroupKey::kFile, GroupKey::kGem, GroupKey::kClass,
                       GroupKey::kType, GroupKey::kMethod}) {
    const Table whole = group(key, std::nullopt);
    // Feed lines alternately to two aggregators, merge the second into the first.
    GroupBy a(key, std::nullopt), b(key, std::nullopt);
    ClassNames na, nb;
    TeeSink ta, tb;
    ta.add(a);
    ta.add(na);
    tb.add(b);
    tb.add(nb);
    CollectingReporter rep;
    size_t line_no = 0;
    class Alternate final : public RecordSink {
     public:
      Alternate(RecordSink& x, RecordSink& y, size_t* n) : x_(x), y_(y), n_(n) {}
      void on_record(const ObjectRecord& r) override { ((*n_)++ % 2 ? y_ : x_).on_record(r); }

     private:
      RecordSink& x_;
      RecordSink& y_;
      size_t* n_;
    } alternate(tb, ta, &line_no);  // the later half first, as a thread might
    read_string(kDump, alternate, rep);
    a.merge(b);
    na.merge(nb);
    INFO(group_key_name(key));
    CHECK(rows(a.to_table(50, na)) == rows(whole));
    CHECK(a.selected_objects() == 10);
  }
}

TEST_CASE("parse_group_key and group_key_name round-trip") {
  for (const char* name : {"location", "file", "gem", "class", "type", "method"}) {
    GroupKey k;
    REQUIRE(parse_group_key(name, &k));
    CHECK(group_key_name(k) == name);
  }
  GroupKey k;
  CHECK_FALSE(parse_group_key("string", &k));
}

TEST_CASE("GroupBy class: Ruby's allocation tracer is '(allocation tracer)'") {
  const std::string dump =
      "{\"address\":\"0x1\", \"type\":\"DATA\", \"class\":\"0xc1\", "
      "\"struct\":\"ObjectTracing/allocation_info_tracer\", \"memsize\":4000}\n"
      "{\"address\":\"0x2\", \"type\":\"DATA\", \"class\":\"0xc1\", \"struct\":\"proc\", \"memsize\":80}\n"
      "{\"address\":\"0xc1\", \"type\":\"CLASS\", \"name\":\"Object\", \"memsize\":0}\n";
  GroupBy g(GroupKey::kClass, std::nullopt);
  ClassNames names;
  TeeSink tee;
  tee.add(g);
  tee.add(names);
  CollectingReporter rep;
  read_string(dump, tee, rep);
  CHECK(rows(g.to_table(50, names)) ==
        Rows{{"(allocation tracer)", 4000, 1}, {"Object", 80, 1}, {"(CLASS)", 0, 1}});
}

TEST_CASE("GroupBy by_generation: the same groups, and each generation's") {
  for (GroupKey key : {GroupKey::kClass, GroupKey::kLocation, GroupKey::kGem, GroupKey::kFile,
                       GroupKey::kType, GroupKey::kMethod}) {
    for (size_t chunk : {size_t{64}, size_t{1} << 20}) {
      GroupBy plain(key, std::nullopt), split(key, std::nullopt, false, true);
      ClassNames names;
      TeeSink tee;
      tee.add(plain);
      tee.add(split);
      tee.add(names);
      CollectingReporter rep;
      read_string(kDump, tee, rep, chunk);
      const Table a = plain.to_table(50, names), b = split.to_table(50, names);
      CHECK(a.rows == b.rows);
      CHECK(a.totals == b.totals);
    }
  }
  GroupBy g(GroupKey::kType, std::nullopt, false, true);
  ClassNames names;
  CollectingReporter rep;
  read_string(kDump, g, rep);
  const std::vector<GenerationGroup> gens = g.generation_groups(names);
  // nil: 0x7 NODE, 0xc1 and 0xc3 CLASS; 1: 0x1 STRING, 0x2 STRING, 0x5
  // IMEMO; 2: ARRAY, DATA; 3: STRING; 4: CLASS (0xc2).
  REQUIRE(gens.size() == 5);
  CHECK(!gens[0].has_generation);
  CHECK(gens[0].bytes == 100);
  CHECK(gens[0].objects == 3);
  CHECK(gens[0].groups.size() == 2);
  CHECK(gens[1].has_generation);
  CHECK(gens[1].generation == 1);
  REQUIRE(gens[1].groups.size() == 2);
  CHECK(gens[1].groups[0].name == "STRING");  // first seen
  CHECK(gens[1].groups[0].bytes == 40);
  CHECK(gens[1].groups[0].objects == 2);
  CHECK(gens[1].groups[1].name == "IMEMO");
  CHECK(gens[4].generation == 4);
  CHECK(gens[4].objects == 1);
  // Without by_generation there is no split.
  GroupBy flat(GroupKey::kType, std::nullopt);
  read_string(kDump, flat, rep);
  CHECK(flat.generation_groups(names).empty());
}

TEST_CASE("GroupBy derive: file and gem from location, type from class, as if folded") {
  const std::pair<GroupKey, GroupKey> pairs[] = {{GroupKey::kLocation, GroupKey::kFile},
                                                 {GroupKey::kLocation, GroupKey::kGem},
                                                 {GroupKey::kClass, GroupKey::kType}};
  for (bool by_generation : {false, true}) {
    for (const auto& [from, to] : pairs) {
      GroupBy source(from, std::nullopt, false, by_generation), direct(to, std::nullopt, false, by_generation);
      ClassNames names;
      TeeSink tee;
      tee.add(source);
      tee.add(direct);
      tee.add(names);
      CollectingReporter rep;
      read_string(kDump, tee, rep, 64);
      const std::unique_ptr<GroupBy> made = source.derive(to);
      CHECK(made->key() == to);
      const Table a = made->to_table(50, names), b = direct.to_table(50, names);
      CHECK(a.name == b.name);
      CHECK(a.rows == b.rows);
      CHECK(a.totals == b.totals);
      const auto ga = made->generation_groups(names), gb = direct.generation_groups(names);
      REQUIRE(ga.size() == gb.size());
      for (size_t i = 0; i < ga.size(); ++i) {
        CHECK(ga[i].generation == gb[i].generation);
        REQUIRE(ga[i].groups.size() == gb[i].groups.size());
        for (size_t j = 0; j < ga[i].groups.size(); ++j) {
          CHECK(ga[i].groups[j].name == gb[i].groups[j].name);
          CHECK(ga[i].groups[j].bytes == gb[i].groups[j].bytes);
          CHECK(ga[i].groups[j].first == gb[i].groups[j].first);
        }
      }
    }
  }
  GroupBy method(GroupKey::kMethod, std::nullopt);
  CHECK_THROWS_AS(method.derive(GroupKey::kFile), std::logic_error);
  GroupBy location(GroupKey::kLocation, std::nullopt);
  CHECK_THROWS_AS(location.derive(GroupKey::kType), std::logic_error);
}
