// Heap addresses ("0x7f3a1c2b4d50") as integers: as a dump writes them and
// as a user types them (`path TARGET`). format_address() (names.hpp) is the
// other way.
#pragma once

#include <cstdint>
#include <string_view>

namespace heapdump {

/// Parses "0x" followed by 1 to 16 hex digits (any case) into *out.
/// Returns false for anything else. Addresses vary in length between
/// platforms (12 digits on x86-64, 9 on macOS arm64), so no width is assumed.
/// (src/parse/address.cpp)
bool parse_address(std::string_view text, uint64_t* out);

}  // namespace heapdump
