#include "analyze/string_pool.hpp"

#include <cstring>

namespace heapdump {

bool StringPool::same(const Slot& slot, std::string_view s) const {
  if (slot.size != s.size()) {
    // (Sizes of 4 GiB and more are kept as UINT32_MAX in the slot.)
    if (slot.size != UINT32_MAX || strings_[slot.id].size() != s.size()) return false;
  }
  if (s.size() <= sizeof slot.head) return same_short(slot.head, s.data(), s.size());
  if (!same_ends<uint64_t>(slot.head + 8, s.data(), 8)) return false;  // the first 8 bytes
  const char* copy;
  std::memcpy(&copy, slot.head, sizeof copy);
  return same_bytes(copy + 8, s.data() + 8, s.size() - 8);
}

void StringPool::grow() { mask_ = grow_table(&slots_); }

void StringPool::reserve(size_t n) {
  strings_.reserve(n);
  hashes_.reserve(n);
  while (n * 4 > slots_.size() * 3) grow();  // the load intern() keeps
}

uint32_t StringPool::intern(std::string_view s, uint64_t h) {
  size_t i = h & mask_;
  for (;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.hash == 0) break;
    if (slot.hash == h && same(slot, s)) return slot.id;
  }
  // New: keep a copy (the caller's view is short-lived).
  const auto id = static_cast<uint32_t>(strings_.size());
  const std::string_view copy = texts_.store(s);
  strings_.push_back(copy);
  hashes_.push_back(h);
  Slot& slot = slots_[i];
  slot.hash = h;
  slot.id = id;
  slot.size = s.size() < UINT32_MAX ? static_cast<uint32_t>(s.size()) : UINT32_MAX;
  if (s.size() <= sizeof slot.head) {
    if (!s.empty()) std::memcpy(slot.head, s.data(), s.size());
  } else {
    const char* where = copy.data();
    std::memcpy(slot.head, &where, sizeof where);
    std::memcpy(slot.head + 8, s.data(), 8);
  }
  if (strings_.size() * 4 > slots_.size() * 3) grow();  // load under 3/4
  return id;
}

}  // namespace heapdump
