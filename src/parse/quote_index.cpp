#include "parse/quote_index.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HEAPDUMP_X86_DISPATCH 1
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace heapdump {
namespace {

/// The masks of one 64-byte block, bit i for byte i.
struct BlockMasks {
  uint64_t quote;
  uint64_t special;  ///< backslash, control (newline included) or non-ASCII
  uint64_t newline;
};

/// Folds one block into the index. Returns true when the line ends in it
/// (at a newline, or at `end`), with *length set.
__attribute__((always_inline)) inline bool fold_block(const BlockMasks& m, size_t w, const char* block, const char* p,
                       const char* end, uint64_t* quotes, uint64_t* special, size_t* length) {
  const auto room = static_cast<size_t>(end - block);
  const uint64_t inside = room >= 64 ? ~uint64_t{0} : (uint64_t{1} << room) - 1;
  const uint64_t newline = m.newline & inside;
  if (newline != 0) {
    const int k = __builtin_ctzll(newline);
    const uint64_t keep = (uint64_t{1} << k) - 1;
    quotes[w] = m.quote & keep;
    *special |= m.special & keep;
    *length = 64 * w + static_cast<size_t>(k);
    return true;
  }
  quotes[w] = m.quote & inside;
  *special |= m.special & inside;
  if (room < 64) {
    *length = static_cast<size_t>(end - p);
    return true;
  }
  return false;
}

/// The loop every version shares; `masks(block)` computes one block's masks.
template <typename Masks>
__attribute__((always_inline)) inline size_t index_with(const char* p, const char* end, uint64_t* quotes, size_t max_words,
                         uint64_t* special, Masks masks) {
  uint64_t s = 0;
  if (p >= end) {
    *special = 0;
    return 0;
  }
  for (size_t w = 0; w < max_words; ++w) {
    const char* block = p + 64 * w;
    size_t length = 0;
    if (fold_block(masks(block), w, block, p, end, quotes, &s, &length)) {
      *special = s;
      return length;
    }
  }
  *special = s;
  return kLineTooLong;
}

}  // namespace

size_t index_line_baseline(const char* p, const char* end, uint64_t* quotes, size_t max_words,
                           uint64_t* special) {
  return index_with(p, end, quotes, max_words, special, [](const char* block) {
    BlockMasks m{0, 0, 0};
#if defined(__SSE2__)
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * k));
      auto bits = [](__m128i x) { return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(x))); };
      m.quote |= bits(quotes_in(v)) << (16 * k);
      m.special |= bits(specials_in(v)) << (16 * k);
      m.newline |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))) << (16 * k);
    }
#else
    for (int k = 0; k < 64; ++k) {
      const auto b = static_cast<unsigned char>(block[k]);
      m.quote |= static_cast<uint64_t>(b == '"') << k;
      m.special |= static_cast<uint64_t>(b == '\\' || b < 0x20 || b >= 0x80) << k;
      m.newline |= static_cast<uint64_t>(b == '\n') << k;
    }
#endif
    return m;
  });
}

#if defined(HEAPDUMP_X86_DISPATCH)
namespace {

__attribute__((target("avx2"), always_inline)) inline uint64_t bits_of(__m256i m) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(m));
}

__attribute__((target("avx2"), always_inline)) inline BlockMasks avx2_masks(const char* block) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 32));
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  const __m256i limit = _mm256_set1_epi8(0x20);
  const __m256i newline = _mm256_set1_epi8('\n');
  // Signed compare, as in specials_in(): limit > byte for control and
  // non-ASCII bytes.
  BlockMasks m;
  m.quote = bits_of(_mm256_cmpeq_epi8(lo, quote)) | bits_of(_mm256_cmpeq_epi8(hi, quote)) << 32;
  m.special = bits_of(_mm256_or_si256(_mm256_cmpeq_epi8(lo, backslash), _mm256_cmpgt_epi8(limit, lo))) |
              bits_of(_mm256_or_si256(_mm256_cmpeq_epi8(hi, backslash), _mm256_cmpgt_epi8(limit, hi))) << 32;
  m.newline = bits_of(_mm256_cmpeq_epi8(lo, newline)) | bits_of(_mm256_cmpeq_epi8(hi, newline)) << 32;
  return m;
}

__attribute__((target("avx2"))) size_t avx2_version(const char* p, const char* end, uint64_t* quotes,
                                                     size_t max_words, uint64_t* special) {
  return index_with(p, end, quotes, max_words, special, avx2_masks);
}

__attribute__((target("avx512f,avx512bw"), always_inline)) inline BlockMasks avx512_masks(const char* block) {
  const __m512i v = _mm512_loadu_si512(block);
  BlockMasks m;
  m.quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
  m.special = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\')) |
              _mm512_cmplt_epi8_mask(v, _mm512_set1_epi8(0x20));
  m.newline = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
  return m;
}

__attribute__((target("avx512f,avx512bw"))) size_t avx512_version(const char* p, const char* end,
                                                                   uint64_t* quotes, size_t max_words,
                                                                   uint64_t* special) {
  return index_with(p, end, quotes, max_words, special, avx512_masks);
}

}  // namespace

const LineIndexFn index_line_avx2 = avx2_version;
const LineIndexFn index_line_avx512 = avx512_version;
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }
bool cpu_has_avx512bw() { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"); }
#else
const LineIndexFn index_line_avx2 = nullptr;
const LineIndexFn index_line_avx512 = nullptr;
bool cpu_has_avx2() { return false; }
bool cpu_has_avx512bw() { return false; }
#endif

LineIndexFn best_line_index() {
  static const LineIndexFn best = []() -> LineIndexFn {
#if defined(HEAPDUMP_X86_DISPATCH)
    if (cpu_has_avx512bw()) return avx512_version;
    if (cpu_has_avx2()) return avx2_version;
#endif
    return &index_line_baseline;
  }();
  return best;
}

}  // namespace heapdump
