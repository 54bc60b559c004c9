#include "graph/class_groups.hpp"

#include <string_view>
#include <unordered_map>

#include "analyze/flat_map.hpp"
#include "analyze/keyed_hash.hpp"

namespace heapdump {

ClassGroups class_groups(const ObjectGraph& graph,
                         const std::function<std::string(uint32_t)>& class_of) {
  ClassGroups out;
  const uint32_t n = graph.size();
  out.of.resize(n);
  // Per type id (IMEMO types apart), class address -> group; names from the
  // dump are hashed with the run's key.
  std::vector<FlatMap<uint64_t, uint32_t, U64KeyOps>> ids;
  std::unordered_map<std::string, uint32_t, KeyedStringHash, std::equal_to<>> by_name;
  for (uint32_t v = 0; v < n; ++v) {
    const uint32_t type = graph.type_id(v);
    if (type >= ids.size()) ids.resize(type + 1);
    const uint64_t key = graph.is_tracer(v) ? UINT64_MAX : graph.class_address(v);
    bool inserted = false;
    uint32_t& id = ids[type].find_or_insert(key, &inserted);
    if (inserted) {
      std::string name = class_of(v);
      auto [it, added] = by_name.try_emplace(name, static_cast<uint32_t>(out.names.size()));
      if (added) out.names.push_back(std::move(name));
      id = it->second;
    }
    out.of[v] = id;
  }
  return out;
}

}  // namespace heapdump
