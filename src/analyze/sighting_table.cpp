#include "analyze/sighting_table.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>

#include "analyze/huge_page_allocator.hpp"

namespace heapdump {

void* map_zeroed_table(size_t bytes, void** base, size_t* length) {
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

void unmap_table(void* base, size_t length) {
  if (base != nullptr) ::munmap(base, length);
}

std::shared_ptr<ValueSightings> make_value_sightings() { return std::make_shared<ValueSightings>(); }
std::shared_ptr<StringSightings> make_string_sightings() { return std::make_shared<StringSightings>(); }

}  // namespace heapdump
