// Ruby's String#inspect for a UTF-8 string, as heapy prints duplicate strings.
#pragma once

#include <string>
#include <string_view>

namespace heapdump {

/// Quotes and escapes `bytes` the way Ruby's String#inspect does for a
/// UTF-8 string: \n \t \r \f \v \b \a \e \" \\ by name; '#' before '{', '$'
/// or '@' as \#; other control characters and DEL as \u0001 (upper-case
/// hex); valid non-ASCII as is (except U+2028/U+2029, which Ruby escapes);
/// invalid UTF-8 bytes as \xFF.
std::string ruby_inspect(std::string_view bytes);

}  // namespace heapdump
