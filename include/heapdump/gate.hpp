// Leak gates for CI: limits on what `diff` found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/table.hpp"

namespace heapdump {

/// Limits on the "diff" table. A limit trips when a value is greater than it.
struct GateLimits {
  enum class Scope { kTotal, kType, kLocation };
  std::optional<uint64_t> max_new_objects;
  std::optional<uint64_t> max_new_bytes;
  /// What each limit applies to: all new objects together, each type, or
  /// each allocation site (file:line).
  Scope scope = Scope::kTotal;
};

/// What one limit found.
struct GateVerdict {
  std::string measure;  ///< "objects" or "bytes"
  uint64_t limit = 0;
  /// The largest value of a group (ties: the group seen first in the diff
  /// table): the total for Scope::kTotal; 0 when there is no group.
  uint128 value = 0;
  /// That group: a type, or a location ("FILE:LINE", "FILE:", or
  /// kNoFileGroup); none for Scope::kTotal or when there is no group.
  std::optional<std::string> group;
  uint64_t groups_over = 0;  ///< groups whose value is over the limit
  bool tripped() const { return groups_over > 0; }
  /// When tripped, one line for the user: "1890 new objects at a.rb:79
  /// (1800 STRING, 90 ARRAY), limit 100 (over by 1790)".
  std::string message;
};

/// One verdict per limit given: objects first, then bytes.
std::vector<GateVerdict> judge_gates(const Table& diff, const GateLimits& limits);

/// The messages of the tripped verdicts joined by "; ", or "" if none.
std::string tripped_message(const std::vector<GateVerdict>& verdicts);

/// tripped_message(judge_gates(diff, limits)).
std::string check_gates(const Table& diff, const GateLimits& limits);

/// The scope named by --by: "type", "location", anything else the total.
GateLimits::Scope gate_scope(std::string_view by);

/// Why a gate cannot be judged on one input, or "" if it can: the input
/// ended early (a truncated compressed stream, a cut last line, a file that
/// shrank), has more skipped lines than `allowed_skipped`, or no objects.
std::string unjudged_reason(bool ended_early, uint64_t skipped_lines, uint64_t objects,
                            uint64_t allowed_skipped);

/// Table "gate" of `diff`'s report: one row per verdict (measure, by,
/// limit, value, group, groups_over, status, reason). `not_judged` is why
/// the gate could not be judged ("FILE: it ended early"), or "" when it was.
Table gate_table(const std::vector<GateVerdict>& verdicts, const GateLimits& limits,
                 std::string_view not_judged);

/// One input of a gated command, as the gate needs to know it.
struct GateInput {
  std::string name;  ///< as the user reads it ("<stdin>" for "-")
  bool ended_early = false;
  uint64_t skipped_lines = 0;
  uint64_t objects = 0;
};

/// What a leak gate concluded.
struct GateOutcome {
  enum class Kind { kNone, kPassed, kTripped, kNotJudged };
  Kind kind = Kind::kNone;  ///< kNone: no limit was given
  /// kTripped: tripped_message(); kNotJudged: "NAME: why" (unjudged_reason()).
  std::string detail;
};

/// The gate of `diff` and `report`: judges `limits` on every group of
/// `diff` and returns table "gate"; *outcome is kNotJudged for the first of
/// `inputs` that unjudged_reason() rejects, else kTripped or kPassed.
Table judge_leak_gate(const Table& diff, const GateLimits& limits,
                      const std::vector<GateInput>& inputs, uint64_t allowed_skipped,
                      GateOutcome* outcome);

}  // namespace heapdump
