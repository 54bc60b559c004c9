// Number formatting shared by the text renderer.
#pragma once

#include <cstdint>
#include <string>

#include "heapdump/table.hpp"

namespace heapdump {

/// bytes / 1024 with exactly one decimal, rounded half up:
/// tenths = floor((10 * bytes + 512) / 1024). 256 -> "0.3", 0 -> "0.0".
std::string format_kb(uint128 bytes);

/// Number of decimal digits of n (1 for 0).
int decimal_digits(uint128 n);

}  // namespace heapdump
