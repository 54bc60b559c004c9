// One line of JSON -> ObjectRecord, with a reason when the line is invalid.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "heapdump/record.hpp"

namespace heapdump {

/// Decodes dump lines with simdjson's on-demand API. The whole line is
/// validated (every value is walked), so a line is either fully valid JSON
/// or rejected with a reason; nothing is guessed.
class RecordDecoder {
 public:
  /// Parses `text`, whose buffer stays readable for at least
  /// `readable_after` bytes past its end (must be >= simdjson::SIMDJSON_PADDING).
  /// On success fills *record (its views live until the next decode()).
  /// On failure returns false and sets *reason to a one-line explanation.
  bool decode(std::string_view text, size_t readable_after, ObjectRecord* record,
              std::string* reason);

 private:
  simdjson::ondemand::parser parser_;
};

}  // namespace heapdump
