#include "parse/record_decoder.hpp"

#include "parse/address.hpp"

namespace heapdump {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

std::string describe(error_code e) {
  switch (e) {
    case simdjson::TAPE_ERROR:
      return "invalid JSON structure (a missing or extra comma, brace, bracket or quote)";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "JSON ends in the middle of an object or array";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::UNESCAPED_CHARS:
      return "unescaped control character inside a string";
    case simdjson::STRING_ERROR:
      return "invalid string (bad escape sequence)";
    case simdjson::NUMBER_ERROR:
      return "invalid number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
    case simdjson::INCORRECT_TYPE:
      return "invalid JSON value";
    case simdjson::DEPTH_ERROR:
      return "JSON nested too deeply";
    case simdjson::CAPACITY:
      return "line too long for the JSON parser (over 4 GiB)";
    case simdjson::EMPTY:
      return "no JSON on the line";
    default:
      return std::string("invalid JSON (") + simdjson::error_message(e) + ")";
  }
}

/// Walks a value we do not use, checking that it is valid JSON.
error_code validate(od::value value) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (auto e = value.get_object().get(obj)) return e;
      for (auto field_result : obj) {
        od::field field;
        if (auto e = std::move(field_result).get(field)) return e;
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        if (auto e = validate(field.value())) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array arr;
      if (auto e = value.get_array().get(arr)) return e;
      for (auto element : arr) {
        od::value v;
        if (auto e = std::move(element).get(v)) return e;
        if (auto e = validate(v)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return value.get_string().get(s);
    }
    case od::json_type::number: {
      od::number n;
      return value.get_number().get(n);
    }
    case od::json_type::boolean: {
      bool b;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = value.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

/// Reads a non-negative integer that fits in 64 bits; null means absent.
bool read_count(od::value value, std::string_view key, uint64_t* out, bool* present,
                std::string* reason) {
  od::json_type type;
  if (auto e = value.type().get(type)) {
    *reason = describe(e);
    return false;
  }
  if (type == od::json_type::null) {
    if (auto e = validate(value)) {
      *reason = describe(e);
      return false;
    }
    *present = false;
    return true;
  }
  if (type != od::json_type::number) {
    if (auto e = validate(value)) {
      *reason = describe(e);
    } else {
      *reason = "\"" + std::string(key) + "\" is not a number";
    }
    return false;
  }
  od::number_type ntype;
  if (auto e = value.get_number_type().get(ntype)) {
    *reason = describe(e);
    return false;
  }
  if (auto e = value.get_uint64().get(*out)) {
    if (e == simdjson::NUMBER_ERROR) {
      *reason = describe(e);
    } else if (ntype == od::number_type::signed_integer) {
      *reason = "\"" + std::string(key) + "\" is negative";
    } else if (ntype == od::number_type::floating_point_number) {
      // simdjson reports integers beyond 64 bits as floating point.
      od::number n;
      if (value.get_number().get(n) != simdjson::SUCCESS) {
        *reason = "invalid number";
      } else if (n.get_double() >= 18446744073709551615.0) {
        *reason = "\"" + std::string(key) + "\" does not fit in 64 bits";
      } else {
        *reason = "\"" + std::string(key) + "\" is not a whole number";
      }
    } else {
      *reason = "\"" + std::string(key) + "\" does not fit in 64 bits";
    }
    return false;
  }
  *present = true;
  return true;
}

/// Reads a string value. A non-string is an error only if `required_string`.
/// Returns false (with *reason) on invalid JSON or a required type mismatch.
bool read_string(od::value value, std::string_view key, bool required_string,
                 std::string_view* out, bool* present, std::string* reason) {
  od::json_type type;
  if (auto e = value.type().get(type)) {
    *reason = describe(e);
    return false;
  }
  if (type == od::json_type::string) {
    if (auto e = value.get_string().get(*out)) {
      *reason = describe(e);
      return false;
    }
    *present = true;
    return true;
  }
  if (auto e = validate(value)) {
    *reason = describe(e);
    return false;
  }
  *present = false;
  if (required_string && type != od::json_type::null) {
    *reason = "\"" + std::string(key) + "\" is not a string";
    return false;
  }
  return true;
}

bool read_address(od::value value, std::string_view key, std::string_view* text, uint64_t* out,
                  bool* present, std::string* reason) {
  if (!read_string(value, key, true, text, present, reason)) return false;
  if (*present && !parse_address(*text, out)) {
    *reason = "\"" + std::string(key) + "\" is not a hex address: \"" +
              std::string(text->substr(0, 40)) + "\"";
    return false;
  }
  return true;
}

RecordKind kind_of(std::string_view type, bool has_address) {
  if (type == "ROOT") return RecordKind::kRoot;
  if (type == "SHAPE") return RecordKind::kShape;
  if (type == "NONE") return RecordKind::kFree;
  if (type == "MOVED") return RecordKind::kMoved;
  return has_address ? RecordKind::kObject : RecordKind::kOther;
}

}  // namespace

bool RecordDecoder::decode(std::string_view text, size_t readable_after, ObjectRecord* rec,
                           std::string* reason) {
  static_assert(simdjson::SIMDJSON_PADDING <= 64, "line padding too small for simdjson");
  const uint64_t line_number = rec->line_number;
  const uint64_t byte_offset = rec->byte_offset;
  *rec = ObjectRecord{};
  rec->line_number = line_number;
  rec->byte_offset = byte_offset;
  rec->raw_line = text;

  od::document doc;
  if (auto e = parser_.iterate(text.data(), text.size(), text.size() + readable_after).get(doc)) {
    *reason = describe(e);
    return false;
  }
  od::json_type root_type;
  if (auto e = doc.type().get(root_type)) {
    *reason = describe(e);
    return false;
  }
  if (root_type != od::json_type::object) {
    *reason = "not a JSON object";
    return false;
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    *reason = describe(e);
    return false;
  }
  bool ignored = false;
  for (auto field_result : obj) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) {
      *reason = describe(e);
      return false;
    }
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) {
      *reason = describe(e);
      return false;
    }
    od::value v = field.value();
    bool ok = true;
    if (key == "address") {
      ok = read_address(v, key, &rec->address_text, &rec->address, &rec->has_address, reason);
    } else if (key == "type") {
      ok = read_string(v, key, true, &rec->type, &ignored, reason);
    } else if (key == "class") {
      ok = read_address(v, key, &rec->class_text, &rec->class_address, &rec->has_class, reason);
    } else if (key == "generation") {
      ok = read_count(v, key, &rec->generation, &rec->has_generation, reason);
    } else if (key == "memsize") {
      bool present = false;
      ok = read_count(v, key, &rec->memsize, &present, reason);
      if (ok && !present) rec->memsize = 0;
    } else if (key == "file") {
      ok = read_string(v, key, false, &rec->file, &rec->has_file, reason);
    } else if (key == "line") {
      ok = read_count(v, key, &rec->line, &rec->has_line, reason);
    } else if (key == "method") {
      ok = read_string(v, key, false, &rec->method, &rec->has_method, reason);
    } else if (key == "name") {
      ok = read_string(v, key, false, &rec->name, &rec->has_name, reason);
    } else if (key == "value") {
      ok = read_string(v, key, false, &rec->value, &rec->has_value, reason);
    } else if (key == "struct") {
      ok = read_string(v, key, false, &rec->struct_name, &ignored, reason);
    } else if (key == "imemo_type") {
      ok = read_string(v, key, false, &rec->imemo_type, &ignored, reason);
    } else if (key == "root") {
      ok = read_string(v, key, false, &rec->root_name, &ignored, reason);
    } else if (key == "references") {
      od::json_type type;
      if (auto e = v.type().get(type)) {
        *reason = describe(e);
        return false;
      }
      if (type == od::json_type::array) {
        od::array arr;
        if (auto e = v.get_array().get(arr)) {
          *reason = describe(e);
          return false;
        }
        uint64_t n = 0;
        for (auto element : arr) {
          od::value ev;
          if (auto e = std::move(element).get(ev)) {
            *reason = describe(e);
            return false;
          }
          if (auto e = validate(ev)) {
            *reason = describe(e);
            return false;
          }
          ++n;
        }
        rec->reference_count = n;
        rec->has_references = true;
      } else if (auto e = validate(v)) {
        *reason = describe(e);
        return false;
      }
    } else if (auto e = validate(v)) {
      *reason = describe(e);
      return false;
    }
    if (!ok) return false;
  }
  // Anything after the closing brace (other than whitespace) is an error.
  const char* where = nullptr;
  if (doc.current_location().get(where) == simdjson::SUCCESS) {
    *reason = "unexpected text after the JSON object";
    return false;
  }
  rec->kind = kind_of(rec->type, rec->has_address);
  return true;
}

}  // namespace heapdump
