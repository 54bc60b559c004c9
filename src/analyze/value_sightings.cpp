#include "analyze/value_sightings.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>

#include "analyze/huge_page_allocator.hpp"

namespace heapdump {
namespace {

constexpr size_t kInitialSlots = 256;  // 8 KB
static_assert(kInitialSlots > 0 && (kInitialSlots & (kInitialSlots - 1)) == 0);

/// `bytes` (a power of two, 8 KB or more) of zeros, mapped on their own
/// and given back to the system by release(): a table freed by malloc would
/// stay in its heap (which kept some 40 MB of the tables' earlier sizes on
/// the distinct-strings dump, bench/RESULTS.md). From 2 MB on the mapping
/// is 2 MB-aligned and asks for transparent huge pages: the slots are read
/// at random.
void* map_zeroed(size_t bytes, void** base, size_t* length) {
  constexpr size_t kHuge = HugePageAllocator<char>::kHuge;
  const bool huge = bytes >= kHuge;
  *length = huge ? bytes + kHuge : bytes;
  void* p = ::mmap(nullptr, *length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  *base = p;
  if (!huge) return p;
  const auto aligned = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) / kHuge * kHuge;
#if defined(MADV_HUGEPAGE)
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void*>(aligned);
}

void release(void* base, size_t length) {
  if (base != nullptr) ::munmap(base, length);
}

}  // namespace

std::shared_ptr<ValueSightings> make_value_sightings() { return std::make_shared<ValueSightings>(); }

ValueSightings::ValueSightings() {
  for (Shard& shard : shards_) {
    shard.slots = static_cast<Slot*>(map_zeroed(kInitialSlots * sizeof(Slot), &shard.map_base, &shard.map_length));
    shard.mask = kInitialSlots - 1;
  }
}

ValueSightings::~ValueSightings() {
  for (Shard& shard : shards_) release(shard.map_base, shard.map_length);
}

void ValueSightings::grow(Shard* shard) {
  const size_t old_size = shard->mask.load(std::memory_order_relaxed) + 1;
  const Slot* old = shard->slots.load(std::memory_order_relaxed);
  const size_t size = old_size * 2;
  void* base = nullptr;
  size_t length = 0;
  Slot* slots = static_cast<Slot*>(map_zeroed(size * sizeof(Slot), &base, &length));
  const size_t mask = size - 1;
  for (size_t k = 0; k < old_size; ++k) {
    const Slot& s = old[k];
    if (is_zero(s.fp)) continue;
    size_t i = s.fp.lo & mask;
    while (!is_zero(slots[i].fp)) i = (i + 1) & mask;
    slots[i] = s;
  }
  shard->slots.store(slots, std::memory_order_relaxed);
  shard->mask.store(mask, std::memory_order_relaxed);
  release(shard->map_base, shard->map_length);
  shard->map_base = base;
  shard->map_length = length;
}

bool ValueSightings::first_sighting(const Fingerprint& fp, const Sighting& sighting) {
  Shard& shard = shards_[fp.hi >> 60];
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (is_zero(fp)) {
    if (shard.has_zero) return false;
    shard.has_zero = true;
    shard.zero = sighting;
    return true;
  }
  Slot* slots = shard.slots.load(std::memory_order_relaxed);
  size_t mask = shard.mask.load(std::memory_order_relaxed);
  size_t i = fp.lo & mask;
  for (;; i = (i + 1) & mask) {
    if (slots[i].fp == fp) return false;
    if (is_zero(slots[i].fp)) break;
  }
  if ((shard.size + 1) * 4 > (mask + 1) * 3) {  // keep the load under 3/4
    grow(&shard);
    slots = shard.slots.load(std::memory_order_relaxed);
    mask = shard.mask.load(std::memory_order_relaxed);
    i = fp.lo & mask;
    while (!is_zero(slots[i].fp)) i = (i + 1) & mask;
  }
  slots[i] = {fp, sighting};
  ++shard.size;
  return true;
}

bool ValueSightings::find(const Fingerprint& fp, Sighting* out) const {
  const Shard& shard = shards_[fp.hi >> 60];
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (is_zero(fp)) {
    if (shard.has_zero) *out = shard.zero;
    return shard.has_zero;
  }
  const Slot* slots = shard.slots.load(std::memory_order_relaxed);
  const size_t mask = shard.mask.load(std::memory_order_relaxed);
  for (size_t i = fp.lo & mask;; i = (i + 1) & mask) {
    if (slots[i].fp == fp) {
      *out = slots[i].sighting;
      return true;
    }
    if (is_zero(slots[i].fp)) return false;
  }
}

size_t ValueSightings::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    n += shard.size + (shard.has_zero ? 1 : 0);
  }
  return n;
}

}  // namespace heapdump
