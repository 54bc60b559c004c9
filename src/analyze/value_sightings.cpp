#include "analyze/value_sightings.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "analyze/huge_page_allocator.hpp"

namespace heapdump {
namespace {

constexpr size_t kInitialSlots = 256;
static_assert(kInitialSlots > 0 && (kInitialSlots & (kInitialSlots - 1)) == 0);

/// `bytes` of zeros: from calloc below 2 MB (a huge page for each of the
/// small shards of a small dump would cost more than the table), else in
/// huge pages.
void* allocate_zeroed(size_t bytes) {
  if (bytes < HugePageAllocator<char>::kHuge) {
    void* p = std::calloc(1, bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  char* p = HugePageAllocator<char>().allocate(bytes);
  std::memset(p, 0, bytes);
  return p;
}

void free_slots(void* p) { std::free(p); }  // (both allocations end in free())

}  // namespace

std::shared_ptr<ValueSightings> make_value_sightings() { return std::make_shared<ValueSightings>(); }

ValueSightings::ValueSightings() {
  for (Shard& shard : shards_) {
    shard.slots = static_cast<Slot*>(allocate_zeroed(kInitialSlots * sizeof(Slot)));
    shard.mask = kInitialSlots - 1;
  }
}

ValueSightings::~ValueSightings() {
  for (Shard& shard : shards_) free_slots(shard.slots);
}

void ValueSightings::grow(Shard* shard) {
  const size_t old_size = shard->mask + 1;
  Slot* old = shard->slots;
  const size_t size = old_size * 2;
  Slot* slots = static_cast<Slot*>(allocate_zeroed(size * sizeof(Slot)));
  const size_t mask = size - 1;
  for (size_t k = 0; k < old_size; ++k) {
    const Slot& s = old[k];
    if (s.fp.lo == 0 && s.fp.hi == 0) continue;
    size_t i = s.fp.lo & mask;
    while (slots[i].fp.lo != 0 || slots[i].fp.hi != 0) i = (i + 1) & mask;
    slots[i] = s;
  }
  free_slots(old);
  shard->slots = slots;
  shard->mask = mask;
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
  size_t i = fp.lo & shard.mask;
  for (;; i = (i + 1) & shard.mask) {
    const Slot& s = shard.slots[i];
    if (s.fp == fp) return false;
    if (is_zero(s.fp)) break;
  }
  if ((shard.size + 1) * 4 > (shard.mask + 1) * 3) {  // keep the load under 3/4
    grow(&shard);
    i = fp.lo & shard.mask;
    while (shard.slots[i].fp.lo != 0 || shard.slots[i].fp.hi != 0) i = (i + 1) & shard.mask;
  }
  shard.slots[i] = {fp, sighting};
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
  for (size_t i = fp.lo & shard.mask;; i = (i + 1) & shard.mask) {
    const Slot& s = shard.slots[i];
    if (s.fp == fp) {
      *out = s.sighting;
      return true;
    }
    if (is_zero(s.fp)) return false;
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
