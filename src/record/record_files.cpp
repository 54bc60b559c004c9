#include "record/record_files.hpp"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "heapdump/terminal_text.hpp"

namespace heapdump {
namespace {

/// Reads a decimal number without leading zeros (and not 0) at the start of
/// `s`, advancing it.
bool take_number(std::string_view* s, uint64_t* value) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < s->size() && (*s)[i] >= '0' && (*s)[i] <= '9') {
    if (i == 19) return false;  // keeps v well inside uint64_t
    v = v * 10 + static_cast<uint64_t>((*s)[i] - '0');
    ++i;
  }
  if (i == 0 || (*s)[0] == '0') return false;
  *value = v;
  s->remove_prefix(i);
  return true;
}

bool take(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

bool contains(const std::vector<DirEntryId>& entries, const DirEntryId& e) {
  return std::find(entries.begin(), entries.end(), e) != entries.end();
}

}  // namespace

bool parse_dump_name(std::string_view name, DumpName* out) {
  std::string_view s = name;
  DumpName d;
  if (!take(&s, "heap-") || !take_number(&s, &d.pid) || !take(&s, "-") ||
      !take_number(&s, &d.number) || !take(&s, ".json")) {
    return false;
  }
  if (!s.empty() && s != ".gz") return false;
  d.name = std::string(name);
  *out = std::move(d);
  return true;
}

bool is_dump_temp_name(std::string_view name) {
  DumpName ignored;
  if (!take(&name, ".")) return false;
  if (name.size() < 4 || name.substr(name.size() - 4) != ".tmp") return false;
  return parse_dump_name(name.substr(0, name.size() - 4), &ignored);
}

bool list_dump_entries(const std::string& dir, std::vector<DirEntryId>* out, std::string* error) {
  out->clear();
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) {
    *error = std::strerror(errno);
    return false;
  }
  errno = 0;
  while (const dirent* e = ::readdir(d.get())) {
    DumpName ignored;
    if (parse_dump_name(e->d_name, &ignored) || is_dump_temp_name(e->d_name)) {
      out->push_back({e->d_name, e->d_ino});
    }
    errno = 0;
  }
  if (errno != 0) {
    *error = std::strerror(errno);
    return false;
  }
  return true;
}

std::vector<DumpName> new_dumps(const std::vector<DirEntryId>& before,
                                const std::vector<DirEntryId>& after, uint64_t first_pid) {
  std::vector<DumpName> dumps;
  for (const DirEntryId& e : after) {
    DumpName d;
    if (parse_dump_name(e.name, &d) && !contains(before, e)) dumps.push_back(std::move(d));
  }
  std::sort(dumps.begin(), dumps.end(), [first_pid](const DumpName& a, const DumpName& b) {
    const bool a_first = a.pid == first_pid, b_first = b.pid == first_pid;
    if (a_first != b_first) return a_first;
    if (a.pid != b.pid) return a.pid < b.pid;
    if (a.number != b.number) return a.number < b.number;
    return a.name < b.name;  // .json before .json.gz of the same N
  });
  return dumps;
}

std::vector<std::string> new_temp_files(const std::vector<DirEntryId>& before,
                                        const std::vector<DirEntryId>& after) {
  std::vector<std::string> temps;
  for (const DirEntryId& e : after) {
    if (is_dump_temp_name(e.name) && !contains(before, e)) temps.push_back(e.name);
  }
  std::sort(temps.begin(), temps.end());
  return temps;
}

std::vector<DumpName> dumps_to_compare(const std::vector<DumpName>& dumps, uint64_t first_pid) {
  // Count per PID, remembering the order in which PIDs first appear.
  std::map<uint64_t, size_t> count;
  std::vector<uint64_t> order;
  for (const DumpName& d : dumps) {
    if (count[d.pid]++ == 0) order.push_back(d.pid);
  }
  if (order.empty()) return {};
  uint64_t pid = order.front();
  if (count.count(first_pid) == 0 || count[first_pid] < 2) {
    for (uint64_t p : order) {
      if (count[p] > count[pid]) pid = p;
    }
  } else {
    pid = first_pid;
  }
  std::vector<DumpName> chosen;
  for (const DumpName& d : dumps) {
    if (d.pid == pid && chosen.size() < 3) chosen.push_back(d);
  }
  return chosen;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir == "." || dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string shell_word(std::string_view s) {
  static constexpr std::string_view kPlain =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-";
  if (!s.empty() && s.find_first_not_of(kPlain) == std::string_view::npos) return std::string(s);

  bool printable = true;
  for (size_t i = 0; i < s.size() && printable;) {
    uint32_t cp;
    const size_t n = decode_utf8(s, i, &cp);
    printable = n != 0 && !is_terminal_control(cp);
    i += n == 0 ? 1 : n;
  }
  std::string out;
  if (printable) {
    out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out = "$'";
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = decode_utf8(s, i, &cp);
    if (n != 0 && !is_terminal_control(cp)) {
      if (s[i] == '\\' || s[i] == '\'') out += '\\';
      out.append(s.substr(i, n));
    } else {
      // A control's whole UTF-8 sequence, or one stray byte, as \xHH each.
      n = n == 0 ? 1 : n;
      for (size_t k = 0; k < n; ++k) {
        const auto byte = static_cast<unsigned char>(s[i + k]);
        out += "\\x";
        out += kHex[byte >> 4];
        out += kHex[byte & 15];
      }
    }
    i += n;
  }
  return out + "'";
}

}  // namespace heapdump
