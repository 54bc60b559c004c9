#include "parse/address.hpp"

#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace heapdump {
namespace {

/// Hex digit values; 0xFF for anything else.
constexpr std::array<uint8_t, 256> make_hex_table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<uint8_t>(c - 'A' + 10);
  return t;
}
constexpr std::array<uint8_t, 256> kHex = make_hex_table();

}  // namespace

bool parse_address(std::string_view text, uint64_t* out) {
  if (text.size() < 3 || text.size() > 18 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return false;
  }
  uint64_t value = 0;
  uint8_t bad = 0;
  for (size_t i = 2; i < text.size(); ++i) {
    const uint8_t digit = kHex[static_cast<unsigned char>(text[i])];
    bad |= digit;  // any 0xFF sets the high bit
    value = (value << 4) | (digit & 0x0F);
  }
  if (bad & 0x80) return false;
  *out = value;
  return true;
}

bool parse_address_padded(std::string_view text, uint64_t* out) {
#if defined(__SSE2__) && defined(__x86_64__)
  if (text.size() < 3 || text.size() > 18 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return false;
  }
  const size_t n = text.size() - 2;  // digits
  const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + 2));
  // Signed compares are enough: bytes >= 0x80 are negative and fail both.
  const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
  const __m128i lower = _mm_or_si128(c, _mm_set1_epi8(0x20));
  const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                       _mm_cmplt_epi8(lower, _mm_set1_epi8('f' + 1)));
  const unsigned used = (1u << n) - 1;  // the n digit positions
  const auto valid = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(digit, letter)));
  if ((valid & used) != used) return false;
  // Digit values ('0'-'9' -> 0-9, 'a'-'f' and 'A'-'F' -> 10-15), zero past the digits.
  const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i inside = _mm_cmplt_epi8(iota, _mm_set1_epi8(static_cast<char>(n)));
  __m128i v = _mm_add_epi8(_mm_and_si128(c, _mm_set1_epi8(0x0F)), _mm_and_si128(letter, _mm_set1_epi8(9)));
  v = _mm_and_si128(v, inside);
  // Pairs of digits into bytes (first digit high), then the 8 bytes into
  // one big-endian word: the value as if there were 16 digits.
  const __m128i pairs = _mm_and_si128(_mm_or_si128(_mm_slli_epi16(v, 4), _mm_srli_epi16(v, 8)),
                                      _mm_set1_epi16(0x00FF));
  const auto packed = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_packus_epi16(pairs, pairs)));
  const uint64_t as16 = __builtin_bswap64(packed);
  *out = n == 16 ? as16 : as16 >> (4 * (16 - n));
  return true;
#else
  return parse_address(text, out);
#endif
}

}  // namespace heapdump
