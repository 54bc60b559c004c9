// Found by fuzz_pipeline (docs/fuzzing.md): the same class address named
// twice must resolve to the same name whatever the thread count.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "heapdump/class_names.hpp"
#include "heapdump/input.hpp"
#include "heapdump/reader.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

namespace {

ObjectRecord module_record(uint64_t address, std::string_view name, uint64_t byte_offset) {
  ObjectRecord r;
  r.kind = RecordKind::kObject;
  r.type = "MODULE";
  r.address = address;
  r.has_address = true;
  r.name = name;
  r.has_name = true;
  r.byte_offset = byte_offset;
  return r;
}

}  // namespace

TEST_CASE("ClassNames: a name given twice: the later one in the file wins, in any merge order") {
  // One thread saw the earlier record, another the later one.
  ClassNames early, late;
  early.on_record(module_record(0x10, "Early", 100));
  late.on_record(module_record(0x10, "Late", 900));

  ClassNames a;
  a.merge(early);
  a.merge(late);
  ClassNames b;
  b.merge(late);
  b.merge(early);
  early.merge(late);  // merging into the thread that saw the earlier one
  REQUIRE(a.find(0x10) != nullptr);
  CHECK(*a.find(0x10) == "Late");
  CHECK(*b.find(0x10) == "Late");
  CHECK(*early.find(0x10) == "Late");

  // Single thread, in file order: the same.
  ClassNames one;
  one.on_record(module_record(0x10, "Early", 100));
  one.on_record(module_record(0x10, "Late", 900));
  CHECK(*one.find(0x10) == "Late");
}

TEST_CASE("ClassNames: read_dump_parallel resolves a repeated address like one thread") {
  std::string data;
  for (int i = 0; i < 200; ++i) {
    data += "{\"address\":\"0x10\", \"type\":\"MODULE\", \"name\":\"Name" + std::to_string(i) + "\"}\n";
  }
  for (unsigned threads : {1u, 2u, 4u}) {
    for (int round = 0; round < 20; ++round) {
      std::vector<std::unique_ptr<ClassNames>> names;
      for (unsigned i = 0; i < threads; ++i) names.push_back(std::make_unique<ClassNames>());
      CollectingReporter rep;
      auto input = make_memory_input(data);
      ReadOptions options;
      options.threads = threads;
      options.chunk_size = 64;  // one line per chunk
      REQUIRE(read_dump_parallel(
                  *input, [&](unsigned i) -> RecordSink& { return *names[i]; }, rep, nullptr,
                  options)
                  .ok());
      for (unsigned i = 1; i < threads; ++i) names[0]->merge(*names[i]);
      REQUIRE(names[0]->find(0x10) != nullptr);
      CHECK(*names[0]->find(0x10) == "Name199");
    }
  }
}
