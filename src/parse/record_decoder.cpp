#include "parse/record_decoder.hpp"

#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "parse/address.hpp"
#include "parse/record_keys.hpp"

namespace heapdump {
namespace {

namespace dom = simdjson::dom;
using simdjson::error_code;

/// `text` for a one-line message: control bytes (a hostile dump could use
/// them to forge stderr lines or drive the terminal) become JSON escapes.
std::string printable(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

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
    case simdjson::UNCLOSED_STRING:
      return "unclosed string";
    case simdjson::STRING_ERROR:
      return "invalid string (bad escape sequence)";
    case simdjson::NUMBER_ERROR:
      return "invalid number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
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

/// After simdjson rejects a line, looks at its bytes once more to say
/// more precisely what is wrong: a cut-off line, text after the object, or
/// an integer too big for 64 bits. Only runs on invalid lines.
std::string diagnose(std::string_view text, error_code e) {
  int depth = 0;
  bool in_string = false, escaped = false, closed = false;
  std::string_view last_string, key;
  size_t string_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        last_string = text.substr(string_start, i - string_start);
      }
      continue;
    }
    if (closed && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      return "unexpected text after the JSON object";
    }
    switch (c) {
      case '"':
        in_string = true;
        string_start = i + 1;
        break;
      case ':':
        key = last_string;
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (--depth == 0) closed = true;
        break;
      default:
        if (e == simdjson::NUMBER_ERROR && c >= '0' && c <= '9') {
          size_t j = i;
          while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
          const std::string_view digits = text.substr(i, j - i);
          const bool is_integer = j >= text.size() || (text[j] != '.' && text[j] != 'e' && text[j] != 'E');
          if (is_integer && (digits.size() > 20 ||
                             (digits.size() == 20 && digits > "18446744073709551615"))) {
            return "\"" + printable(key) + "\" does not fit in 64 bits";
          }
          i = j - 1;
        }
    }
  }
  // Unbalanced quotes or braces mean a cut line only if it does not end
  // like an object; otherwise (an unescaped quote inside a string) it is
  // a structure error.
  const size_t last = text.find_last_not_of(" \t\r");
  const bool ends_like_object = last != std::string_view::npos && text[last] == '}';
  if ((in_string || depth > 0) && !ends_like_object) {
    return "JSON ends in the middle of an object or array";
  }
  return describe(e);
}

/// *rec = ObjectRecord{}, as straight-line vector stores: the compiler
/// makes a `rep stos` of the assignment (or a `rep movs` of a copy loop),
/// whose start-up cost alone was 3.5 % of `read`.
template <size_t... I>
inline void clear_record(ObjectRecord* rec, std::index_sequence<I...>) {
#if defined(__SSE2__)
  auto* dst = reinterpret_cast<char*>(rec);
  (_mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16 * I), _mm_setzero_si128()), ...);
  std::memset(dst + 16 * sizeof...(I), 0, sizeof(ObjectRecord) % 16);
  // All-zero bytes are the defaults of every member (empty views, false,
  // 0, null) except the kind.
  rec->kind = ObjectRecord{}.kind;
#else
  *rec = ObjectRecord{};
#endif
}

inline void clear_record(ObjectRecord* rec) {
  clear_record(rec, std::make_index_sequence<sizeof(ObjectRecord) / 16>{});
}

std::string quoted(std::string_view key) { return "\"" + std::string(key) + "\""; }

/// A non-negative integer that fits in 64 bits; null means absent.
bool read_count(dom::element value, std::string_view key, uint64_t* out, bool* present,
                std::string* reason) {
  switch (value.type()) {
    case dom::element_type::UINT64:
    case dom::element_type::INT64: {
      if (value.get_uint64().get(*out) == simdjson::SUCCESS) {
        *present = true;
        return true;
      }
      *reason = quoted(key) + " is negative";
      return false;
    }
    case dom::element_type::NULL_VALUE:
      *present = false;
      return true;
    case dom::element_type::DOUBLE: {
      // simdjson stores integers beyond 64 bits as doubles.
      const double d = value.get_double().value_unsafe();
      if (d >= 18446744073709551616.0) {
        *reason = quoted(key) + " does not fit in 64 bits";
      } else if (d < 0) {
        *reason = quoted(key) + " is negative";
      } else {
        *reason = quoted(key) + " is not a whole number";
      }
      return false;
    }
    default:
      *reason = quoted(key) + " is not a number";
      return false;
  }
}

/// A string; null or (unless `required`) another type means absent.
bool read_string(dom::element value, std::string_view key, bool required, std::string_view* out,
                 bool* present, std::string* reason) {
  if (value.get_string().get(*out) == simdjson::SUCCESS) {
    *present = true;
    return true;
  }
  *present = false;
  if (required && !value.is_null()) {
    *reason = quoted(key) + " is not a string";
    return false;
  }
  return true;
}

bool read_address(dom::element value, std::string_view key, std::string_view* text, uint64_t* out,
                  bool* present, std::string* reason) {
  if (!read_string(value, key, true, text, present, reason)) return false;
  if (*present && !parse_address(*text, out)) {
    *reason = quoted(key) + " is not a hex address: \"" + printable(text->substr(0, 40)) + "\"";
    return false;
  }
  return true;
}

}  // namespace

bool RecordDecoder::decode(std::string_view text, size_t readable_after, ObjectRecord* rec,
                           std::string* reason) {
  // Every line comes with kChunkPadding readable bytes after it (the reader
  // passes them as readable_after), which must cover simdjson's padding.
  static_assert(simdjson::SIMDJSON_PADDING <= kChunkPadding, "chunk padding too small for simdjson");
  (void)readable_after;
  const uint64_t byte_offset = rec->byte_offset;
  auto fresh_record = [&] {
    clear_record(rec);
    rec->byte_offset = byte_offset;
    rec->raw_line = text;
  };
  fresh_record();
  if (fast_path_ && scanner_.scan(text, rec, decode_references_ ? &references_ : nullptr)) {
    return true;
  }
  // The scanner declined: the full parser decides, from a fresh record.
  fresh_record();

  // After a huge line (a million-element array), give the parser's buffers
  // back instead of keeping them for the rest of the file.
  constexpr size_t kKeepCapacity = size_t{1} << 20;
  if (parser_.capacity() > kKeepCapacity && text.size() <= kKeepCapacity) {
    // On failure the parser keeps its bigger buffers, which is fine.
    [[maybe_unused]] const auto shrunk = parser_.allocate(kKeepCapacity);
  }
  dom::element root;
  if (auto e = parser_.parse(text.data(), text.size(), false).get(root)) {
    // Out of memory is not a fault of the line: it stops the command
    // (exit 3, "out of memory"), it does not skip the line.
    if (e == simdjson::MEMALLOC) throw std::bad_alloc();
    *reason = diagnose(text, e);
    return false;
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    *reason = "not a JSON object";
    return false;
  }
  bool ignored = false;
  for (dom::key_value_pair field : obj) {
    const std::string_view key = field.key;
    const dom::element v = field.value;
    bool ok = true;
    // Later duplicate keys overwrite earlier ones.
    switch (key_of(key)) {
      case Key::kAddress:
        ok = read_address(v, key, &rec->address_text, &rec->address, &rec->has_address, reason);
        break;
      case Key::kType:
        ok = read_string(v, key, true, &rec->type, &ignored, reason);
        break;
      case Key::kClass:
        ok = read_address(v, key, &rec->class_text, &rec->class_address, &rec->has_class, reason);
        break;
      case Key::kGeneration:
        ok = read_count(v, key, &rec->generation, &rec->has_generation, reason);
        break;
      case Key::kMemsize: {
        bool present = false;
        ok = read_count(v, key, &rec->memsize, &present, reason);
        if (!present) rec->memsize = 0;
        break;
      }
      case Key::kFile:
        ok = read_string(v, key, false, &rec->file, &rec->has_file, reason);
        break;
      case Key::kLine:
        ok = read_count(v, key, &rec->line, &rec->has_line, reason);
        break;
      case Key::kMethod:
        ok = read_string(v, key, false, &rec->method, &rec->has_method, reason);
        break;
      case Key::kName:
        ok = read_string(v, key, false, &rec->name, &rec->has_name, reason);
        break;
      case Key::kValue:
        ok = read_string(v, key, false, &rec->value, &rec->has_value, reason);
        break;
      case Key::kStruct:
        ok = read_string(v, key, false, &rec->struct_name, &ignored, reason);
        break;
      case Key::kImemoType:
        ok = read_string(v, key, false, &rec->imemo_type, &ignored, reason);
        break;
      case Key::kRoot:
        ok = read_string(v, key, false, &rec->root_name, &ignored, reason);
        break;
      case Key::kReferences: {
        dom::array refs;
        rec->has_references = v.get_array().get(refs) == simdjson::SUCCESS;
        rec->reference_count = rec->has_references ? refs.size() : 0;
        if (rec->reference_count == 0xFFFFFF) {  // simdjson's count saturates there
          rec->reference_count = 0;
          for ([[maybe_unused]] dom::element ref : refs) ++rec->reference_count;
        }
        if (decode_references_ && rec->has_references) {
          references_.clear();
          rec->bad_references = 0;
          for (dom::element ref : refs) {
            std::string_view text;
            uint64_t address = 0;
            if (ref.get_string().get(text) == simdjson::SUCCESS && parse_address(text, &address)) {
              references_.push_back(address);
            } else {
              ++rec->bad_references;
            }
          }
          rec->references = references_.data();
          rec->references_decoded = references_.size();
        }
        break;
      }
      case Key::kSingleton: {
        bool flag = false;
        rec->singleton = v.get_bool().get(flag) == simdjson::SUCCESS && flag;
        break;
      }
      case Key::kOther:
        break;
    }
    if (!ok) return false;
  }
  rec->kind = kind_of(rec->type, rec->has_address);
  return true;
}

}  // namespace heapdump
