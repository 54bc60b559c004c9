// `read FILE`: object count and memory per GC generation.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "heapdump/byte_sum.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Folds objects into per-generation counts and bytes. Objects without a
/// generation go in the "nil" row; generation 0 is a row of its own.
class GenerationSummary final : public RecordSink {
 public:
  void on_record(const ObjectRecord& record) override;
  /// Adds another summary's counts (from another parsing thread).
  void merge(const GenerationSummary& other);

  /// Table "generations": columns generation (null = nil), objects, bytes,
  /// in ascending order, nil first; totals "objects", "bytes", "generations".
  Table to_table() const;

 private:
  struct Acc {
    uint64_t objects = 0;
    ByteSum bytes;  // never wraps: each memsize is up to 2^64 - 1
  };
  Acc nil_;
  std::vector<Acc> small_;            // generations below kDenseLimit
  std::map<uint64_t, Acc> large_;     // anything larger
  static constexpr uint64_t kDenseLimit = 1 << 20;
};

}  // namespace heapdump
