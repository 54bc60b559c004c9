// `heapdump report FILE`: what each GC generation allocated, per group key,
// so the page can filter its allocation tables to one generation without
// the raw objects.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "heapdump/class_names.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Folds objects into one GroupBy per key that also keeps its groups per
/// generation of the objects (during the read, one hash map keyed by the
/// location, class and method groups and the generation of each object;
/// the GroupBys are made from it after the last merge) (objects without one: the "nil" generation,
/// as GenerationSummary): the objects of a generation grouped as `read FILE
/// --by KEY` groups every object. For a generation whose objects all have
/// allocation info (a "file"), that is what `read FILE GEN --by KEY` counts;
/// objects of a generation without one are under "(no file)" (location,
/// file, gem). Every object counts once per key, so a generation's rows sum
/// to its row in "generations".
class GenerationGroups final : public RecordSink {
 public:
  /// `keys`: the keys to group by, each once. With `leave_out_tracer`, Ruby's
  /// allocation tracer is not counted (as GroupBy's).
  explicit GenerationGroups(std::vector<GroupKey> keys, bool leave_out_tracer = false);
  ~GenerationGroups() override;
  GenerationGroups(const GenerationGroups&) = delete;
  GenerationGroups& operator=(const GenerationGroups&) = delete;

  void on_record(const ObjectRecord& record) override;
  /// Adds another GenerationGroups' counts with the same keys (from another
  /// parsing thread).
  void merge(const GenerationGroups& other);

  /// Every object grouped by `key` (one of the keys): the same groups, sums
  /// and first appearances (groups(), to_table()) as one GroupBy(key, no
  /// selection) fed every record. (Only the location, class and method
  /// groups are folded; file and gem are made from the location groups,
  /// type from the class groups, when first asked for after the last
  /// merge.)
  const GroupBy& all(GroupKey key) const;

  /// Table "generation_groups": for at most `max_generations` generations
  /// (the ones with the most bytes, ties to the lower generation, nil
  /// first), and for each key, the top `top_n` groups by bytes (ties in
  /// order of first appearance), then, when more groups remain, one row
  /// holding them all. Columns: generation (integer, null = nil), key
  /// (text), group (text; null in the row of the rest), bytes, objects,
  /// groups (count: 1, or how many the row of the rest holds). Rows by
  /// generation ascending (nil first), then key in the given order. So a
  /// generation's rows of one key sum exactly to the generation's bytes and
  /// objects. Totals: "generations" (with rows here), "top" (top_n).
  Table to_table(const ClassNames& names, uint64_t top_n, uint64_t max_generations) const;

 private:
  struct State;
  std::vector<GroupKey> keys_;
  std::vector<GroupKey> base_keys_;  // folded: location, class, method (at most these three)
  bool leave_out_tracer_;
  std::unique_ptr<State> state_;
  mutable std::vector<std::unique_ptr<GroupBy>> base_;     // one per base key, by generation, made once
  mutable std::vector<std::unique_ptr<GroupBy>> derived_;  // per key: file, gem, type, made once

};

}  // namespace heapdump
