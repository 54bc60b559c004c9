// Marks the quotes and the special bytes of a line, 64 bytes per word.
#pragma once

#include <cstddef>
#include <cstdint>

namespace heapdump {

/// For the `n` bytes at `p`: sets bit i of quotes[i / 64] when byte i is a
/// quote, and returns a non-zero value if any byte is a backslash, a
/// control byte (< 0x20) or a non-ASCII byte (>= 0x80). Writes
/// (n + 63) / 64 words and reads up to 63 bytes past p + n (they are
/// ignored). n must be > 0.
using QuoteIndexFn = uint64_t (*)(const char* p, size_t n, uint64_t* quotes);

/// The portable version (SSE2 on x86-64, bytes elsewhere).
uint64_t index_quotes_baseline(const char* p, size_t n, uint64_t* quotes);
/// AVX2 and AVX-512BW versions: only call them if the CPU has those
/// instructions (the functions below say). Null where not compiled in.
extern const QuoteIndexFn index_quotes_avx2;
extern const QuoteIndexFn index_quotes_avx512;
bool cpu_has_avx2();
bool cpu_has_avx512bw();

/// The fastest version this CPU runs, chosen once.
QuoteIndexFn best_quote_index();

}  // namespace heapdump
