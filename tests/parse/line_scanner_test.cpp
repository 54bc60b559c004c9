// LineScanner is only a shortcut: every line must decode exactly as the
// full (simdjson DOM) parser decodes it. These tests compare the two paths
// on hand-written lines, on every line of every fixture, and on mutated
// lines, and check that the shortcut is actually taken for ordinary lines.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "heapdump/input.hpp"
#include "parse/line_scanner.hpp"
#include "parse/record_decoder.hpp"

using namespace heapdump;

namespace {

/// Everything a record says, as one comparable string.
std::string describe(const ObjectRecord& r) {
  std::string s;
  auto str = [&s](const char* name, std::string_view v) {
    s += name;
    s += '=';
    s += std::to_string(v.size());
    s += ':';
    s.append(v);
    s += ' ';
  };
  auto num = [&s](const char* name, uint64_t v) {
    s += name;
    s += '=';
    s += std::to_string(v);
    s += ' ';
  };
  num("kind", static_cast<uint64_t>(r.kind));
  str("type", r.type);
  str("address_text", r.address_text);
  num("address", r.address);
  num("has_address", r.has_address);
  str("class_text", r.class_text);
  num("class_address", r.class_address);
  num("has_class", r.has_class);
  num("generation", r.generation);
  num("has_generation", r.has_generation);
  num("memsize", r.memsize);
  str("file", r.file);
  num("has_file", r.has_file);
  num("line", r.line);
  num("has_line", r.has_line);
  str("method", r.method);
  num("has_method", r.has_method);
  str("name", r.name);
  num("has_name", r.has_name);
  num("singleton", r.singleton);
  str("value", r.value);
  num("has_value", r.has_value);
  num("reference_count", r.reference_count);
  num("has_references", r.has_references);
  num("references_decoded", r.references_decoded);
  num("bad_references", r.bad_references);
  for (size_t i = 0; i < r.references_decoded; ++i) num("ref", r.references[i]);
  str("struct", r.struct_name);
  str("imemo_type", r.imemo_type);
  str("root", r.root_name);
  num("byte_offset", r.byte_offset);
  str("raw_line", r.raw_line);
  return s;
}

/// A line as the reader hands it over: followed by 64 readable bytes. The
/// padding is filled with quotes and backslashes, so a scanner that looks
/// past the end of the line would see them.
struct PaddedLine {
  explicit PaddedLine(const std::string& text) : storage(text + std::string(64, '"')) {
    for (size_t i = text.size(); i < storage.size(); i += 3) storage[i] = '\\';
    view = std::string_view(storage.data(), text.size());
  }
  std::string storage;
  std::string_view view;
};

/// The outcome of decoding one line: "ok <record>" or "bad <reason>".
std::string outcome(RecordDecoder& d, const PaddedLine& line) {
  ObjectRecord r;
  r.byte_offset = 77;
  std::string reason;
  if (d.decode(line.view, 64, &r, &reason)) return "ok " + describe(r);
  return "bad " + reason;
}

/// The outcome when the line's end is first found with find_line(), as the
/// reader does (the scanner then reuses the index it made on the way).
std::string outcome_after_find_line(RecordDecoder& d, const PaddedLine& line) {
  const char* p = line.view.data();
  const size_t n = d.find_line(p, p + line.view.size());
  CHECK(n == std::min(line.view.find('\n'), line.view.size()));
  return outcome(d, line);
}

/// Decoders that live across lines, as in a parsing thread (the scanner
/// remembers values it has checked).
struct Decoders {
  explicit Decoders(bool references) {
    fast.set_decode_references(references);
    indexed.set_decode_references(references);
    full.set_decode_references(references);
    full.set_fast_path(false);
  }
  RecordDecoder fast, indexed, full;
  LineScanner scanner;
};

/// Decodes `text` with and without the scanner (with references decoded or
/// not) and checks the answers are the same. Returns whether the scanner
/// itself accepted the line. Fresh decoders unless `d` is given.
bool check_same(const std::string& text, bool references, Decoders* d = nullptr) {
  INFO("line: " << text);
  const PaddedLine line(text);
  Decoders fresh(references);
  if (d == nullptr) d = &fresh;
  const std::string full_outcome = outcome(d->full, line);
  CHECK(outcome(d->fast, line) == full_outcome);
  CHECK(outcome_after_find_line(d->indexed, line) == full_outcome);

  LineScanner& scanner = d->scanner;
  ObjectRecord r;
  r.byte_offset = 77;
  r.raw_line = line.view;
  std::vector<uint64_t> refs;
  const bool accepted = scanner.scan(line.view, &r, references ? &refs : nullptr);
  if (accepted) {
    // Accepting is only allowed for lines the full parser accepts too.
    CHECK(full_outcome == "ok " + describe(r));
  }
  return accepted;
}

std::vector<std::string> fixture_lines(const std::string& name) {
  std::unique_ptr<InputSource> input;
  const Status st = InputSource::open(std::string(HEAPDUMP_FIXTURE_DIR) + "/" + name, &input);
  REQUIRE(st.ok());
  std::string data;
  char buf[1 << 16];
  for (;;) {
    size_t got = 0;
    REQUIRE(input->read(buf, sizeof buf, &got).ok());
    if (got == 0) break;
    data.append(buf, got);
  }
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < data.size()) {
    size_t nl = data.find('\n', start);
    if (nl == std::string::npos) nl = data.size();
    lines.push_back(data.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("LineScanner takes an ordinary Ruby line and fills the record") {
  const std::string text =
      R"({"address":"0x7f739d1f7a28", "type":"STRING", "class":"0x7f739d23f0b8", "frozen":true, )"
      R"("embedded":true, "bytesize":3, "value":"a/b", "encoding":"UTF-8", )"
      R"("file":"gen/leak_sequence.rb", "line":114, "method":"call", "generation":3, "memsize":40, )"
      R"("references":["0x10", "0x7f0000000020"], )"
      R"("flags":{"wb_protected":true, "old":false, "uncollectible":null, "marked":true}})";
  const PaddedLine line(text);
  LineScanner scanner;
  ObjectRecord r;
  std::vector<uint64_t> refs;
  REQUIRE(scanner.scan(line.view, &r, &refs));
  CHECK(r.kind == RecordKind::kObject);
  CHECK(r.type == "STRING");
  CHECK(r.address == 0x7f739d1f7a28ull);
  CHECK(r.address_text == "0x7f739d1f7a28");
  CHECK(r.class_address == 0x7f739d23f0b8ull);
  CHECK(r.value == "a/b");
  CHECK(r.file == "gen/leak_sequence.rb");
  CHECK(r.line == 114);
  CHECK(r.method == "call");
  CHECK(r.generation == 3);
  CHECK(r.memsize == 40);
  CHECK(r.reference_count == 2);
  REQUIRE(r.references_decoded == 2);
  CHECK(r.references[1] == 0x7f0000000020ull);
  // Views point into the line itself: nothing was copied.
  CHECK(r.file.data() > line.view.data());
  CHECK(r.file.data() < line.view.data() + line.view.size());
  CHECK(check_same(text, true));
  CHECK(check_same(text, false));
}

TEST_CASE("LineScanner unescapes simple escapes itself") {
  const std::string text =
      R"({"address":"0x1", "type":"STRING", "value":"G\"E\\T\n\/\t\r\b\f", "file":"a\\b.rb", "x":"\""})";
  const PaddedLine line(text);
  LineScanner scanner;
  ObjectRecord r;
  REQUIRE(scanner.scan(line.view, &r, nullptr));
  CHECK(r.value == "G\"E\\T\n/\t\r\b\f");
  CHECK(r.file == "a\\b.rb");
  CHECK(check_same(text, false));
}

TEST_CASE("LineScanner declines what it does not handle; the full parser decides") {
  const char* declined[] = {
      R"({"address":"0x1", "value":"\u00e9"})",           // \u escape
      "{\"addr\xc3\xa9ss\":\"0x1\"}",                     // non-ASCII key
      "{\"address\":\"0x1\", \"value\":\"\xff\"}",          // invalid UTF-8 ...
      "{\"address\":\"0x1\", \"value\":\"a\xc3\"}",         // cut sequence
      "{\"address\":\"0x1\", \"value\":\"\xc0\xaf\"}",      // overlong
      "{\"address\":\"0x1\", \"value\":\"\xe0\x80\xaf\"}",  // overlong
      "{\"address\":\"0x1\", \"value\":\"\xed\xa0\x80\"}",  // surrogate
      "{\"address\":\"0x1\", \"value\":\"\xf4\x90\x80\x80\"}",  // above U+10FFFF
      "{\"address\":\"0x1\", \"value\":\"\x80\"}",          // lone continuation
      "{\"address\":\"0x1\", \"x\":\xc3\xa9}",               // outside a string
      R"({"address":"0x1", "memsize":-5})",               // negative
      R"({"address":"0x1", "x":-5})",                     // negative, unused key
      R"({"address":"0x1", "x":1.5})",                    // fraction
      R"({"address":"0x1", "x":1e3})",                    // exponent
      R"({"address":"0x1", "x":012})",                    // leading zero
      R"({"address":"0x1", "memsize":12345678901234567890})",  // 20 digits
      R"({"addr\u0065ss":"0x1"})",                        // escaped key
      R"({"addr\"ess":"0x1"})",                           // escaped key
      R"({"address":"0x1", "type":7})",                   // wrong type
      R"({"address":"0x1", "line":"12"})",
      R"({"address":"zz"})",
      R"({"address":12})",
      R"({"address":"0x1", "type":"OBJECT"} x)",          // trailing text
      R"({"address":"0x1", "type":"OBJECT")",             // cut
      R"({"address":"0x1", "type":"OBJE)",
      R"({"address":"0x1", "flags":{"old":tru}})",
      R"({"address":"0x1", "flags":{"old":truex}})",
      R"({"address":"0x1", "value":"\q"})",
      R"({"address":"0x1", "value":"a\)",
      "{\"address\":\"0x1\", \"value\":\"a\x01\"}",
      R"({"address":"0x1", "references":["0x2",]})",
      R"({"address":"0x1",})",
      R"({"address" "0x1"})",
      R"([1, 2])",
      R"("text")",
      R"(   )",
      R"({"a":)"
      R"([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[)"
      R"(]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})",  // 65 deep
  };
  for (const char* text : declined) {
    INFO(text);
    CHECK_FALSE(check_same(text, true));
    CHECK_FALSE(check_same(text, false));
  }
}

TEST_CASE("LineScanner: null, other types and duplicate keys as the full parser has them") {
  const char* accepted[] = {
      R"({"address":"0x1", "type":"OBJECT", "generation":null, "memsize":null, "file":null, "line":null})",
      R"({"address":null, "type":null, "class":null})",
      R"({"address":"0x1", "file":5, "method":true, "name":[1], "value":{"a":"b"}, "struct":null})",
      R"({"address":"0x1", "memsize":8, "memsize":16, "generation":4, "generation":null})",
      R"({"address":"0x1", "address":null, "type":"A", "type":null})",
      R"({"address":"0x1", "references":["0x2"], "references":5})",
      R"({"address":"0x1", "references":["0x2", 5, "zz", null, ["0x3"], "0x4"]})",
      R"({"type":"ROOT", "root":"vm", "references":[]})",
      R"({"address":"0x1", "type":"CLASS", "singleton":true})",
      R"({"address":"0x1", "type":"CLASS", "singleton":false})",
      R"({"address":"0x1", "type":"CLASS", "singleton":"true", "singleton":null})",
      R"({"address":"0x1", "type":"CLASS", "singleton":true, "singleton":1})",
      R"({"address":"0x1", "type":"CLASS", "singleton":[true]})",
      R"({})",
      R"(  { "address" : "0x1" , "type" : "HASH" }  )",
      R"({"address":"0x1", "memsize":0, "x":[], "y":{}, "z":[{}, [], "", 0, 1234567890123456789]})",
      R"({"address":"0xffffffffffffffff", "memsize":9999999999999999999})",
      R"({"address":"0x1", "value":"a long value that spans more than one sixteen-byte block"})",
      // Well-formed UTF-8 of every length, at the edges of the ranges.
      "{\"address\":\"0x1\", \"value\":\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x92\x8e\", \"file\":\"\xc2\x80\"}",
      "{\"address\":\"0x1\", \"value\":\"\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"}",
      "{\"address\":\"0x1\", \"value\":\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\\n\xc3\xa9\\t\"}",
      "{\"address\":\"0x1\", \"flags\":{\"k\":\"\xc3\xa9\"}, \"references\":[\"\xc3\xa9\"]}",
  };
  for (const char* text : accepted) {
    INFO(text);
    CHECK(check_same(text, true));
    CHECK(check_same(text, false));
    // The same line with a tab in it goes through the byte-by-byte scan
    // instead of the quote bitmap; the answer must not change.
    std::string tabbed(text);
    const size_t brace = tabbed.find('{');
    tabbed.insert(brace + 1, "\t");
    CHECK(check_same(tabbed, true));
  }
}

TEST_CASE("LineScanner agrees with the full parser on every fixture line, and takes most of them") {
  const char* files[] = {
      "boot_sinatra.json.gz", "leak_plain.0.json",     "leak_plain.1.json",  "edge_values.json",
      "edge_truncated.json",  "edge_badjson_path.json", "edge_since.json",   "edge_full.json.gz",
      "slot_reuse.0.json",    "eras/ruby-2.1.json",    "eras/ruby-3.4-string_value_false.json"};
  for (const char* name : files) {
    INFO(name);
    size_t lines = 0, taken = 0;
    Decoders with_refs(true), without_refs(false);
    for (const std::string& text : fixture_lines(name)) {
      if (text.empty()) continue;
      ++lines;
      if (check_same(text, true, &with_refs)) ++taken;
      check_same(text, false, &without_refs);
    }
    // Real dumps are mostly plain ASCII lines: the shortcut must carry them.
    if (std::string_view(name) == "boot_sinatra.json.gz" || std::string_view(name) == "leak_plain.0.json") {
      INFO(taken << " of " << lines << " lines taken by the scanner");
      CHECK(taken * 100 >= lines * 95);
    }
  }
}

TEST_CASE("LineScanner agrees with the full parser on mutated lines") {
  const std::vector<std::string> lines = fixture_lines("leak_plain.0.json");
  std::mt19937_64 rng(20261125);
  const std::string alphabet = "\"\\{}[],: \t0123456789-.eEtrufalsnx/\x01\xc3";
  size_t accepted = 0, total = 0;
  Decoders with_refs(true), without_refs(false);
  for (size_t i = 0; i < lines.size(); i += 37) {
    for (int m = 0; m < 12; ++m) {
      std::string text = lines[i];
      if (text.empty()) continue;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const size_t pos = rng() % text.size();
        const char ch = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0: text.erase(pos, 1); break;
          case 1: text.insert(pos, 1, ch); break;
          default: text[pos] = ch; break;
        }
      }
      ++total;
      // The unmutated line first, so that its values are remembered when
      // the mutated one comes.
      check_same(lines[i], (m & 1) != 0, (m & 1) != 0 ? &with_refs : &without_refs);
      if (check_same(text, (m & 1) != 0, (m & 1) != 0 ? &with_refs : &without_refs)) ++accepted;
    }
  }
  INFO(accepted << " of " << total << " mutated lines accepted by the scanner");
  CHECK(total > 1000);
  CHECK(accepted > 0);  // some mutations stay valid (a digit for a digit)
}

TEST_CASE("LineScanner: lines over 1 MB are scanned without a quote bitmap, the same way") {
  // 100,000 references (about 1.8 MB) and a value with escapes.
  std::string refs;
  for (int i = 0; i < 100000; ++i) {
    if (i > 0) refs += ", ";
    refs += "\"0x7f00000" + std::to_string(100000 + i) + "\"";
  }
  const std::string big = R"({"type":"ROOT", "root":"vm", "references":[)" + refs +
                          R"(], "value":"a\"b\\c\n"})";
  REQUIRE(big.size() > (size_t{1} << 20));
  LineScanner scanner;
  {
    const PaddedLine line(big);
    ObjectRecord r;
    std::vector<uint64_t> out;
    REQUIRE(scanner.scan(line.view, &r, &out));
    CHECK(r.reference_count == 100000);
    REQUIRE(out.size() == 100000);
    CHECK(out[99999] == 0x7f00000199999ull);
    CHECK(r.value == "a\"b\\c\n");
  }
  // The same scanner then takes an ordinary line (its buffers shrink back).
  const PaddedLine small(R"({"address":"0x1", "type":"STRING", "value":"x\ty"})");
  ObjectRecord r;
  REQUIRE(scanner.scan(small.view, &r, nullptr));
  CHECK(r.value == "x\ty");
  CHECK(check_same(big, true));
  CHECK(check_same(big, false));
}

TEST_CASE("LineScanner remembers checked values of unused keys, and only whole ones") {
  Decoders d(true);
  const std::string flags = R"({"wb_protected":true, "old":true, "marked":true})";
  const std::string first = R"({"address":"0x1", "type":"HASH", "flags":)" + flags + "}";
  CHECK(check_same(first, true, &d));
  // The same flags again: stepped over, and the quotes after them (in the
  // quote bitmap) still line up.
  CHECK(check_same(R"({"address":"0x2", "flags":)" + flags + R"(, "file":"a.rb", "line":3})", true, &d));
  // A known value followed by something that is not valid there.
  CHECK_FALSE(check_same(R"({"address":"0x3", "flags":)" + flags + R"(x, "type":"HASH"})", true, &d));
  CHECK_FALSE(check_same(R"({"address":"0x3", "flags":)" + flags + "]}", true, &d));
  // A value that starts like a known one but is not it.
  CHECK_FALSE(check_same(R"({"address":"0x4", "flags":{"wb_protected":true, "old":true, "marked":tru}})", true, &d));
  CHECK(check_same(R"({"address":"0x4", "flags":{"wb_protected":true, "old":true, "marked":true, "x":1}})", true, &d));
  // Cut in the middle of where a known value would be.
  CHECK_FALSE(check_same(R"({"address":"0x5", "flags":{"wb_protected":true, "old":true)", true, &d));
  // Known in one line, met again in a line scanned without a bitmap (a tab).
  CHECK(check_same("{\t\"address\":\"0x6\", \"flags\":" + flags + ", \"value\":\"v\"}", true, &d));
  // More distinct values than are remembered: still right.
  for (int i = 0; i < 20; ++i) {
    const std::string v = "[" + std::to_string(i % 11) + ", {\"k\":\"" + std::string(i % 5, 'z') + "\"}]";
    CHECK(check_same(R"({"address":"0x7", "x":)" + v + R"(, "type":"ARRAY", "memsize":)" +
                         std::to_string(i) + "}",
                     true, &d));
  }
}
