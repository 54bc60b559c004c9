// Interns strings copied out of short-lived record views.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "analyze/flat_map.hpp"

namespace heapdump {

/// Stores each distinct string once and numbers them 0, 1, 2, ... in order
/// of first insertion. Returned views stay valid for the pool's lifetime.
class StringPool {
 public:
  /// The id of `s`, inserting a copy if it is new.
  uint32_t intern(std::string_view s);
  std::string_view get(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  std::string_view store(std::string_view s);

  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  std::vector<std::string_view> strings_;
  FlatMap<std::string_view, uint32_t, StringKeyOps> ids_;
};

}  // namespace heapdump
