#include "analyze/string_pool.hpp"

#include <cstring>

namespace heapdump {

namespace {
constexpr size_t kBlockSize = size_t{1} << 20;
}

std::string_view StringPool::store(std::string_view s) {
  if (s.empty()) return std::string_view();
  if (s.size() > kBlockSize / 4) {  // big strings get a block of their own
    auto block = std::make_unique<char[]>(s.size());
    std::memcpy(block.get(), s.data(), s.size());
    std::string_view view(block.get(), s.size());
    // Keep the current small-string block last so it can still be filled.
    blocks_.insert(blocks_.empty() ? blocks_.end() : blocks_.end() - 1, std::move(block));
    return view;
  }
  if (blocks_.empty() || block_used_ + s.size() > block_size_) {
    blocks_.push_back(std::make_unique<char[]>(kBlockSize));
    block_used_ = 0;
    block_size_ = kBlockSize;
  }
  char* dst = blocks_.back().get() + block_used_;
  std::memcpy(dst, s.data(), s.size());
  block_used_ += s.size();
  return std::string_view(dst, s.size());
}

uint32_t StringPool::intern(std::string_view s) {
  if (const uint32_t* id = ids_.find(s)) return *id;
  // New: the map must key on our copy, not on the caller's short-lived view.
  const std::string_view stored = store(s);
  const auto id = static_cast<uint32_t>(strings_.size());
  strings_.push_back(stored);
  bool inserted = false;
  ids_.find_or_insert(stored, &inserted) = id;
  return id;
}

}  // namespace heapdump
