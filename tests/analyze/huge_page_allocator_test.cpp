#include <catch2/catch.hpp>

#include <cstdint>
#include <new>
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

TEST_CASE("HugePageAllocator: whole 2 MB pages are marked, and a last one only if 256 KB of it is used") {
  using A = HugePageAllocator<char>;
  constexpr size_t kMB = size_t{1} << 20;
  // A table of 256 KB to 2 MB: one huge page.
  CHECK(A::huge_advice_length(A::kMinHuge) == 2 * kMB);
  CHECK(A::huge_advice_length(kMB) == 2 * kMB);
  CHECK(A::huge_advice_length(2 * kMB) == 2 * kMB);
  // Power-of-two tables past 2 MB: all of them.
  CHECK(A::huge_advice_length(4 * kMB) == 4 * kMB);
  CHECK(A::huge_advice_length(64 * kMB) == 64 * kMB);
  // A 4 MB chunk buffer and its 64 bytes of padding: not a third huge page
  // for the padding (the reader's ByteBuffer).
  CHECK(A::huge_advice_length(4 * kMB + 64) == 4 * kMB);
  CHECK(A::huge_advice_length(4 * kMB + A::kMinHuge - 1) == 4 * kMB);
  CHECK(A::huge_advice_length(4 * kMB + A::kMinHuge) == 6 * kMB);
  CHECK(A::huge_advice_length(5 * kMB) == 6 * kMB);
}

TEST_CASE("HugePageAllocator: a size past PTRDIFF_MAX, rounding included, is bad_alloc") {
  HugePageAllocator<char> bytes;
  CHECK_THROWS_AS(bytes.allocate(SIZE_MAX), std::bad_alloc);
  CHECK_THROWS_AS(bytes.allocate(static_cast<size_t>(PTRDIFF_MAX) - 1), std::bad_alloc);
  HugePageAllocator<uint64_t> words;
  CHECK_THROWS_AS(words.allocate(SIZE_MAX / 8), std::bad_alloc);
}
