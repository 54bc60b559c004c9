#include "render/units.hpp"

namespace heapdump {

std::string format_kb(uint64_t bytes) {
  const unsigned __int128 tenths = (static_cast<unsigned __int128>(bytes) * 10 + 512) / 1024;
  const auto whole = static_cast<uint64_t>(tenths / 10);
  const auto frac = static_cast<unsigned>(tenths % 10);
  return std::to_string(whole) + "." + std::to_string(frac);
}

int decimal_digits(uint64_t n) {
  int digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

}  // namespace heapdump
