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

void populate_table(void* p, size_t bytes) {
#if defined(MADV_POPULATE_WRITE)
  ::madvise(p, bytes, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)bytes;
#endif
}

void move_table_pages(void* from, size_t bytes, void* to, void* from_base, size_t from_length, void* to_base,
                      size_t to_length) {
  if (::mremap(from, bytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED) {
    unmap_table(to_base, to_length);
    throw std::bad_alloc();
  }
  // Only what is left around the table: the table's old addresses are
  // free now, and another thread may have mapped something there.
  char* const start = static_cast<char*>(from_base);
  char* const table = static_cast<char*>(from);
  char* const end = start + from_length;
  if (table > start) unmap_table(start, static_cast<size_t>(table - start));
  if (table + bytes < end) unmap_table(table + bytes, static_cast<size_t>(end - (table + bytes)));
}

void unmap_table(void* base, size_t length) {
  if (base != nullptr) ::munmap(base, length);
}

std::shared_ptr<ValueSightings> make_value_sightings() { return std::make_shared<ValueSightings>(); }
std::shared_ptr<StringSightings> make_string_sightings() { return std::make_shared<StringSightings>(); }

}  // namespace heapdump
