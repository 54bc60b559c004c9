// The identities of one dump's objects, held compactly for `diff`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/sink.hpp"

namespace heapdump {

/// Maps type names ("STRING", ...) to small ids, the same across dumps.
class TypeIds {
 public:
  TypeIds();
  uint8_t id(std::string_view type);
  std::string_view name(uint8_t id) const { return names_[id]; }

 private:
  std::vector<std::string> names_;
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

/// A set of identities: 16 bytes per object in one sorted array, plus a
/// small bucket index over the address range for fast lookups.
/// Collect with on_record() (a RecordSink), then call seal() once.
class IdentitySet final : public RecordSink {
 public:
  explicit IdentitySet(TypeIds& types) : types_(types) {}
  ~IdentitySet() override;
  IdentitySet(const IdentitySet&) = delete;
  IdentitySet& operator=(const IdentitySet&) = delete;

  void on_record(const ObjectRecord& record) override;
  void insert(const Identity& id);
  /// Sorts and indexes; required before contains().
  void seal();
  bool contains(const Identity& id) const;
  size_t size() const { return size_; }

 private:
  TypeIds& types_;
  Identity* data_ = nullptr;  // malloc/realloc: pages are resident only once touched
  size_t size_ = 0;
  size_t capacity_ = 0;
  uint64_t min_ = 0;
  unsigned shift_ = 0;
  std::vector<uint32_t> buckets_;  // bucket b starts at data_[buckets_[b]]
  bool sealed_ = false;
};

}  // namespace heapdump
