// Ruby's allocation tracer: the one DATA object in which
// ObjectSpace.trace_object_allocations_start keeps its table. It is the
// tool's memory, not the program's, so reports name it apart.
#pragma once

#include <string_view>

namespace heapdump {

/// Its DATA "struct".
inline constexpr std::string_view kAllocationTracerStruct = "ObjectTracing/allocation_info_tracer";

/// How every report names it (as its class).
inline constexpr std::string_view kAllocationTracerName = "(allocation tracer)";

/// Whether a record's type and "struct" are the allocation tracer's.
inline bool is_allocation_tracer(std::string_view type, std::string_view struct_name) {
  return type == "DATA" && struct_name == kAllocationTracerStruct;
}

}  // namespace heapdump
