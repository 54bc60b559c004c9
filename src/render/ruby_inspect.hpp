// Ruby's String#inspect for a UTF-8 string, as heapy prints duplicate strings.
#pragma once

#include <string>
#include <string_view>

namespace heapdump {

/// Quotes and escapes `bytes` the way Ruby's String#inspect does for a
/// UTF-8 string: \" \\ by name; '#' before '{', '$' or '@' as \#; U+2028 and
/// U+2029 as \u2028, \u2029; and, by the terminal rule of
/// include/heapdump/terminal_text.hpp, controls as \n \t \r \f \v \b \a \e or
/// \u0001 (upper-case hex), invalid UTF-8 bytes as \xFF. Other valid
/// non-ASCII as is. Unlike Ruby, the bidirectional controls (U+202A..U+202E,
/// U+2066..U+2069) and every C1 control are escaped too (README, "Differences
/// from heapy").
std::string ruby_inspect(std::string_view bytes);

}  // namespace heapdump
