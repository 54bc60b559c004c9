// `diff BEFORE AFTER [RETAINED]`: objects new in AFTER, grouped by site.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "heapdump/identity_set.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Streams AFTER: each object whose identity is not in `before` (and, when
/// `retained` is given, is in it) is counted by (type, file, line).
class DiffAggregator final : public RecordSink {
 public:
  /// `on_reported` (optional) receives the raw line of each reported object.
  DiffAggregator(TypeIds& types, const IdentitySet& before, const IdentitySet* retained,
                 std::function<void(std::string_view)> on_reported = {});
  ~DiffAggregator() override;
  DiffAggregator(const DiffAggregator&) = delete;
  DiffAggregator& operator=(const DiffAggregator&) = delete;

  void on_record(const ObjectRecord& record) override;
  /// Adds another aggregator's groups (from another parsing thread).
  void merge(const DiffAggregator& other);

  enum class Sort { kCount, kBytes };
  /// Table "diff": type, objects, bytes, file (null if none), line (null if
  /// none); by `sort` (count or bytes) descending, ties in order of first
  /// appearance in AFTER; the first `lines` rows. Totals: "objects",
  /// "bytes", of all groups (shown or not). With `leave_out_tracer`, new
  /// objects that are Ruby's allocation tracer (allocation_tracer.hpp) are
  /// not counted (what the leak gates judge by default).
  Table to_table(Sort sort = Sort::kCount, uint64_t lines = UINT64_MAX,
                 bool leave_out_tracer = false) const;
  /// Groups (type, file, line) with a new object: the rows of to_table()
  /// with every line and the tracer counted.
  size_t group_count() const;
  /// The highest generation of AFTER's objects (all of them, new or not),
  /// if any has one.
  std::optional<uint64_t> highest_generation() const;
  /// From now on also keeps the address of each new object (for the
  /// retained sizes of what is new: `report`, heapdump/new_retained.hpp);
  /// 8 bytes an object. merge() gathers them too.
  void keep_new_addresses() { keep_addresses_ = true; }
  /// The addresses kept, in no particular order.
  std::vector<uint64_t>& new_addresses() { return new_addresses_; }
  /// New objects that are Ruby's allocation tracer, and their memsize.
  uint64_t new_tracer_objects() const;
  uint128 new_tracer_bytes() const;

 private:
  struct State;
  TypeIds& types_;
  const IdentitySet& before_;
  const IdentitySet* retained_;
  bool keep_addresses_ = false;
  std::vector<uint64_t> new_addresses_;
  IdentitySet::Hint before_hint_, retained_hint_;
  std::function<void(std::string_view)> on_reported_;
  std::unique_ptr<State> state_;
};

}  // namespace heapdump
