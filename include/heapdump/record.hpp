// One decoded line of a heap dump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace heapdump {

/// Whether `s` is the literal `lit`: a size check, then a compare of a
/// fixed size that the compiler does inline (string_view's == calls memcmp,
/// which was 1.7 % of `read all` for the type checks alone).
template <size_t N>
inline bool is_literal(std::string_view s, const char (&lit)[N]) {
  return s.size() == N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}

/// What a record is. Only kObject records count as objects anywhere.
enum class RecordKind : uint8_t {
  kObject,  ///< has an "address" and a type other than the four below
  kRoot,    ///< "type":"ROOT": lists GC roots, has no address
  kShape,   ///< "type":"SHAPE" (Ruby >= 3.2)
  kFree,    ///< "type":"NONE": a free slot, written by dump_all(full: true)
  kMoved,   ///< "type":"MOVED": a compaction forwarding slot
  kOther,   ///< valid JSON object that is none of the above (no address)
};

/// The fields of one record that the analyses use.
///
/// LIFETIME: every string_view points into the reader's line buffer or the
/// JSON parser's string buffer. They are valid only during the
/// RecordSink::on_record() call that received the record. Copy (intern)
/// anything you keep.
struct ObjectRecord {
  RecordKind kind = RecordKind::kOther;

  std::string_view type;          ///< "STRING", "ROOT", ... ("" if absent)
  std::string_view address_text;  ///< as written, e.g. "0x7f3a1c2b4d50"
  uint64_t address = 0;
  bool has_address = false;

  std::string_view class_text;  ///< the "class" address as written
  uint64_t class_address = 0;
  bool has_class = false;

  uint64_t generation = 0;
  bool has_generation = false;  ///< false: allocated before tracing ("nil")

  uint64_t memsize = 0;  ///< 0 when absent or null

  std::string_view file;  ///< allocation site, only when has_file
  bool has_file = false;  ///< true only when "file" is a JSON string
  uint64_t line = 0;
  bool has_line = false;
  std::string_view method;
  bool has_method = false;

  std::string_view name;  ///< CLASS/MODULE "name"
  bool has_name = false;
  bool singleton = false;  ///< CLASS "singleton":true (Ruby >= 3.1 marks singleton classes)

  std::string_view value;  ///< STRING/SYMBOL "value" (unescaped bytes)
  bool has_value = false;

  uint64_t reference_count = 0;  ///< length of "references"
  bool has_references = false;
  /// The referenced addresses, in order, when the reader was asked for them
  /// (ReadOptions::decode_references); otherwise empty. Entries that are not
  /// hex address strings are left out (bad_references counts them).
  const uint64_t* references = nullptr;
  size_t references_decoded = 0;
  uint64_t bad_references = 0;

  std::string_view struct_name;  ///< DATA "struct"
  std::string_view imemo_type;   ///< IMEMO "imemo_type"
  std::string_view root_name;    ///< ROOT "root"

  // Where the record came from. The byte offset also orders records the
  // same way whatever the number of parsing threads.
  uint64_t byte_offset = 0;  ///< offset of the line's first byte in the (decompressed) input
  std::string_view raw_line; ///< the line as read, without its newline
};

}  // namespace heapdump
