// Helpers shared by the unit tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "heapdump/input.hpp"
#include "heapdump/reader.hpp"
#include "heapdump/sink.hpp"

namespace heapdump::test {

/// A skipped line as reported.
struct Skipped {
  uint64_t line;
  uint64_t offset;
  std::string reason;
};

class CollectingReporter final : public ParseReporter {
 public:
  void skipped_line(std::string_view, uint64_t line, uint64_t offset,
                    std::string_view reason) override {
    skipped.push_back({line, offset, std::string(reason)});
  }
  std::vector<Skipped> skipped;
};

/// A record with its strings copied, for inspection after the read.
struct OwnedRecord {
  RecordKind kind;
  std::string type, address_text, file, value, name, raw_line;
  uint64_t address, generation, memsize, line, reference_count, byte_offset;
  bool has_generation, has_file, has_line, has_value, has_references, has_class;
  uint64_t class_address;
};

class CollectingSink final : public RecordSink {
 public:
  void on_record(const ObjectRecord& r) override {
    records.push_back({r.kind, std::string(r.type), std::string(r.address_text),
                       std::string(r.file), std::string(r.value), std::string(r.name),
                       std::string(r.raw_line), r.address, r.generation, r.memsize, r.line,
                       r.reference_count, r.byte_offset, r.has_generation,
                       r.has_file, r.has_line, r.has_value, r.has_references, r.has_class,
                       r.class_address});
  }
  std::vector<OwnedRecord> records;
};

/// Reads `data` through the real reader with the given chunk and read sizes.
inline ReadStats read_string(const std::string& data, RecordSink& sink, CollectingReporter& rep,
                             size_t chunk_size = 1 << 20, size_t max_read = SIZE_MAX) {
  auto input = make_memory_input(data, "mem.json", max_read);
  ReadStats stats;
  ReadOptions options;
  options.chunk_size = chunk_size;
  Status s = read_dump(*input, sink, rep, &stats, options);
  if (!s.ok()) throw std::runtime_error(s.message());
  return stats;
}

}  // namespace heapdump::test
