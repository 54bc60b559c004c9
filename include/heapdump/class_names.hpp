// Class address -> name, from the CLASS and MODULE records of a dump.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "heapdump/sink.hpp"

namespace heapdump {

/// Collects the "name" of every CLASS and MODULE record. Names may appear
/// after the objects that use them, so look them up only after the read.
class ClassNames final : public RecordSink {
 public:
  void on_record(const ObjectRecord& record) override;
  /// Adds the names another instance collected (from another parsing thread).
  void merge(const ClassNames& other);

  /// The class's name, or nullptr if the dump names no CLASS/MODULE at `address`.
  const std::string* find(uint64_t address) const;

  /// The display name: the recorded name, or "#<Class:ADDRESS_TEXT>" when the
  /// address has no named CLASS/MODULE record.
  std::string display(uint64_t address, std::string_view address_text) const;

  size_t size() const { return names_.size(); }

 private:
  struct Entry {
    std::string name;
    uint64_t byte_offset;  ///< of the record that named it: the last one in the file wins
  };
  /// Addresses come from the dump: hashed with this run's key.
  struct AddressHash {
    size_t operator()(uint64_t address) const;
  };
  std::unordered_map<uint64_t, Entry, AddressHash> names_;
};

}  // namespace heapdump
