#include "heapdump/gate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "heapdump/gem.hpp"
#include "heapdump/names.hpp"

namespace heapdump {
namespace {

/// One type's share of a group (for the split of a location).
struct Part {
  std::string type;
  uint128 objects = 0;
  uint128 bytes = 0;
};

struct GateGroup {
  std::optional<std::string> name;  // none: the total
  uint128 objects = 0;
  uint128 bytes = 0;  // exact: sums of memsize can pass 2^64
  std::vector<Part> parts;  // per type, in order of first row (by location only)
};

std::string location_of(const std::vector<Cell>& row) {
  if (is_null(row[3])) return std::string(kNoFileGroup);
  return location_name(as_text(row[3]), !is_null(row[4]),
                       is_null(row[4]) ? 0 : static_cast<uint64_t>(as_int(row[4])));
}

std::vector<GateGroup> groups_of(const Table& t, GateLimits::Scope scope) {
  std::vector<GateGroup> groups;
  std::map<std::string, size_t> index;
  for (const auto& row : t.rows) {
    std::optional<std::string> name;
    switch (scope) {
      case GateLimits::Scope::kTotal:
        break;
      case GateLimits::Scope::kType:
        name = as_text(row[0]);
        break;
      case GateLimits::Scope::kLocation:
        name = location_of(row);
        break;
    }
    auto [it, inserted] = index.try_emplace(name.value_or(""), groups.size());
    if (inserted) groups.push_back({name, 0, 0, {}});
    GateGroup& g = groups[it->second];
    g.objects += as_int(row[1]);
    g.bytes += as_int(row[2]);
    if (scope == GateLimits::Scope::kLocation) {
      auto part = std::find_if(g.parts.begin(), g.parts.end(),
                               [&](const Part& p) { return p.type == as_text(row[0]); });
      if (part == g.parts.end()) part = g.parts.insert(g.parts.end(), Part{as_text(row[0])});
      part->objects += as_int(row[1]);
      part->bytes += as_int(row[2]);
    }
  }
  if (groups.empty() && scope == GateLimits::Scope::kTotal) groups.push_back({});
  return groups;
}

/// "of type STRING", "at a.rb:1 (1800 STRING, 90 ARRAY)", "in total".
template <typename ValueOf>
std::string label_of(const GateGroup& g, GateLimits::Scope scope, ValueOf value_of) {
  switch (scope) {
    case GateLimits::Scope::kTotal:
      return "in total";
    case GateLimits::Scope::kType:
      return "of type " + *g.name;
    case GateLimits::Scope::kLocation:
      break;
  }
  std::vector<const Part*> parts;
  for (const Part& p : g.parts) parts.push_back(&p);
  std::stable_sort(parts.begin(), parts.end(),
                   [&](const Part* a, const Part* b) { return value_of(*a) > value_of(*b); });
  constexpr size_t kShown = 5;
  std::string split;
  for (size_t i = 0; i < parts.size() && i < kShown; ++i) {
    if (i > 0) split += ", ";
    split += decimal(value_of(*parts[i])) + " " + parts[i]->type;
  }
  if (parts.size() > kShown) split += fmt::format(" and {} more {}", parts.size() - kShown, parts.size() - kShown == 1 ? "type" : "types");
  return "at " + *g.name + " (" + split + ")";
}

template <typename ValueOf, typename PartValueOf>
GateVerdict judge(const std::vector<GateGroup>& groups, GateLimits::Scope scope, const char* measure,
                  uint64_t limit, ValueOf value_of, PartValueOf part_value_of) {
  GateVerdict v;
  v.measure = measure;
  v.limit = limit;
  const GateGroup* worst = nullptr;
  for (const GateGroup& g : groups) {
    if (value_of(g) > limit) ++v.groups_over;
    if (worst == nullptr || value_of(g) > value_of(*worst)) worst = &g;
  }
  if (worst == nullptr) return v;
  v.value = value_of(*worst);
  v.group = worst->name;
  if (!v.tripped()) return v;
  const std::string more =
      v.groups_over > 1
          ? fmt::format(" and {} more {}", v.groups_over - 1, v.groups_over == 2 ? "group" : "groups")
          : "";
  v.message = fmt::format("{} new {} {}, limit {} (over by {}){}", decimal(v.value), measure,
                          label_of(*worst, scope, part_value_of), limit, decimal(v.value - limit),
                          more);
  return v;
}

}  // namespace

std::vector<GateVerdict> judge_gates(const Table& diff, const GateLimits& limits) {
  const std::vector<GateGroup> groups = groups_of(diff, limits.scope);
  std::vector<GateVerdict> verdicts;
  if (limits.max_new_objects) {
    verdicts.push_back(judge(
        groups, limits.scope, "objects", *limits.max_new_objects,
        [](const GateGroup& g) { return g.objects; }, [](const Part& p) { return p.objects; }));
  }
  if (limits.max_new_bytes) {
    verdicts.push_back(judge(
        groups, limits.scope, "bytes", *limits.max_new_bytes,
        [](const GateGroup& g) { return g.bytes; }, [](const Part& p) { return p.bytes; }));
  }
  return verdicts;
}

std::string tripped_message(const std::vector<GateVerdict>& verdicts) {
  std::string message;
  for (const GateVerdict& v : verdicts) {
    if (v.message.empty()) continue;
    if (!message.empty()) message += "; ";
    message += v.message;
  }
  return message;
}

std::string check_gates(const Table& diff, const GateLimits& limits) {
  return tripped_message(judge_gates(diff, limits));
}

GateLimits::Scope gate_scope(std::string_view by) {
  return by == "type"       ? GateLimits::Scope::kType
         : by == "location" ? GateLimits::Scope::kLocation
                            : GateLimits::Scope::kTotal;
}

std::string unjudged_reason(bool ended_early, uint64_t skipped_lines, uint64_t objects,
                            uint64_t allowed_skipped) {
  if (ended_early) return "it ended early";
  if (skipped_lines > allowed_skipped) {
    return fmt::format("{} {} skipped (--allow-skipped-lines {} would accept them)", skipped_lines,
                       skipped_lines == 1 ? "line was" : "lines were", skipped_lines);
  }
  if (objects == 0) return "it has no objects";
  return "";
}

Table gate_table(const std::vector<GateVerdict>& verdicts, const GateLimits& limits,
                 std::string_view not_judged) {
  Table t;
  t.name = "gate";
  t.columns = {{"measure", Column::Kind::kText},  {"by", Column::Kind::kText},
               {"limit", Column::Kind::kInteger}, {"value", Column::Kind::kInteger},
               {"group", Column::Kind::kText},    {"groups_over", Column::Kind::kCount},
               {"status", Column::Kind::kText},   {"reason", Column::Kind::kText}};
  const char* by = limits.scope == GateLimits::Scope::kType       ? "type"
                   : limits.scope == GateLimits::Scope::kLocation ? "location"
                                                                  : "total";
  for (const GateVerdict& v : verdicts) {
    const char* status = !not_judged.empty() ? "not judged" : v.tripped() ? "tripped" : "passed";
    t.rows.push_back(make_row(v.measure, std::string(by), v.limit, int_cell(v.value),
                              v.group ? Cell{*v.group} : Cell{}, v.groups_over, std::string(status),
                              not_judged.empty() ? Cell{} : Cell{std::string(not_judged)}));
  }
  return t;
}

Table judge_leak_gate(const Table& diff, const GateLimits& limits,
                      const std::vector<GateInput>& inputs, uint64_t allowed_skipped,
                      GateOutcome* outcome) {
  // A gate judged on a dump that was not read whole would pass a failed
  // copy: say why it cannot be judged instead (README "Leak gates").
  std::string not_judged;
  for (const GateInput& in : inputs) {
    const std::string why =
        unjudged_reason(in.ended_early, in.skipped_lines, in.objects, allowed_skipped);
    if (!why.empty()) {
      not_judged = in.name + ": " + why;
      break;
    }
  }
  const std::vector<GateVerdict> verdicts = judge_gates(diff, limits);
  if (!not_judged.empty()) {
    *outcome = {GateOutcome::Kind::kNotJudged, not_judged};
  } else {
    outcome->detail = tripped_message(verdicts);
    outcome->kind =
        outcome->detail.empty() ? GateOutcome::Kind::kPassed : GateOutcome::Kind::kTripped;
  }
  return gate_table(verdicts, limits, not_judged);
}

}  // namespace heapdump
