// What the text renderers share: number formatting, finding a table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/table.hpp"

namespace heapdump {

/// bytes / 1024 with exactly one decimal, rounded half up:
/// tenths = floor((10 * bytes + 512) / 1024). 256 -> "0.3", 0 -> "0.0".
std::string format_kb(uint128 bytes);

/// Number of decimal digits of n (1 for 0).
int decimal_digits(uint128 n);

/// The table called `name` of a command's tables; std::logic_error (an
/// internal error: the command made no such table) when there is none.
const Table& table_named(const std::vector<Table>& tables, std::string_view name);

}  // namespace heapdump
