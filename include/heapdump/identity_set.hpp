// The identities of one dump's objects, held compactly for `diff`.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/sink.hpp"

namespace heapdump {

/// Maps type names ("STRING", ...) to small ids, the same across dumps.
/// Thread-safe: several parsing threads may share one.
class TypeIds {
 public:
  TypeIds();
  uint8_t id(std::string_view type);
  std::string_view name(uint8_t id) const { return names_[id]; }

 private:
  std::array<std::string, 256> names_;
  /// names_[0, fixed_) as words (load_short(); all are 8 bytes or less),
  /// so a lookup compares a word and a size, not strings.
  std::array<uint64_t, 32> fixed_words_{};
  std::array<uint8_t, 32> fixed_sizes_{};
  size_t fixed_ = 0;          // names_[0, fixed_) never change
  std::atomic<size_t> count_{0};
  std::mutex mu_;             // guards appends after fixed_
};

/// Object identity: address, type and generation (when present). A slot
/// that Ruby freed and reused holds a new identity.
struct Identity {
  uint64_t address;
  uint32_t generation;  ///< generation + 1, or 0 when absent (saturates)
  uint8_t type;
  uint8_t pad[3] = {0, 0, 0};
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

  void insert(const Identity& id);
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
  size_t size() const { return size_; }
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

  std::mutex mu_;
  Identity* data_ = nullptr;  // malloc/realloc: pages are resident only once touched
  size_t size_ = 0;
  size_t capacity_ = 0;
  uint64_t min_ = 0;
  unsigned shift_ = 0;
  // Bucket b starts at data_[buckets_[b]], or with runs: at runs_[buckets_[b]].
  std::vector<uint32_t> buckets_;
  std::vector<Run> runs_;  // sorted by first; empty if data_ was sorted
  bool sealed_ = false;
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

 private:
  IdentitySet& set_;
  TypeIds& types_;
  std::vector<Identity> buffer_;
};

}  // namespace heapdump
