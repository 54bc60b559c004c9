// Class address -> name, from the CLASS and MODULE records of a dump.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "heapdump/sink.hpp"

namespace heapdump {

/// Collects the "name" of every CLASS and MODULE record, and for every such
/// record (named or not) its class and singleton flag, which
/// heapdump/names.hpp uses to name singleton classes. Names may appear
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

  /// What the dump says about one CLASS or MODULE record, named or not.
  struct ClassRecord {
    uint64_t class_address = 0;  ///< its own "class" (0 when absent)
    bool has_class = false;
    bool singleton = false;  ///< "singleton":true (Ruby >= 3.1)
    uint64_t byte_offset = 0;
  };
  /// The CLASS/MODULE record at `address` (the last in the file), or nullptr.
  const ClassRecord* find_class(uint64_t address) const;
  /// Calls f(address, record) for every CLASS/MODULE record, in no order.
  template <typename F>
  void for_each_class(F&& f) const {
    for (const auto& [address, record] : classes_) f(address, record);
  }

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
  std::unordered_map<uint64_t, ClassRecord, AddressHash> classes_;
};

}  // namespace heapdump
