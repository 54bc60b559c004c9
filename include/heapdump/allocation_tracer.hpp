// Ruby's allocation tracer: the one DATA object in which
// ObjectSpace.trace_object_allocations_start keeps its table. It is the
// tool's memory, not the program's, so reports name it apart, and keep it
// out of leak suspects and of compare's and diff's results unless
// --include-tracer is given.
#pragma once

#include <cstdint>
#include <string_view>

#include "heapdump/byte_sum.hpp"
#include "heapdump/sink.hpp"

namespace heapdump {

/// Its DATA "struct", as Ruby's objspace names it.
inline constexpr std::string_view kAllocationTracerStruct = "ObjectTracing/allocation_info_tracer";
/// The same without the "ObjectTracing/" prefix, as the era fixtures
/// (fixtures/eras/README.md) write it.
inline constexpr std::string_view kAllocationTracerShortStruct = "allocation_info_tracer";

/// How every report names it (as its class).
inline constexpr std::string_view kAllocationTracerName = "(allocation tracer)";

/// Whether a record's type and "struct" are the allocation tracer's.
inline bool is_allocation_tracer(std::string_view type, std::string_view struct_name) {
  return type == "DATA" &&
         (struct_name == kAllocationTracerStruct || struct_name == kAllocationTracerShortStruct);
}

/// Counts the allocation tracer objects of a dump and their memsize.
class AllocationTracerTally final : public RecordSink {
 public:
  void on_record(const ObjectRecord& r) override {
    if (r.kind != RecordKind::kObject || !is_allocation_tracer(r.type, r.struct_name)) return;
    ++objects_;
    bytes_.add(r.memsize);
  }
  void merge(const AllocationTracerTally& other) {
    objects_ += other.objects_;
    bytes_.add(other.bytes_);
  }
  uint64_t objects() const { return objects_; }
  uint128 bytes() const { return bytes_.value(); }

 private:
  uint64_t objects_ = 0;
  ByteSum bytes_;
};

}  // namespace heapdump
