#include "heapdump/allocation_sites.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace heapdump {
namespace {

const std::vector<GroupKey> kSiteKeys = {GroupKey::kClass, GroupKey::kLocation, GroupKey::kGem,
                                         GroupKey::kFile,  GroupKey::kType,     GroupKey::kMethod};

/// Cuts a text cell longer than kSiteValueBytes at a UTF-8 character
/// boundary and appends "…"; the cell then holds its own text.
void cut_value(Cell* c) {
  if (!is_text(*c)) return;
  if (std::holds_alternative<SharedText>(*c)) {
    const std::string& whole = as_text(*c);
    *c = std::string(whole, 0, std::min(whole.size(), kSiteValueBytes + 1));
  }
  std::string& s = std::get<std::string>(*c);
  if (s.size() <= kSiteValueBytes) return;
  size_t n = kSiteValueBytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  s += "\u2026";
}

}  // namespace

AllocationSites::AllocationSites(uint64_t max_lines, const std::shared_ptr<StringSightings>& sightings)
    : generations_(kSiteKeys), strings_(std::nullopt, max_lines, sightings) {}

void AllocationSites::on_record(const ObjectRecord& record) {
  generations_.on_record(record);
  strings_.on_record(record);
}

void AllocationSites::merge(const AllocationSites& other) {
  generations_.merge(other.generations_);
  strings_.merge(other.strings_);
}

std::vector<Table> AllocationSites::tables(const ClassNames& names, uint64_t lines) const {
  std::vector<Table> out;
  for (GroupKey key : kSiteKeys) {
    uint64_t groups = 0;
    Table t = generations_.all(key).to_table(lines, names, &groups);
    t.name = "allocated_" + t.name;
    t.totals.emplace_back("groups", groups);
    out.push_back(std::move(t));
  }
  for (Table& t : strings_.to_tables(lines)) {
    const size_t value = static_cast<size_t>(t.column("value"));
    if (t.name != "frozen_string_candidates") {
      // A value's rows are consecutive, its locations largest first.
      std::vector<std::vector<Cell>> kept;
      uint64_t run = 0;
      for (size_t r = 0; r < t.rows.size(); ++r) {
        run = r > 0 && as_text(t.rows[r][value]) == as_text(t.rows[r - 1][value]) ? run + 1 : 0;
        if (run < kSiteValueLocations) kept.push_back(t.rows[r]);
      }
      t.rows = std::move(kept);
      t.totals.emplace_back("values", strings_.values());
    }
    for (auto& row : t.rows) cut_value(&row[value]);
    out.push_back(std::move(t));
  }
  out.push_back(generations_.to_table(names, std::min(lines, kSiteGenerationRows), kSiteGenerations));
  return out;
}

}  // namespace heapdump
