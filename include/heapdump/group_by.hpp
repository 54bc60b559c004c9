// `read FILE [GEN] --by KEY` and `compare`: memory and objects per group.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/class_names.hpp"
#include "heapdump/drill_down.hpp"
#include "heapdump/names.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// What objects are grouped by.
enum class GroupKey { kLocation, kFile, kGem, kClass, kType, kMethod };

/// "location", "file", "gem", "class", "type", "method".
std::string_view group_key_name(GroupKey key);
/// The key called `name`, or false.
bool parse_group_key(std::string_view name, GroupKey* key);

/// Names of the groups that are not a value from the dump.
inline constexpr std::string_view kNoMethodGroup = "(no method)";

/// One group after names are resolved.
struct Group {
  std::string name;
  uint128 bytes = 0;  ///< sum of memsize: may pass 2^64
  uint64_t objects = 0;
  uint64_t first = 0;  ///< byte offset of the group's first object
  NameKind kind = NameKind::kClass;  ///< class key: what the name stands for
};

/// One generation's groups (GroupBy::generation_groups).
struct GenerationGroup {
  bool has_generation = false;  ///< false: the objects without one ("nil")
  uint64_t generation = 0;
  std::vector<Group> groups;    ///< in order of first appearance
  uint128 bytes = 0;            ///< of all its groups
  uint64_t objects = 0;
};

/// Folds objects into per-group memory (sum of memsize) and object counts.
///
/// The group name of an object, per key:
///  - location: "FILE:LINE" ("FILE:" without a line), as in the drill-down;
///  - file: the "file";
///  - gem: gem_of(file) (include/heapdump/gem.hpp);
///  - class: ObjectNamer's name (heapdump/names.hpp): the class's name,
///    "#<Class:NAME>" for a singleton class, "#<Class:0x…>" for an unnamed
///    one, "<IMEMO_TYPE> (IMEMO)", "(TYPE)", "(allocation tracer)"; several
///    addresses of one name are summed;
///  - type: the "type" ("STRING", ...);
///  - method: the "method", or "(no method)".
/// Objects without a "file" go to the group "(no file)" for the location,
/// file and gem keys.
class GroupBy final : public RecordSink {
 public:
  /// With a selection, only objects it matches that have a "file" (as the
  /// drill-down); without one, every object of the dump. With
  /// `leave_out_tracer`, Ruby's allocation tracer (allocation_tracer.hpp) is
  /// not counted at all (compare's default).
  /// With `by_generation`, the groups are also kept per generation of the
  /// objects (generation_groups()); everything else is unchanged.
  GroupBy(GroupKey key, std::optional<Selection> selection, bool leave_out_tracer = false,
          bool by_generation = false);
  ~GroupBy() override;
  GroupBy(const GroupBy&) = delete;
  GroupBy& operator=(const GroupBy&) = delete;

  void on_record(const ObjectRecord& record) override;
  /// Adds what another GroupBy with the same key and selection folded (from
  /// another parsing thread); first appearances are kept by byte offset.
  void merge(const GroupBy& other);

  GroupKey key() const { return key_; }
  uint64_t selected_objects() const;
  uint128 selected_bytes() const;

  /// Every group, names resolved with `names` (groups of the same name
  /// merged), in order of first appearance.
  std::vector<Group> groups(const ClassNames& names) const;
  /// With by_generation: groups() per generation of the objects, the
  /// generations without objects left out, nil first, then ascending.
  std::vector<GenerationGroup> generation_groups(const ClassNames& names) const;

  /// The GroupBy of key `to` that the same records would give, made from
  /// this one's groups: file or gem from a location GroupBy, type from a
  /// class GroupBy (same selection, tracer rule and by_generation); throws
  /// std::logic_error for any other pair.
  std::unique_ptr<GroupBy> derive(GroupKey to) const;

  /// Table "by_KEY": columns KEY (text), bytes (bytes), objects (count); the
  /// top `top_n` groups by bytes, descending, ties in order of first
  /// appearance. Totals "bytes", "objects": all selected objects.
  /// `group_count`, when given, receives the number of groups before the cut.
  Table to_table(uint64_t top_n, const ClassNames& names, uint64_t* group_count = nullptr) const;

 private:
  /// Folds location, class and method in one hash map and fills a GroupBy
  /// of each from it after the read (src/analyze/group_by_keys.hpp).
  friend class GenerationGroups;
  struct State;
  class Namer;
  GroupKey key_;
  std::optional<Selection> selection_;
  bool leave_out_tracer_;
  bool by_generation_;
  std::unique_ptr<State> state_;
};

}  // namespace heapdump
