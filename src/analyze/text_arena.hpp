// Copies of strings that outlive the record views they came from.
#pragma once

#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "analyze/huge_page_allocator.hpp"

namespace heapdump {

/// Keeps copies of strings for its own lifetime; never frees one alone.
/// Copies go into blocks of kBlockSize (2 MB, so that the kernel can back
/// each with one huge page and fault it in once), and a string over a
/// quarter of that into a block of its own. Never zero-filled: only copies
/// are written into them.
class TextArena {
 public:
  /// A copy of `s`, valid as long as the arena.
  std::string_view store(std::string_view s) {
    if (s.empty()) return std::string_view();
    HugePageAllocator<char> allocator;
    if (s.size() > kBlockSize / 4) {  // big strings get a block of their own
      char* own = allocator.allocate(s.size());
      std::memcpy(own, s.data(), s.size());
      // Keep the current small-string block last so it can still be filled.
      blocks_.insert(blocks_.empty() ? blocks_.end() : blocks_.end() - 1, Block(own));
      return std::string_view(own, s.size());
    }
    if (blocks_.empty() || block_used_ + s.size() > block_size_) {
      blocks_.push_back(Block(allocator.allocate(kBlockSize)));
      block_used_ = 0;
      block_size_ = kBlockSize;
    }
    char* dst = blocks_.back().get() + block_used_;
    std::memcpy(dst, s.data(), s.size());
    block_used_ += s.size();
    return std::string_view(dst, s.size());
  }

 private:
  struct FreeBlock {
    void operator()(char* p) const { HugePageAllocator<char>().deallocate(p, 0); }
  };
  using Block = std::unique_ptr<char[], FreeBlock>;
  static constexpr size_t kBlockSize = HugePageAllocator<char>::kHuge;
  std::vector<Block> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
};

}  // namespace heapdump
