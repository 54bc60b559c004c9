// Leak gates for CI: limits on what `diff` found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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

/// The worst breach of each tripped limit, as one line for the user
/// ("914 new objects in total, limit 100 (over by 814)"), or "" if none.
std::string check_gates(const Table& diff, const GateLimits& limits);

}  // namespace heapdump
