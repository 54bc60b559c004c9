#include <catch2/catch.hpp>

#include <string>

#include "parse/record_decoder.hpp"

using namespace heapdump;

namespace {

struct Decoded {
  bool ok;
  ObjectRecord rec;
  std::string reason;
  std::string storage;
};

// Decodes `text` from a padded copy (the reader guarantees the padding).
bool decode(RecordDecoder& d, const std::string& text, ObjectRecord* rec, std::string* reason,
            std::string* storage) {
  *storage = text + std::string(64, ' ');
  return d.decode(std::string_view(storage->data(), text.size()), 64, rec, reason);
}

}  // namespace

TEST_CASE("RecordDecoder reads a traced Ruby 3.1 STRING record") {
  RecordDecoder d;
  ObjectRecord r;
  std::string reason, storage;
  const std::string line =
      R"({"address":"0x7f739d1f7a28", "type":"STRING", "class":"0x7f739d23f0b8", "frozen":true, )"
      R"("embedded":true, "fstring":true, "bytesize":3, "value":"G\"E\\T\n", "encoding":"UTF-8", )"
      R"("file":"gen/leak_sequence.rb", "line":114, "method":"call", "generation":3, "memsize":40, )"
      R"("flags":{"wb_protected":true, "old":true, "uncollectible":true, "marked":true}})";
  REQUIRE(decode(d, line, &r, &reason, &storage));
  CHECK(r.kind == RecordKind::kObject);
  CHECK(r.type == "STRING");
  CHECK(r.address == 0x7f739d1f7a28ull);
  CHECK(r.address_text == "0x7f739d1f7a28");
  CHECK(r.has_class);
  CHECK(r.class_address == 0x7f739d23f0b8ull);
  CHECK(r.value == "G\"E\\T\n");
  CHECK(r.file == "gen/leak_sequence.rb");
  CHECK(r.has_line);
  CHECK(r.line == 114);
  CHECK(r.method == "call");
  CHECK(r.has_generation);
  CHECK(r.generation == 3);
  CHECK(r.memsize == 40);
  CHECK_FALSE(r.has_references);
  CHECK(r.raw_line == line);
}

TEST_CASE("RecordDecoder: missing and null keys") {
  RecordDecoder d;
  ObjectRecord r;
  std::string reason, storage;
  REQUIRE(decode(d, R"({"address":"0x1", "type":"OBJECT", "generation":null, "memsize":null, "file":null, "line":null})",
                 &r, &reason, &storage));
  CHECK(r.kind == RecordKind::kObject);
  CHECK_FALSE(r.has_generation);
  CHECK(r.memsize == 0);
  CHECK_FALSE(r.has_file);
  CHECK_FALSE(r.has_line);
  REQUIRE(decode(d, R"({"address":"0x1", "type":"OBJECT", "file":"a.rb"})", &r, &reason, &storage));
  CHECK(r.has_file);
  CHECK_FALSE(r.has_line);
  CHECK(r.memsize == 0);
}

TEST_CASE("RecordDecoder: record kinds") {
  RecordDecoder d;
  ObjectRecord r;
  std::string reason, storage;
  REQUIRE(decode(d, R"({"type":"ROOT", "root":"vm", "references":["0x1", "0x2", "0x1"]})", &r, &reason, &storage));
  CHECK(r.kind == RecordKind::kRoot);
  CHECK(r.root_name == "vm");
  CHECK(r.reference_count == 3);
  REQUIRE(decode(d, R"({"address":"0x5", "type":"NONE", "class":"0x9"})", &r, &reason, &storage));
  CHECK(r.kind == RecordKind::kFree);
  REQUIRE(decode(d, R"({"address":"0x5", "type":"MOVED"})", &r, &reason, &storage));
  CHECK(r.kind == RecordKind::kMoved);
  REQUIRE(decode(d, R"({"address":"0x5","type":"SHAPE","id":1,"parent_id":0,"edges":1})", &r, &reason, &storage));
  CHECK(r.kind == RecordKind::kShape);
  REQUIRE(decode(d, R"({"address":"0x5", "type":"ZOMBIE"})", &r, &reason, &storage));
  CHECK(r.kind == RecordKind::kObject);
  REQUIRE(decode(d, R"({"type":"STRING"})", &r, &reason, &storage));
  CHECK(r.kind == RecordKind::kOther);  // no address: not an object
  REQUIRE(decode(d, R"({"address":"0x10a8e4f28", "type":"CLASS", "name":"Foo::Bar"})", &r, &reason, &storage));
  CHECK(r.address == 0x10a8e4f28ull);
  CHECK(r.name == "Foo::Bar");
}

TEST_CASE("RecordDecoder: later duplicate keys win, unknown keys are walked") {
  RecordDecoder d;
  ObjectRecord r;
  std::string reason, storage;
  REQUIRE(decode(d, R"({"address":"0x1", "type":"ARRAY", "memsize":8, "memsize":16, "x":{"y":[1,2.5,-3,true,false,null,"s",{}]}})",
                 &r, &reason, &storage));
  CHECK(r.memsize == 16);
}

TEST_CASE("RecordDecoder rejects invalid lines with a reason") {
  RecordDecoder d;
  ObjectRecord r;
  std::string reason, storage;
  struct Case {
    const char* line;
    const char* reason;
  };
  const Case cases[] = {
      {R"({"address":"0x1", "file":"/tmp/a "q" b.rb", "line":1})", "invalid JSON structure"},
      {R"({"address":"0x1", "type":"OBJECT")", "JSON ends in the middle"},
      {R"({"address":"0x1", "type":"OBJECT"} x)", "unexpected text after the JSON object"},
      {R"({"address":"0x1"}})", "unexpected text after the JSON object"},
      {R"({"address":"0x1", "flags":{"old":tru}})", "invalid JSON value"},
      {R"({"address":"0x1", "value":"\q"})", "bad escape"},
      {"{\"address\":\"0x1\", \"value\":\"a\x01\"}", "unescaped control character"},
      {"{\"address\":\"0x1\", \"value\":\"\xff\"}", "invalid UTF-8"},
      {R"([1, 2])", "not a JSON object"},
      {R"("text")", "not a JSON object"},
      {R"({"address":"0x1", "memsize":-5})", "\"memsize\" is negative"},
      {R"({"address":"0x1", "memsize":18446744073709551616})", "\"memsize\" does not fit in 64 bits"},
      {R"({"address":"0x1", "generation":1.5})", "\"generation\" is not a whole number"},
      {R"({"address":"0x1", "line":"12"})", "\"line\" is not a number"},
      {R"({"address":"zz"})", "\"address\" is not a hex address"},
      {R"({"address":"0x1", "type":7})", "\"type\" is not a string"},
      {R"({"address":"0x1", "references":["0x2",]})", "invalid JSON"},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    CHECK_FALSE(decode(d, c.line, &r, &reason, &storage));
    CHECK_THAT(reason, Catch::Contains(c.reason));
  }
  // The parser recovers: the next valid line decodes.
  CHECK(decode(d, R"({"address":"0x2", "type":"HASH"})", &r, &reason, &storage));
}

TEST_CASE("RecordDecoder: escapes in values and keys are unescaped") {
  RecordDecoder d;
  ObjectRecord r;
  std::string reason, storage;
  REQUIRE(decode(d, R"({"addr\u0065ss":"0x1", "type":"STRING", "value":"\u0000\u001b\t</script>\u00e9"})",
                 &r, &reason, &storage));
  CHECK(r.has_address);
  CHECK(r.value == std::string("\0\x1b\t</script>\xc3\xa9", 14));
}

TEST_CASE("RecordDecoder: largest values") {
  RecordDecoder d;
  ObjectRecord r;
  std::string reason, storage;
  REQUIRE(decode(d, R"({"address":"0xffffffffffffffff", "memsize":18446744073709551615, "generation":0})",
                 &r, &reason, &storage));
  CHECK(r.address == UINT64_MAX);
  CHECK(r.memsize == UINT64_MAX);
  CHECK(r.has_generation);
  CHECK(r.generation == 0);
}

TEST_CASE("RecordDecoder: reference addresses only when asked for") {
  RecordDecoder d;
  ObjectRecord r;
  std::string reason, storage;
  const std::string line =
      R"({"address":"0x10", "type":"ARRAY", "references":["0x20", "0x7f0000000030", 5, "zz", "0x20"]})";
  REQUIRE(decode(d, line, &r, &reason, &storage));
  CHECK(r.reference_count == 5);
  CHECK(r.references_decoded == 0);
  d.set_decode_references(true);
  REQUIRE(decode(d, line, &r, &reason, &storage));
  REQUIRE(r.references_decoded == 3);
  CHECK(r.references[0] == 0x20);
  CHECK(r.references[1] == 0x7f0000000030ull);
  CHECK(r.references[2] == 0x20);  // repeats are kept
  CHECK(r.bad_references == 2);
  REQUIRE(decode(d, R"({"address":"0x11", "type":"STRING"})", &r, &reason, &storage));
  CHECK(r.references_decoded == 0);
  CHECK_FALSE(r.has_references);
}
