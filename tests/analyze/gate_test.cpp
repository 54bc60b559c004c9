#include <catch2/catch.hpp>

#include "heapdump/gate.hpp"

using namespace heapdump;

namespace {

// Two STRING sites (100 + 20 objects) and one HASH site (30 objects):
// 150 objects, 8,000 bytes in total.
Table sample() {
  Table t;
  t.name = "diff";
  t.rows = {{std::string("STRING"), uint64_t{100}, uint64_t{4000}, std::string("a.rb"), uint64_t{1}},
            {std::string("HASH"), uint64_t{30}, uint64_t{3200}, std::string("a.rb"), uint64_t{1}},
            {std::string("STRING"), uint64_t{20}, uint64_t{800}, Cell{}, Cell{}}};
  return t;
}

}  // namespace

TEST_CASE("gates on the total: at the limit passes, one over trips") {
  GateLimits limits;
  limits.max_new_objects = 150;
  CHECK(check_gates(sample(), limits).empty());
  limits.max_new_objects = 149;
  CHECK(check_gates(sample(), limits) == "150 new objects in total, limit 149 (over by 1)");
  limits.max_new_objects.reset();
  limits.max_new_bytes = 8000;
  CHECK(check_gates(sample(), limits).empty());
  limits.max_new_bytes = 7999;
  CHECK(check_gates(sample(), limits) == "8000 new bytes in total, limit 7999 (over by 1)");
  limits.max_new_objects = 0;
  CHECK(check_gates(sample(), limits) ==
        "150 new objects in total, limit 0 (over by 150); 8000 new bytes in total, limit 7999 (over by 1)");
}

TEST_CASE("gates per type and per location name the worst group") {
  GateLimits limits;
  limits.scope = GateLimits::Scope::kType;
  limits.max_new_objects = 120;  // STRING has 100 + 20 = 120
  CHECK(check_gates(sample(), limits).empty());
  limits.max_new_objects = 29;
  CHECK(check_gates(sample(), limits) ==
        "120 new objects of type STRING, limit 29 (over by 91) and 1 more group");
  limits.scope = GateLimits::Scope::kLocation;
  limits.max_new_objects = 130;  // a.rb:1 has 130
  CHECK(check_gates(sample(), limits).empty());
  limits.max_new_objects = 129;
  CHECK(check_gates(sample(), limits) ==
        "130 new objects at a.rb:1 (100 STRING, 30 HASH), limit 129 (over by 1)");
  limits.max_new_objects = 19;  // "(no file)" has 20 too
  CHECK(check_gates(sample(), limits) ==
        "130 new objects at a.rb:1 (100 STRING, 30 HASH), limit 19 (over by 111) and 1 more group");
  limits.max_new_objects.reset();
  limits.max_new_bytes = 100;  // the split is by the measure judged: bytes here
  CHECK(check_gates(sample(), limits) ==
        "7200 new bytes at a.rb:1 (4000 STRING, 3200 HASH), limit 100 (over by 7100) and 1 more group");
}

TEST_CASE("gates on an empty diff never trip, even at limit 0") {
  Table empty;
  GateLimits limits;
  limits.max_new_objects = 0;
  limits.max_new_bytes = 0;
  CHECK(check_gates(empty, limits).empty());
  limits.scope = GateLimits::Scope::kType;
  CHECK(check_gates(empty, limits).empty());
}

TEST_CASE("a location's split lists its types by the measure, largest first, ties in row order") {
  Table t;
  t.name = "diff";
  // One site: ARRAY 90, STRING 1800, HASH 90 (ties with ARRAY, later), then
  // four more types: six types in all, five shown.
  const std::vector<std::pair<std::string, uint64_t>> types = {
      {"ARRAY", 90}, {"STRING", 1800}, {"HASH", 90}, {"A", 1}, {"B", 1}, {"C", 1}};
  for (const auto& [type, n] : types) {
    t.rows.push_back({type, n, n * 40, std::string("x.rb"), uint64_t{79}});
  }
  t.rows.push_back({std::string("STRING"), uint64_t{5}, uint64_t{200}, Cell{}, Cell{}});
  GateLimits limits;
  limits.scope = GateLimits::Scope::kLocation;
  limits.max_new_objects = 1000;
  CHECK(check_gates(t, limits) ==
        "1983 new objects at x.rb:79 (1800 STRING, 90 ARRAY, 90 HASH, 1 A, 1 B and 1 more type), "
        "limit 1000 (over by 983)");
  limits.max_new_objects = 4;  // the site without a file trips too: it is named as such
  const auto verdicts = judge_gates(t, limits);
  REQUIRE(verdicts.size() == 1);
  CHECK(verdicts[0].groups_over == 2);
  CHECK(verdicts[0].value == 1983);
  CHECK(verdicts[0].group == std::optional<std::string>("x.rb:79"));
  limits.max_new_objects = 1983;
  CHECK(judge_gates(t, limits)[0].groups_over == 0);
  CHECK(judge_gates(t, limits)[0].message.empty());
}

TEST_CASE("verdicts: the largest group's value even when within the limit; the gate table") {
  GateLimits limits;
  limits.scope = GateLimits::Scope::kType;
  limits.max_new_objects = 500;
  limits.max_new_bytes = 4000;
  const auto verdicts = judge_gates(sample(), limits);
  REQUIRE(verdicts.size() == 2);
  CHECK(verdicts[0].measure == "objects");
  CHECK(verdicts[0].value == 120);  // STRING: 100 + 20
  CHECK(verdicts[0].group == std::optional<std::string>("STRING"));
  CHECK(!verdicts[0].tripped());
  CHECK(verdicts[1].measure == "bytes");
  CHECK(verdicts[1].value == 4800);  // STRING: 4000 + 800
  CHECK(verdicts[1].groups_over == 1);
  const Table judged = gate_table(verdicts, limits, "");
  REQUIRE(judged.rows.size() == 2);
  CHECK(as_text(judged.rows[0][1]) == "type");
  CHECK(as_int(judged.rows[0][2]) == 500);
  CHECK(as_text(judged.rows[0][6]) == "passed");
  CHECK(is_null(judged.rows[0][7]));
  CHECK(as_text(judged.rows[1][6]) == "tripped");
  const Table unjudged = gate_table(verdicts, limits, "b.json: it ended early");
  CHECK(as_text(unjudged.rows[1][6]) == "not judged");
  CHECK(as_text(unjudged.rows[1][7]) == "b.json: it ended early");
  // By total with no rows: one verdict of 0, no group.
  limits.scope = GateLimits::Scope::kTotal;
  const auto empty = judge_gates(Table{}, limits);
  CHECK(empty[0].value == 0);
  CHECK(!empty[0].group);
}

TEST_CASE("unjudged_reason and gate_scope, shared by diff and report") {
  CHECK(unjudged_reason(false, 0, 10, 0).empty());
  CHECK(unjudged_reason(true, 0, 10, 0) == "it ended early");
  CHECK(unjudged_reason(false, 1, 10, 0) ==
        "1 line was skipped (--allow-skipped-lines 1 would accept them)");
  CHECK(unjudged_reason(false, 3, 10, 2) ==
        "3 lines were skipped (--allow-skipped-lines 3 would accept them)");
  CHECK(unjudged_reason(false, 2, 10, 2).empty());
  CHECK(unjudged_reason(false, 0, 0, 0) == "it has no objects");
  CHECK(gate_scope("type") == GateLimits::Scope::kType);
  CHECK(gate_scope("location") == GateLimits::Scope::kLocation);
  CHECK(gate_scope("") == GateLimits::Scope::kTotal);
}

TEST_CASE("judge_leak_gate: the first input that cannot be judged wins over any verdict") {
  GateLimits limits;
  limits.max_new_objects = 149;  // trips on sample()
  const size_t status = 6;       // column "status" of table "gate"
  GateOutcome outcome;
  std::vector<GateInput> inputs = {{"a.json", false, 0, 10}, {"b.json", false, 0, 10}};
  Table gate = judge_leak_gate(sample(), limits, inputs, 0, &outcome);
  CHECK(outcome.kind == GateOutcome::Kind::kTripped);
  CHECK(outcome.detail == "150 new objects in total, limit 149 (over by 1)");
  REQUIRE(gate.rows.size() == 1);
  CHECK(gate.columns[status].name == "status");
  CHECK(std::get<std::string>(gate.rows[0][status]) == "tripped");

  limits.max_new_objects = 150;
  judge_leak_gate(sample(), limits, inputs, 0, &outcome);
  CHECK(outcome.kind == GateOutcome::Kind::kPassed);
  CHECK(outcome.detail.empty());

  // b.json has 3 skipped lines (2 allowed), and a later input ended early:
  // the first is named.
  inputs[1].skipped_lines = 3;
  inputs.push_back({"<stdin>", true, 0, 10});
  gate = judge_leak_gate(sample(), limits, inputs, 2, &outcome);
  CHECK(outcome.kind == GateOutcome::Kind::kNotJudged);
  CHECK(outcome.detail == "b.json: " + unjudged_reason(false, 3, 10, 2));
  CHECK(std::get<std::string>(gate.rows[0][status]) == "not judged");
  inputs[1].skipped_lines = 2;
  judge_leak_gate(sample(), limits, inputs, 2, &outcome);
  CHECK(outcome.detail == "<stdin>: it ended early");
}
