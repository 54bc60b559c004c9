// Where the location ids of the aggregators merged into one are now.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace heapdump {

/// An aggregator of a family sharing a SightingTable names a first sighting
/// by its owner (the aggregator that saw it) and the location id it had
/// there. This maps the ids of every owner merged into one aggregator (its
/// own too) to that aggregator's location ids.
class OwnerLocations {
 public:
  /// For aggregator `owner`, before any merge: its own ids.
  explicit OwnerLocations(uint32_t owner) { owners_.push_back({owner, true, {}}); }

  /// Takes in the owners of `theirs`, an aggregator merged into this one
  /// whose location id i is this one's `location_map[i]`.
  void merge(const OwnerLocations& theirs, const std::vector<uint32_t>& location_map) {
    for (const Owner& o : theirs.owners_) {
      Owner mine{o.owner, false, {}};
      if (o.identity) {
        mine.ids = location_map;
      } else {
        mine.ids.resize(o.ids.size());
        for (size_t i = 0; i < o.ids.size(); ++i) mine.ids[i] = location_map[o.ids[i]];
      }
      owners_.push_back(std::move(mine));
    }
  }

  /// This aggregator's id for location `location` of `owner`, or false if
  /// that owner was not merged into this one.
  bool find(uint32_t owner, uint32_t location, uint32_t* out) const {
    for (const Owner& o : owners_) {
      if (o.owner != owner) continue;
      *out = o.identity ? location : o.ids[location];
      return true;
    }
    return false;
  }

 private:
  struct Owner {
    uint32_t owner;
    bool identity;              ///< the aggregator's own ids
    std::vector<uint32_t> ids;  ///< else: the owner's id -> this one's
  };
  std::vector<Owner> owners_;
};

}  // namespace heapdump
