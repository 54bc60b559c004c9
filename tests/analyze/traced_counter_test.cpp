#include "heapdump/traced_counter.hpp"

#include <catch2/catch.hpp>

namespace heapdump {
namespace {

ObjectRecord object(bool has_file, bool has_generation, uint64_t generation) {
  ObjectRecord r;
  r.kind = RecordKind::kObject;
  r.type = "STRING";
  r.has_file = has_file;
  r.file = has_file ? "a.rb" : "";
  r.has_generation = has_generation;
  r.generation = generation;
  return r;
}

TEST_CASE("TracedCounter: objects, traced ones, their generations, the selected ones") {
  Selection gen5;
  gen5.all = false;
  gen5.generation = 5;
  TracedCounter a(gen5), b(gen5);
  a.on_record(object(true, true, 5));
  a.on_record(object(true, true, 7));
  a.on_record(object(false, true, 5));  // no allocation info: not traced, not selected
  ObjectRecord root;
  root.kind = RecordKind::kRoot;
  a.on_record(root);  // not an object
  b.on_record(object(true, false, 0));  // traced, generation nil
  b.on_record(object(true, true, 5));
  a.merge(b);
  CHECK(a.objects == 5);
  CHECK(a.traced == 4);
  CHECK(a.selected == 2);
  CHECK(a.generations == std::set<uint64_t>{5, 7});
  TracedCounter all;
  all.on_record(object(true, true, 1));
  CHECK(all.selected == 0);  // no selection: nothing is counted as selected
}

}  // namespace
}  // namespace heapdump
