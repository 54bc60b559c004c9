// What the JSON and CSV renderers share for writing a big report in pieces.
#pragma once

#include <cstddef>
#include <string>

#include "heapdump/render.hpp"

namespace heapdump {

/// The output the renderers gather before they hand it to a RenderFlush.
inline constexpr size_t kFlushBytes = size_t{1} << 20;

/// Hands `out` to `flush` (if any) once it holds kFlushBytes or more.
inline void flush_full(const RenderFlush* flush, std::string* out) {
  if (flush != nullptr && *flush && out->size() >= kFlushBytes) (*flush)(out);
}

}  // namespace heapdump
