// The identities of one dump's objects, held compactly for `diff`.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

#include "heapdump/record.hpp"
#include "heapdump/sink.hpp"

namespace heapdump {

/// Maps type names ("STRING", ...) to ids, the same across dumps, numbered
/// in order of first sight after the documented types. Never runs out: a
/// dump with millions of made-up type names gets as many ids (interned in
/// a keyed hash table, so crafted names cannot make it slow).
/// Thread-safe: several parsing threads may share one.
class TypeIds {
 public:
  TypeIds();
  ~TypeIds();
  TypeIds(const TypeIds&) = delete;
  TypeIds& operator=(const TypeIds&) = delete;
  uint32_t id(std::string_view type);
  /// The name of `id`; call when no thread is adding names.
  std::string_view name(uint32_t id) const;

 private:
  /// The documented types as words (load_short(); all are 8 bytes or
  /// less), so a lookup of one compares a word and a size, not strings.
  std::array<uint64_t, 32> fixed_words_{};
  std::array<uint8_t, 32> fixed_sizes_{};
  size_t fixed_ = 0;
  struct Names;                   // every name, fixed ones first
  std::unique_ptr<Names> names_;  // guarded by mu_ for the others
  std::mutex mu_;
};

/// Object identity: address, type and generation (when present). A slot
/// that Ruby freed and reused holds a new identity.
struct Identity {
  uint64_t address;
  /// generation + 1, 0 when absent, or kWideGeneration for a generation of
  /// 0xFFFFFFFE or more, which does not fit: such identities are kept
  /// exactly, as a WideIdentity (see IdentitySet::insert_wide()).
  uint32_t generation;
  uint32_t type;
  static constexpr uint32_t kWideGeneration = UINT32_MAX;
  bool operator==(const Identity& o) const {
    return address == o.address && generation == o.generation && type == o.type;
  }
  bool operator<(const Identity& o) const {
    if (address != o.address) return address < o.address;
    if (generation != o.generation) return generation < o.generation;
    return type < o.type;
  }
};
static_assert(sizeof(Identity) == 16, "Identity must stay 16 bytes");

/// The identity of an object whose generation does not fit Identity.
struct WideIdentity {
  uint64_t address;
  uint64_t generation;
  uint32_t type;
  bool operator==(const WideIdentity& o) const {
    return address == o.address && generation == o.generation && type == o.type;
  }
  bool operator<(const WideIdentity& o) const {
    if (address != o.address) return address < o.address;
    if (generation != o.generation) return generation < o.generation;
    return type < o.type;
  }
};

Identity identity_of(const ObjectRecord& r, TypeIds& types);

/// A set of identities: 16 bytes per object in one array, plus an index for
/// fast lookups. Fill it (insert, or IdentityCollector sinks), then call
/// seal() once.
///
/// A dump lists each heap page's objects in ascending address order, and
/// pages do not overlap, so the array filled from a dump is a few thousand
/// ascending runs whose ranges do not overlap (they come page by page, in
/// whatever order the pages were walked and the parsing threads flushed).
/// seal() then indexes the runs, sorted by their first identity, and
/// leaves the array as it is. Any other order (runs that overlap, or runs
/// too short to be worth indexing) is sorted instead. Either way a bucket
/// index over the address range narrows each lookup.
class IdentitySet {
 public:
  IdentitySet() = default;
  ~IdentitySet();
  IdentitySet(const IdentitySet&) = delete;
  IdentitySet& operator=(const IdentitySet&) = delete;

  /// `id` must not have a wide generation (use insert_wide()).
  void insert(const Identity& id);
  /// Thread-safe: an identity whose generation does not fit Identity. Such
  /// objects are not in real dumps (a process would need 4 billion GC
  /// runs); they are kept apart, exactly, so the main array stays 16 bytes
  /// an object.
  void insert_wide(const WideIdentity& id);
  /// Thread-safe bulk insert (used by IdentityCollector).
  void insert_batch(const Identity* ids, size_t n);
  /// Indexes the runs, or sorts and indexes; required before contains().
  /// When it sorts with `threads` > 1, two halves are sorted at once and
  /// then merged (the sort runs between reading the two dumps of `diff`).
  void seal(unsigned threads = 1);

  /// Where the last identity found was: lookups that come in the order
  /// the set was filled (the same objects, listed in the same order in a
  /// later dump) are then one compare each. One per caller thread.
  struct Hint {
    size_t next = 0;
  };
  bool contains(const Identity& id, Hint* hint) const;
  bool contains(const Identity& id) const {
    Hint unused;
    return contains(id, &unused);
  }
  bool contains_wide(const WideIdentity& id) const {
    return std::binary_search(wide_.begin(), wide_.end(), id);
  }
  /// Whether the object of `record` (whose identity_of() is `id`) is in
  /// the set, exact for wide generations too.
  bool contains(const Identity& id, const ObjectRecord& record, Hint* hint) const {
    if (id.generation == Identity::kWideGeneration) return contains_wide({record.address, record.generation, id.type});
    return contains(id, hint);
  }
  size_t size() const { return size_ + wide_.size(); }
  /// After seal(): identities whose address an earlier one (in address
  /// order) already has. A sound dump has none: each object has its own
  /// address.
  size_t repeated_addresses() const { return repeated_addresses_; }
  /// After seal(): the number of indexed runs, or 0 if the array was sorted
  /// instead (for tests and measurements).
  size_t runs() const { return runs_.size(); }

 private:
  /// An ascending run of identities: data_[begin, end), starting with `first`.
  struct Run {
    Identity first;
    size_t begin;
    size_t end;
  };
  void reserve_for(size_t n);
  /// Fills runs_ if data_ is ascending runs that do not overlap (after
  /// splitting a few), kMinRun long or more on average; returns false
  /// (runs_ empty) otherwise.
  bool index_runs();
  void sort_and_bucket(unsigned threads);
  /// Adds to repeated_addresses_ the repeats that involve wide_.
  void count_wide_repeats();

  std::mutex mu_;
  Identity* data_ = nullptr;  // malloc/realloc: pages are resident only once touched
  size_t size_ = 0;
  size_t capacity_ = 0;
  uint64_t min_ = 0;
  unsigned shift_ = 0;
  // Bucket b starts at data_[buckets_[b]], or with runs: at runs_[buckets_[b]].
  std::vector<uint32_t> buckets_;
  std::vector<Run> runs_;  // sorted by first; empty if data_ was sorted
  std::vector<WideIdentity> wide_;  // sorted by seal()
  bool sealed_ = false;
  size_t repeated_addresses_ = 0;
};

/// A RecordSink that adds each object's identity to an IdentitySet, in
/// batches, so several parsing threads can fill one set.
class IdentityCollector final : public RecordSink {
 public:
  IdentityCollector(IdentitySet& set, TypeIds& types) : set_(set), types_(types) {}
  ~IdentityCollector() override { flush(); }
  void on_record(const ObjectRecord& record) override;
  /// Moves buffered identities into the set; call before IdentitySet::seal().
  void flush();
  /// The highest generation of the objects seen, if any has one.
  std::optional<uint64_t> highest_generation() const {
    return has_generation_ ? std::optional<uint64_t>(highest_generation_) : std::nullopt;
  }

 private:
  IdentitySet& set_;
  TypeIds& types_;
  std::vector<Identity> buffer_;
  bool has_generation_ = false;
  uint64_t highest_generation_ = 0;
};

}  // namespace heapdump
