#include "parse/quote_index.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HEAPDUMP_X86_DISPATCH 1
#endif

namespace heapdump {
namespace {

/// Keeps only the bits of the last word that belong to the n bytes.
inline uint64_t keep_mask(size_t w, size_t words, size_t n) {
  if (w + 1 == words && (n & 63) != 0) return (uint64_t{1} << (n & 63)) - 1;
  return ~uint64_t{0};
}

}  // namespace

uint64_t index_quotes_baseline(const char* p, size_t n, uint64_t* quotes) {
  const size_t words = (n + 63) / 64;
  uint64_t special = 0;
  for (size_t w = 0; w < words; ++w, p += 64) {
    uint64_t q = 0, s = 0;
#if defined(__SSE2__)
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches
      // control and non-ASCII bytes at once.
      const __m128i sp = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
      q |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))))) << (16 * k);
      s |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(sp))) << (16 * k);
    }
#else
    for (int k = 0; k < 64; ++k) {
      const auto b = static_cast<unsigned char>(p[k]);
      q |= static_cast<uint64_t>(b == '"') << k;
      s |= static_cast<uint64_t>(b == '\\' || b < 0x20 || b >= 0x80) << k;
    }
#endif
    const uint64_t keep = keep_mask(w, words, n);
    quotes[w] = q & keep;
    special |= s & keep;
  }
  return special;
}

#if defined(HEAPDUMP_X86_DISPATCH)
namespace {

__attribute__((target("avx2"))) inline uint64_t bits_of(__m256i m) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(m));
}

__attribute__((target("avx2"))) uint64_t avx2_version(const char* p, size_t n, uint64_t* quotes) {
  const size_t words = (n + 63) / 64;
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  const __m256i limit = _mm256_set1_epi8(0x20);
  uint64_t special = 0;
  for (size_t w = 0; w < words; ++w, p += 64) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    // Signed compare, as above: limit > byte for control and non-ASCII bytes.
    const uint64_t q = bits_of(_mm256_cmpeq_epi8(lo, quote)) | bits_of(_mm256_cmpeq_epi8(hi, quote)) << 32;
    const uint64_t s =
        bits_of(_mm256_or_si256(_mm256_cmpeq_epi8(lo, backslash), _mm256_cmpgt_epi8(limit, lo))) |
        bits_of(_mm256_or_si256(_mm256_cmpeq_epi8(hi, backslash), _mm256_cmpgt_epi8(limit, hi))) << 32;
    const uint64_t keep = keep_mask(w, words, n);
    quotes[w] = q & keep;
    special |= s & keep;
  }
  return special;
}

__attribute__((target("avx512f,avx512bw"))) uint64_t avx512_version(const char* p, size_t n, uint64_t* quotes) {
  const size_t words = (n + 63) / 64;
  const __m512i quote = _mm512_set1_epi8('"');
  const __m512i backslash = _mm512_set1_epi8('\\');
  const __m512i limit = _mm512_set1_epi8(0x20);
  uint64_t special = 0;
  for (size_t w = 0; w < words; ++w, p += 64) {
    const __m512i v = _mm512_loadu_si512(p);
    const uint64_t q = _mm512_cmpeq_epi8_mask(v, quote);
    const uint64_t s = _mm512_cmpeq_epi8_mask(v, backslash) | _mm512_cmplt_epi8_mask(v, limit);
    const uint64_t keep = keep_mask(w, words, n);
    quotes[w] = q & keep;
    special |= s & keep;
  }
  return special;
}

}  // namespace

const QuoteIndexFn index_quotes_avx2 = avx2_version;
const QuoteIndexFn index_quotes_avx512 = avx512_version;
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }
bool cpu_has_avx512bw() { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"); }
#else
const QuoteIndexFn index_quotes_avx2 = nullptr;
const QuoteIndexFn index_quotes_avx512 = nullptr;
bool cpu_has_avx2() { return false; }
bool cpu_has_avx512bw() { return false; }
#endif

QuoteIndexFn best_quote_index() {
  static const QuoteIndexFn best = []() -> QuoteIndexFn {
#if defined(HEAPDUMP_X86_DISPATCH)
    if (cpu_has_avx512bw()) return avx512_version;
    if (cpu_has_avx2()) return avx2_version;
#endif
    return &index_quotes_baseline;
  }();
  return best;
}

}  // namespace heapdump
