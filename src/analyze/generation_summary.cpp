#include "heapdump/generation_summary.hpp"

namespace heapdump {

void GenerationSummary::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  Acc* acc;
  if (!r.has_generation) {
    acc = &nil_;
  } else if (r.generation < kDenseLimit) {
    if (r.generation >= small_.size()) small_.resize(r.generation + 1);
    acc = &small_[r.generation];
  } else {
    acc = &large_[r.generation];
  }
  acc->objects += 1;
  acc->bytes.add(r.memsize);
}

void GenerationSummary::merge(const GenerationSummary& other) {
  nil_.objects += other.nil_.objects;
  nil_.bytes.add(other.nil_.bytes);
  if (other.small_.size() > small_.size()) small_.resize(other.small_.size());
  for (size_t g = 0; g < other.small_.size(); ++g) {
    small_[g].objects += other.small_[g].objects;
    small_[g].bytes.add(other.small_[g].bytes);
  }
  for (const auto& [g, acc] : other.large_) {
    large_[g].objects += acc.objects;
    large_[g].bytes.add(acc.bytes);
  }
}

Table GenerationSummary::to_table() const {
  Table t;
  t.name = "generations";
  t.columns = {{"generation", Column::Kind::kInteger},
               {"objects", Column::Kind::kCount},
               {"bytes", Column::Kind::kBytes}};
  uint64_t objects = 0;
  ByteSum bytes;
  auto add = [&](Cell gen, const Acc& acc) {
    if (acc.objects == 0) return;
    t.rows.push_back({std::move(gen), acc.objects, int_cell(acc.bytes.value())});
    objects += acc.objects;
    bytes.add(acc.bytes);
  };
  add(std::monostate{}, nil_);
  for (size_t g = 0; g < small_.size(); ++g) add(uint64_t{g}, small_[g]);
  for (const auto& [g, acc] : large_) add(g, acc);
  t.totals = {{"objects", objects}, {"bytes", bytes.value()}, {"generations", t.rows.size()}};
  return t;
}

}  // namespace heapdump
