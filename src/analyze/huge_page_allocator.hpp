// An allocator that asks for transparent huge pages for big arrays.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace heapdump {

/// For the hash tables of the aggregators, which grow to tens of
/// megabytes and are read at random: with 4 KB pages nearly every lookup
/// also misses the TLB. Arrays of kMinHuge (256 KB) or more are rounded up
/// to whole 2 MB pages, 2 MB-aligned and marked MADV_HUGEPAGE (a hint; the
/// kernel may ignore it) as far as huge_advice_length() says. Smaller ones
/// come from malloc. The reader's chunk buffers (ByteBuffer) come from
/// here too, so filling a 4 MB chunk takes a few page faults instead of a
/// thousand.
///
/// Why from 256 KB and not from 2 MB: a table that doubles from 256 KB
/// to 2 MB in 4 KB pages takes about a thousand page faults, and each of
/// them costs far more than zeroing its page on a virtual machine. With
/// the lower bound `read FILE all` on the 1 GB benchmark dump takes 1.4k
/// faults instead of 3.3k at 1 thread and 1.6k instead of 6.5k at 2 (see
/// bench/RESULTS.md); the price is up to 2 MB per array, untouched parts
/// included, once it passes 256 KB.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kHuge = size_t{2} << 20;
  static constexpr size_t kMinHuge = kHuge / 8;

  /// How much of an array of `bytes` (kMinHuge or more) is marked for huge
  /// pages: its whole 2 MB pages, and the last, partial one only if the
  /// array uses kMinHuge of it or more. So a table of 256 KB to 2 MB gets
  /// one huge page, and a 4 MB chunk buffer with its 64 bytes of padding
  /// gets two, not a third 2 MB page for the padding.
  static constexpr size_t huge_advice_length(size_t bytes) {
    const size_t whole = bytes / kHuge * kHuge;
    return bytes - whole >= kMinHuge ? whole + kHuge : whole;
  }

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    // No object may be larger than PTRDIFF_MAX bytes, rounding included.
    if (n > (static_cast<size_t>(PTRDIFF_MAX) - kHuge) / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = n * sizeof(T);
    if (bytes < kMinHuge) {
      void* p = std::malloc(bytes == 0 ? 1 : bytes);
      if (p == nullptr) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
    const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    ::madvise(p, huge_advice_length(bytes), MADV_HUGEPAGE);
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const { return false; }
};

}  // namespace heapdump
