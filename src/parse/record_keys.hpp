// The keys of a dump line that records use, shared by both decoders.
#pragma once

#include <string_view>

#include "heapdump/record.hpp"

namespace heapdump {

enum class Key {
  kOther, kAddress, kType, kClass, kGeneration, kMemsize, kFile, kLine, kMethod, kName,
  kValue, kStruct, kImemoType, kRoot, kReferences, kSingleton
};

/// Which of the keys we use `key` is; one length switch, then one compare.
inline Key key_of(std::string_view key) {
  switch (key.size()) {
    case 4:
      if (key == "type") return Key::kType;
      if (key == "file") return Key::kFile;
      if (key == "line") return Key::kLine;
      if (key == "name") return Key::kName;
      if (key == "root") return Key::kRoot;
      return Key::kOther;
    case 5:
      if (key == "class") return Key::kClass;
      if (key == "value") return Key::kValue;
      return Key::kOther;
    case 6:
      if (key == "method") return Key::kMethod;
      if (key == "struct") return Key::kStruct;
      return Key::kOther;
    case 7:
      if (key == "address") return Key::kAddress;
      if (key == "memsize") return Key::kMemsize;
      return Key::kOther;
    case 9:
      if (key == "singleton") return Key::kSingleton;
      return Key::kOther;
    case 10:
      if (key == "generation") return Key::kGeneration;
      if (key == "references") return Key::kReferences;
      if (key == "imemo_type") return Key::kImemoType;
      return Key::kOther;
    default:
      return Key::kOther;
  }
}

inline RecordKind kind_of(std::string_view type, bool has_address) {
  if (is_literal(type, "ROOT")) return RecordKind::kRoot;
  if (is_literal(type, "SHAPE")) return RecordKind::kShape;
  if (is_literal(type, "NONE")) return RecordKind::kFree;
  if (is_literal(type, "MOVED")) return RecordKind::kMoved;
  return has_address ? RecordKind::kObject : RecordKind::kOther;
}

}  // namespace heapdump
