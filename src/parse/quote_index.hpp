// Finds the end of a line and marks its quotes and special bytes, in one pass.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace heapdump {

#if defined(__SSE2__)
/// The quotes among 16 bytes.
inline __m128i quotes_in(__m128i v) { return _mm_cmpeq_epi8(v, _mm_set1_epi8('"')); }

/// The special bytes among 16 (see LineIndexFn): backslashes, control
/// bytes and non-ASCII bytes. (Signed compare: bytes >= 0x80 are negative,
/// so "< 0x20" catches control and non-ASCII bytes at once.)
inline __m128i specials_in(__m128i v) {
  return _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
}
#endif

/// Returned by a LineIndexFn for a line with no newline within the words
/// it may write.
inline constexpr size_t kLineTooLong = ~size_t{0};

/// Indexes the line that starts at `p`: it ends at the first '\n' before
/// `end`, or at `end`. Sets bit i of quotes[i / 64] when byte i of the line
/// is a quote, clears the other bits of the words it writes, and sets
/// *special non-zero if any byte of the line is a backslash, a control byte
/// (< 0x20) or a non-ASCII byte (>= 0x80). Returns the line's length, '\n'
/// not included; or kLineTooLong if that is `max_words` * 64 or more (then
/// quotes and *special cover only the first max_words * 64 bytes).
/// Writes at most `max_words` words; reads up to 63 bytes past `end`.
using LineIndexFn = size_t (*)(const char* p, const char* end, uint64_t* quotes, size_t max_words,
                               uint64_t* special);

/// The portable version (SSE2 on x86-64, bytes elsewhere).
size_t index_line_baseline(const char* p, const char* end, uint64_t* quotes, size_t max_words,
                           uint64_t* special);
/// AVX2 and AVX-512BW versions: only call them if the CPU has those
/// instructions (the functions below say). Null where not compiled in.
extern const LineIndexFn index_line_avx2;
extern const LineIndexFn index_line_avx512;
bool cpu_has_avx2();
bool cpu_has_avx512bw();

/// The fastest version this CPU runs, chosen once.
LineIndexFn best_line_index();

}  // namespace heapdump
