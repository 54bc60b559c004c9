// The one name of an object's class, used by `read --by class`, `compare`,
// `path` and `retained` (the heapy-layout drill-down keeps its own spec).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "heapdump/class_names.hpp"

namespace heapdump {

/// "0x7f3a1c2b4d50": an object's address as every command shows it.
std::string format_address(uint64_t address);

/// An allocation site as every command names it: "FILE:LINE", or "FILE:"
/// for an object whose line is not in the dump. Appended to `out`.
void append_location_name(std::string_view file, bool has_line, uint64_t line, std::string* out);
inline std::string location_name(std::string_view file, bool has_line, uint64_t line) {
  std::string out;
  append_location_name(file, has_line, line, &out);
  return out;
}

/// The file of a location "FILE:LINE" (or "FILE:"): FILE.
std::string_view location_file(std::string_view location);

/// What a name stands for.
enum class NameKind : uint8_t {
  kClass,             ///< a named class or module ("Proc", "Foo::Bar"), or "#<Class:NAME>"
  kAnonymousClass,    ///< a class without a name: "#<Class:0x…>"
  kUnnamedSingleton,  ///< the singleton class of an object without a name: "#<Class:0x…>"
  kNoClass,           ///< no class in the dump: "<IMEMO_TYPE> (IMEMO)", "(TYPE)"
  kTracer,            ///< Ruby's allocation tracer: "(allocation tracer)"
};

struct ObjectName {
  std::string text;
  NameKind kind = NameKind::kClass;
};

/// Whether a name holds an address (meaningless in another process).
inline bool is_address_kind(NameKind kind) {
  return kind == NameKind::kAnonymousClass || kind == NameKind::kUnnamedSingleton;
}

/// The names `compare` gives the sum of all groups of one address kind.
inline constexpr std::string_view kAnonymousClassesGroup = "(anonymous classes)";
inline constexpr std::string_view kUnnamedSingletonsGroup = "(singleton classes of unnamed objects)";

/// Names objects by their class. Build it after the read (a class may be
/// written after its objects), from the ClassNames of the whole dump.
///
/// The rule:
///  - Ruby's allocation tracer: "(allocation tracer)";
///  - IMEMO records (their "class" slot, before Ruby 3.2, holds another
///    field) "<IMEMO_TYPE> (IMEMO)" ("(IMEMO)" without an imemo_type), and
///    ICLASS records (their "class" is the included module) "(ICLASS)";
///  - an object whose class is a CLASS/MODULE record of the dump: that
///    class's name ("Proc", "Time", "Foo::Bar"); a singleton class
///    ("singleton":true, Ruby >= 3.1) is "#<Class:NAME>", NAME being the
///    name of its attached object, the one CLASS/MODULE whose "class" it is
///    (when several are, the one that is not itself a singleton class);
///    "#<Class:0xADDRESS>" (the class's own address) for a class without a
///    name, and for a singleton class whose attached object is not in the
///    dump, is not a class or module, or has no name;
///  - any other object (no "class", or one that is not a CLASS/MODULE record
///    of the dump): "(TYPE)".
class ObjectNamer {
 public:
  explicit ObjectNamer(const ClassNames& classes);

  /// The name of an object.
  ObjectName name(std::string_view type, std::string_view imemo_type, bool is_tracer,
                  bool has_class, uint64_t class_address) const;

  /// The name of the class or module at `address`, if the dump has a
  /// CLASS/MODULE record there; otherwise false.
  bool class_name(uint64_t address, ObjectName* out) const;

  const ClassNames& classes() const { return classes_; }

 private:
  bool class_name(uint64_t address, int depth, ObjectName* out) const;
  const ClassNames& classes_;
  /// Addresses come from the dump: hashed with this run's key.
  struct AddressHash {
    size_t operator()(uint64_t address) const;
  };
  /// singleton class address -> the address of its attached object
  std::unordered_map<uint64_t, uint64_t, AddressHash> attached_;
};

/// Edit distance between a and b (insertions, deletions, substitutions):
/// the measure of close_names() and of the CLI's "did you mean" for options.
size_t edit_distance(const std::string& a, const std::string& b);

/// Up to `limit` of `candidates` close to `query` (case-insensitive edit
/// distance, or one containing the other), closest first, ties in the order
/// given. For "did you mean" lists.
std::vector<std::string> close_names(std::string_view query, const std::vector<std::string>& candidates,
                                     size_t limit);

}  // namespace heapdump
