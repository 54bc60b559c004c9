#include "render/units.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace heapdump {

std::string decimal(uint128 v) {
  char buf[40];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  return std::string(p, buf + sizeof buf);
}

std::string decimal(int128 v) {
  if (v >= 0) return decimal(static_cast<uint128>(v));
  return "-" + decimal(static_cast<uint128>(0) - static_cast<uint128>(v));
}

std::string format_kb(uint128 bytes) {
  // floor((10 * bytes + 512) / 1024) without overflow for any 128-bit sum:
  // bytes = 1024 q + r, so 10 * bytes + 512 = 10240 q + (10 r + 512).
  const uint128 tenths = bytes / 1024 * 10 + (bytes % 1024 * 10 + 512) / 1024;
  return decimal(tenths / 10) + "." + decimal(tenths % 10);
}

int decimal_digits(uint128 n) {
  int digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

const Table& table_named(const std::vector<Table>& tables, std::string_view name) {
  for (const Table& t : tables) {
    if (t.name == name) return t;
  }
  throw std::logic_error(fmt::format("no table '{}' to render", name));
}

}  // namespace heapdump
