// Heap addresses ("0x7f3a1c2b4d50") as integers, as the parser reads them.
#pragma once

#include <cstdint>
#include <string_view>

#include "heapdump/address.hpp"

namespace heapdump {

/// parse_address(), for a `text` followed by at least 16 readable bytes (any
/// values): all digits are checked and combined at once in SSE2 registers.
bool parse_address_padded(std::string_view text, uint64_t* out);

}  // namespace heapdump
