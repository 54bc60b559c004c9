// Heap addresses ("0x7f3a1c2b4d50") as integers.
#pragma once

#include <cstdint>
#include <string_view>

namespace heapdump {

/// Parses "0x" followed by 1 to 16 hex digits (any case) into *out.
/// Returns false for anything else. Addresses vary in length between
/// platforms (12 digits on x86-64, 9 on macOS arm64), so no width is assumed.
bool parse_address(std::string_view text, uint64_t* out);

/// The same, for a `text` followed by at least 16 readable bytes (any
/// values): all digits are checked and combined at once in SSE2 registers.
bool parse_address_padded(std::string_view text, uint64_t* out);

}  // namespace heapdump
