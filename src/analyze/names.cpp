#include "heapdump/names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "analyze/keyed_hash.hpp"
#include "heapdump/allocation_tracer.hpp"

namespace heapdump {

std::string format_address(uint64_t address) { return fmt::format("{:#x}", address); }

void append_location_name(std::string_view file, bool has_line, uint64_t line, std::string* out) {
  out->append(file);
  out->push_back(':');
  if (!has_line) return;
  char digits[20];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, line);
  out->append(digits, end);
}

std::string_view location_file(std::string_view location) {
  const size_t colon = location.rfind(':');
  return colon == std::string_view::npos ? location : location.substr(0, colon);
}

namespace {
/// Deeper chains of singleton classes (#<Class:#<Class:...>>) are named by
/// address; Ruby has at most a few levels, a crafted dump could loop.
constexpr int kMaxDepth = 8;

std::string address_name(uint64_t address) { return "#<Class:" + format_address(address) + ">"; }

/// A name written in the dump that holds an address: Ruby 2.x names an
/// anonymous class "#<Class:0x…>" and its singleton "#<Class:#<Class:0x…>>".
bool names_an_address(std::string_view name) {
  return name.rfind("#<", 0) == 0 && name.find(":0x") != std::string_view::npos;
}
}  // namespace

size_t ObjectNamer::AddressHash::operator()(uint64_t address) const {
  return static_cast<size_t>(hash_u64(address));
}

ObjectNamer::ObjectNamer(const ClassNames& classes) : classes_(classes) {
  // The attached object of a singleton class S is the CLASS/MODULE whose
  // "class" is S. Other objects may have S as their class too: IMEMOs (not
  // CLASS/MODULE records), and, for the singleton classes of Class, Module
  // and Object, singleton classes made later (Ruby sets their class to
  // those). So: the only one that is not a singleton class, or else the
  // only one.
  struct Candidates {
    uint32_t plain = 0, singletons = 0;
    uint64_t plain_address = 0, singleton_address = 0;
  };
  std::unordered_map<uint64_t, Candidates, AddressHash> found;
  classes.for_each_class([&](uint64_t address, const ClassNames::ClassRecord& r) {
    if (!r.has_class || r.class_address == address) return;
    const ClassNames::ClassRecord* of = classes.find_class(r.class_address);
    if (of == nullptr || !of->singleton) return;
    Candidates& c = found[r.class_address];
    if (r.singleton) {
      ++c.singletons;
      c.singleton_address = address;
    } else {
      ++c.plain;
      c.plain_address = address;
    }
  });
  for (const auto& [singleton, c] : found) {
    if (c.plain == 1) {
      attached_.emplace(singleton, c.plain_address);
    } else if (c.plain == 0 && c.singletons == 1) {
      attached_.emplace(singleton, c.singleton_address);
    }
  }
}

bool ObjectNamer::class_name(uint64_t address, ObjectName* out) const {
  return class_name(address, 0, out);
}

bool ObjectNamer::class_name(uint64_t address, int depth, ObjectName* out) const {
  const ClassNames::ClassRecord* record = classes_.find_class(address);
  if (record == nullptr) return false;
  if (const std::string* name = classes_.find(address)) {
    *out = {*name, names_an_address(*name) ? NameKind::kAnonymousClass : NameKind::kClass};
    return true;
  }
  if (record->singleton) {
    auto it = attached_.find(address);
    ObjectName of;
    if (it != attached_.end() && depth < kMaxDepth && class_name(it->second, depth + 1, &of) &&
        !is_address_kind(of.kind)) {
      *out = {"#<Class:" + of.text + ">", NameKind::kClass};
    } else {
      *out = {address_name(address), NameKind::kUnnamedSingleton};
    }
    return true;
  }
  *out = {address_name(address), NameKind::kAnonymousClass};
  return true;
}

ObjectName ObjectNamer::name(std::string_view type, std::string_view imemo_type, bool is_tracer,
                             bool has_class, uint64_t class_address) const {
  if (is_tracer) return {std::string(kAllocationTracerName), NameKind::kTracer};
  if (type == "IMEMO") {
    return {imemo_type.empty() ? std::string("(IMEMO)") : "<" + std::string(imemo_type) + "> (IMEMO)",
            NameKind::kNoClass};
  }
  ObjectName out;
  if (type != "ICLASS" && has_class && class_name(class_address, &out)) return out;
  return {"(" + std::string(type) + ")", NameKind::kNoClass};
}

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> close_names(std::string_view query, const std::vector<std::string>& candidates,
                                     size_t limit) {
  const std::string q = lower(query);
  if (q.empty()) return {};
  const size_t allowed = std::max<size_t>(2, q.size() / 3);
  struct Hit {
    size_t score;
    size_t index;
  };
  std::vector<Hit> hits;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::string c = lower(candidates[i]);
    if (c.size() > 256) continue;  // not a name anyone types
    size_t score = SIZE_MAX;
    if (c == q) {
      score = 0;
    } else if (c.find(q) != std::string::npos || q.find(c) != std::string::npos) {
      score = 1;
    } else {
      const size_t d = edit_distance(q, c);
      if (d <= allowed) score = 1 + d;
    }
    if (score != SIZE_MAX) hits.push_back({score, i});
  }
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& x, const Hit& y) { return x.score < y.score; });
  std::vector<std::string> out;
  for (const Hit& h : hits) {
    if (out.size() == limit) break;
    out.push_back(candidates[h.index]);
  }
  return out;
}

}  // namespace heapdump
