#include "heapdump/gate.hpp"

#include <fmt/format.h>

#include <map>
#include <vector>

namespace heapdump {
namespace {

struct Group {
  std::string label;  // "in total", "STRING objects", "at a.rb:1"
  uint128 objects = 0;
  uint128 bytes = 0;  // exact: sums of memsize can pass 2^64
  size_t order = 0;  // first row of the group, to break ties
};

std::vector<Group> groups_of(const Table& t, GateLimits::Scope scope) {
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    std::string key;
    switch (scope) {
      case GateLimits::Scope::kTotal:
        key = "in total";
        break;
      case GateLimits::Scope::kType:
        key = "of type " + as_text(row[0]);
        break;
      case GateLimits::Scope::kLocation:
        key = "at " + (is_null(row[3]) ? std::string() : as_text(row[3])) + ":" +
              (is_null(row[4]) ? std::string() : decimal(as_int(row[4])));
        break;
    }
    auto [it, inserted] = index.try_emplace(key, groups.size());
    if (inserted) groups.push_back({key, 0, 0, i});
    groups[it->second].objects += as_int(row[1]);
    groups[it->second].bytes += as_int(row[2]);
  }
  if (groups.empty() && scope == GateLimits::Scope::kTotal) groups.push_back({"in total", 0, 0, 0});
  return groups;
}

/// The group most over `limit` on `value_of`, as a message, or "".
template <typename ValueOf>
std::string worst(const std::vector<Group>& groups, uint64_t limit, const char* unit,
                  ValueOf value_of) {
  const Group* worst = nullptr;
  size_t tripped = 0;
  for (const Group& g : groups) {
    if (value_of(g) <= limit) continue;
    ++tripped;
    if (worst == nullptr || value_of(g) > value_of(*worst)) worst = &g;
  }
  if (worst == nullptr) return "";
  std::string more =
      tripped > 1 ? fmt::format(" and {} more {}", tripped - 1, tripped == 2 ? "group" : "groups")
                  : "";
  return fmt::format("{} new {} {}, limit {} (over by {}){}", decimal(value_of(*worst)), unit, worst->label,
                     limit, decimal(value_of(*worst) - limit), more);
}

}  // namespace

std::string check_gates(const Table& diff, const GateLimits& limits) {
  const std::vector<Group> groups = groups_of(diff, limits.scope);
  std::string message;
  auto append = [&message](const std::string& part) {
    if (part.empty()) return;
    if (!message.empty()) message += "; ";
    message += part;
  };
  if (limits.max_new_objects) {
    append(worst(groups, *limits.max_new_objects, "objects",
                 [](const Group& g) { return g.objects; }));
  }
  if (limits.max_new_bytes) {
    append(worst(groups, *limits.max_new_bytes, "bytes", [](const Group& g) { return g.bytes; }));
  }
  return message;
}

}  // namespace heapdump
