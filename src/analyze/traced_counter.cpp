#include "heapdump/traced_counter.hpp"

namespace heapdump {

void TracedCounter::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  ++objects;
  if (!r.has_file) return;
  ++traced;
  if (r.has_generation) generations.insert(r.generation);
  if (selection_ && selection_->matches(r)) ++selected;
}

void TracedCounter::merge(const TracedCounter& other) {
  objects += other.objects;
  traced += other.traced;
  selected += other.selected;
  generations.insert(other.generations.begin(), other.generations.end());
}

}  // namespace heapdump
