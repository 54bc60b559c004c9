#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "analyze/huge_page_allocator.hpp"

using namespace heapdump;

namespace {
bool aligned_to_huge_page(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % HugePageAllocator<char>::kHuge == 0;
}
}  // namespace

TEST_CASE("HugePageAllocator: arrays from 256 KB up start on a 2 MB boundary") {
  HugePageAllocator<uint64_t> allocator;
  constexpr size_t kMin = HugePageAllocator<uint64_t>::kMinHuge / sizeof(uint64_t);
  for (size_t n : {kMin, kMin + 1, size_t{2} << 20 >> 3, (size_t{2} << 20 >> 3) + 1, size_t{5} << 20 >> 3}) {
    uint64_t* p = allocator.allocate(n);
    CHECK(aligned_to_huge_page(p));
    // The whole array is usable: write its first and last elements.
    p[0] = 1;
    p[n - 1] = 2;
    CHECK(p[0] + p[n - 1] == 3);
    allocator.deallocate(p, n);
  }
}

TEST_CASE("HugePageAllocator: small arrays come from malloc, and a growing vector keeps its contents") {
  HugePageAllocator<uint32_t> allocator;
  // Below the bound nothing is rounded up: two small arrays are not both
  // 2 MB-aligned (malloc packs them), which a rounded allocation would be.
  uint32_t* a = allocator.allocate(16);
  uint32_t* b = allocator.allocate(16);
  CHECK_FALSE((aligned_to_huge_page(a) && aligned_to_huge_page(b)));
  allocator.deallocate(a, 16);
  allocator.deallocate(b, 16);

  std::vector<uint32_t, HugePageAllocator<uint32_t>> v;
  for (uint32_t i = 0; i < 1'000'000; ++i) v.push_back(i * 7);  // through both kinds
  CHECK(aligned_to_huge_page(v.data()));
  bool same = true;
  for (uint32_t i = 0; i < v.size(); ++i) same = same && v[i] == i * 7;
  CHECK(same);
}
