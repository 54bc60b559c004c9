#include "heapdump/class_names.hpp"

namespace heapdump {

void ClassNames::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject || !r.has_name) return;
  if (r.type != "CLASS" && r.type != "MODULE") return;
  names_[r.address] = std::string(r.name);
}

void ClassNames::merge(const ClassNames& other) {
  for (const auto& [address, name] : other.names_) names_.emplace(address, name);
}

const std::string* ClassNames::find(uint64_t address) const {
  auto it = names_.find(address);
  return it == names_.end() ? nullptr : &it->second;
}

std::string ClassNames::display(uint64_t address, std::string_view address_text) const {
  if (const std::string* name = find(address)) return *name;
  return "#<Class:" + std::string(address_text) + ">";
}

}  // namespace heapdump
