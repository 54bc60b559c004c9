#include "parse/address.hpp"

#include <array>

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

}  // namespace heapdump
