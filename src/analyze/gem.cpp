#include "heapdump/gem.hpp"

namespace heapdump {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// "3.1.0", "2.7", "3.4.0+1": a Ruby ABI/version directory.
bool is_version(std::string_view s) {
  if (s.empty() || !is_digit(s[0])) return false;
  bool dot = false;
  for (char c : s) {
    if (c == '.') {
      dot = true;
    } else if (!is_digit(c) && c != '+') {
      return false;
    }
  }
  return dot;
}

/// "NAME-VERSION": a '-' with something on both sides.
bool looks_like_gem_dir(std::string_view s) {
  const size_t dash = s.rfind('-');
  return dash != std::string_view::npos && dash > 0 && dash + 1 < s.size();
}

/// The path component that starts at `pos` (up to the next '/' or the end).
std::string_view component_at(std::string_view path, size_t pos) {
  const size_t end = path.find('/', pos);
  return path.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
}

/// The last "/gems/DIR/" with DIR = NAME-VERSION, or "".
std::string_view gem_dir(std::string_view path) {
  constexpr std::string_view kGems = "/gems/";
  size_t pos = path.size();
  while (pos > 0) {
    const size_t at = path.rfind(kGems, pos - 1);
    if (at == std::string_view::npos) break;
    const size_t start = at + kGems.size();
    const size_t end = path.find('/', start);
    if (end != std::string_view::npos) {  // DIR must be a directory
      const std::string_view dir = path.substr(start, end - start);
      if (looks_like_gem_dir(dir)) return dir;
    }
    pos = at;
  }
  return {};
}

/// ".../extensions/PLATFORM/ABI/NAME-VERSION/...", or "".
std::string_view extension_dir(std::string_view path) {
  constexpr std::string_view kExt = "/extensions/";
  const size_t at = path.rfind(kExt);
  if (at == std::string_view::npos) return {};
  size_t pos = at + kExt.size();
  for (int skip = 0; skip < 2; ++skip) {  // PLATFORM, ABI
    const size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) return {};
    pos = slash + 1;
  }
  const size_t end = path.find('/', pos);
  if (end == std::string_view::npos) return {};
  const std::string_view dir = path.substr(pos, end - pos);
  return looks_like_gem_dir(dir) ? dir : std::string_view{};
}

/// ".../specifications/NAME-VERSION.gemspec", or "".
std::string_view gemspec_name(std::string_view path) {
  constexpr std::string_view kSpecs = "/specifications/";
  constexpr std::string_view kSuffix = ".gemspec";
  const size_t at = path.rfind(kSpecs);
  if (at == std::string_view::npos) return {};
  const std::string_view rest = path.substr(at + kSpecs.size());
  if (rest.find('/') != std::string_view::npos || rest.size() <= kSuffix.size() ||
      rest.substr(rest.size() - kSuffix.size()) != kSuffix) {
    return {};
  }
  const std::string_view name = rest.substr(0, rest.size() - kSuffix.size());
  return looks_like_gem_dir(name) ? name : std::string_view{};
}

/// True if some component "ruby" is directly followed by a version component.
bool in_ruby_lib(std::string_view path) {
  constexpr std::string_view kRuby = "/ruby/";
  for (size_t at = path.find(kRuby); at != std::string_view::npos;
       at = path.find(kRuby, at + 1)) {
    const size_t start = at + kRuby.size();
    if (path.find('/', start) != std::string_view::npos &&
        is_version(component_at(path, start))) {
      return true;
    }
  }
  return false;
}

/// "vendor_ruby/NAME" or "site_ruby/NAME" for a path under one of them, or "".
std::string library_dir(std::string_view path) {
  for (std::string_view dir : {std::string_view("vendor_ruby"), std::string_view("site_ruby")}) {
    const std::string needle = "/" + std::string(dir) + "/";
    const size_t at = path.rfind(needle);
    if (at == std::string_view::npos) continue;
    size_t pos = at + needle.size();
    std::string_view name = component_at(path, pos);
    if (is_version(name) && pos + name.size() < path.size()) {
      pos += name.size() + 1;
      name = component_at(path, pos);
    }
    for (std::string_view ext : {std::string_view(".rb"), std::string_view(".so")}) {
      if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) {
        name.remove_suffix(ext.size());
      }
    }
    if (name.empty()) continue;
    return std::string(dir) + "/" + std::string(name);
  }
  return {};
}

}  // namespace

std::string gem_of(std::string_view file) {
  constexpr std::string_view kInternal = "<internal:";
  if (file.substr(0, kInternal.size()) == kInternal) {
    std::string_view inner = file.substr(kInternal.size());
    if (!inner.empty() && inner.back() == '>') inner.remove_suffix(1);
    if (!inner.empty() && inner[0] == '/') return gem_of(inner);
    return "ruby/internal";
  }
  if (!file.empty() && file[0] == '(') {
    const size_t end = file.find_first_of(" )");
    return std::string(file.substr(0, end == std::string_view::npos ? file.size() : end)) + ")";
  }
  if (std::string_view gem = gem_dir(file); !gem.empty()) return std::string(gem);
  if (std::string_view gem = extension_dir(file); !gem.empty()) return std::string(gem);
  if (std::string_view gem = gemspec_name(file); !gem.empty()) return std::string(gem);
  if (in_ruby_lib(file)) return "ruby/lib";
  if (std::string lib = library_dir(file); !lib.empty()) return lib;
  return "app";
}

}  // namespace heapdump
