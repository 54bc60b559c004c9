#include "heapdump/class_names.hpp"

#include "analyze/keyed_hash.hpp"

namespace heapdump {

size_t ClassNames::AddressHash::operator()(uint64_t address) const { return static_cast<size_t>(hash_u64(address)); }

void ClassNames::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  if (r.type != "CLASS" && r.type != "MODULE") return;
  {
    const ClassRecord c{r.has_class ? r.class_address : 0, r.has_class, r.singleton, r.byte_offset};
    auto [it, inserted] = classes_.try_emplace(r.address, c);
    if (!inserted && r.byte_offset >= it->second.byte_offset) it->second = c;
  }
  if (!r.has_name) return;
  // An address named twice (never in one real dump, but in concatenated or
  // doctored ones): the record later in the file wins, as it would on one
  // thread, so the result does not depend on which thread saw which.
  auto [it, inserted] = names_.try_emplace(r.address, Entry{std::string(r.name), r.byte_offset});
  if (!inserted && r.byte_offset >= it->second.byte_offset) {
    it->second = Entry{std::string(r.name), r.byte_offset};
  }
}

void ClassNames::merge(const ClassNames& other) {
  for (const auto& [address, entry] : other.names_) {
    auto [it, inserted] = names_.try_emplace(address, entry);
    if (!inserted && entry.byte_offset > it->second.byte_offset) it->second = entry;
  }
  for (const auto& [address, record] : other.classes_) {
    auto [it, inserted] = classes_.try_emplace(address, record);
    if (!inserted && record.byte_offset > it->second.byte_offset) it->second = record;
  }
}

const ClassNames::ClassRecord* ClassNames::find_class(uint64_t address) const {
  auto it = classes_.find(address);
  return it == classes_.end() ? nullptr : &it->second;
}

const std::string* ClassNames::find(uint64_t address) const {
  auto it = names_.find(address);
  return it == names_.end() ? nullptr : &it->second.name;
}

std::string ClassNames::display(uint64_t address, std::string_view address_text) const {
  if (const std::string* name = find(address)) return *name;
  return "#<Class:" + std::string(address_text) + ">";
}

}  // namespace heapdump
