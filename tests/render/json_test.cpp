#include <simdjson.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "heapdump/render.hpp"
#include "render/sample_tables.hpp"

using namespace heapdump;
using test::two_columns;
using namespace std::string_literals;

namespace {

std::string json(const Report& r) {
  std::string out;
  render_json(r, &out);
  return out;
}

/// Parses `text` with simdjson's DOM parser; fails the test if invalid.
simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element doc;
  const auto error = parser.parse(text).get(doc);
  INFO(text);
  INFO(simdjson::error_message(error));
  REQUIRE(error == simdjson::SUCCESS);
  return doc;
}

/// The bytes a rendered text value stands for: a string's UTF-8, or the
/// code points of {"latin1": "..."} as bytes.
std::string text_bytes(simdjson::dom::element e) {
  std::string_view s;
  if (e.is_string()) {
    REQUIRE(e.get(s) == simdjson::SUCCESS);
    return std::string(s);
  }
  simdjson::dom::object o;
  REQUIRE(e.get(o) == simdjson::SUCCESS);
  REQUIRE(o.size() == 1);
  REQUIRE(o["latin1"].get(s) == simdjson::SUCCESS);
  std::string bytes;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      bytes += static_cast<char>(b);
    } else {  // U+0080..U+00FF: two bytes, C2/C3 then a continuation byte
      REQUIRE((b == 0xC2 || b == 0xC3));
      REQUIRE(i + 1 < s.size());
      bytes += static_cast<char>(((b & 0x03) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F));
      ++i;
    }
  }
  return bytes;
}

}  // namespace

TEST_CASE("render_json: read GEN|all, the documented example") {
  Report r;
  r.command = "read";
  r.parameters = {{"file", "a.json"s}, {"generation", "all"s}, {"lines", uint64_t{50}}};
  Table memory = two_columns("memory_by_location", "location", "bytes", Column::Kind::kBytes);
  memory.rows = {{"a.rb:1"s, uint64_t{50}}, {"b.rb:2"s, uint64_t{46}}};
  memory.totals = {{"bytes", 96}};
  Table classes = two_columns("objects_by_class", "class", "objects", Column::Kind::kCount);
  classes.rows = {{"String"s, uint64_t{3}}};
  r.tables = {memory, classes};
  const std::string out = json(r);
  CHECK(out ==
        R"({"schema_version":1,"command":"read","parameters":{"file":"a.json","generation":"all","lines":50},)"
        R"("tables":[{"name":"memory_by_location","columns":[{"name":"location","kind":"text"},{"name":"bytes","kind":"bytes"}],)"
        R"("rows":[["a.rb:1",50],["b.rb:2",46]],"totals":{"bytes":96}},)"
        R"({"name":"objects_by_class","columns":[{"name":"class","kind":"text"},{"name":"objects","kind":"count"}],)"
        R"("rows":[["String",3]],"totals":{}}]})"
        "\n");
  simdjson::dom::parser parser;
  auto doc = parse(parser, out);
  uint64_t version = 0;
  CHECK(doc["schema_version"].get(version) == simdjson::SUCCESS);
  CHECK(version == 1);
  uint64_t bytes = 0;
  CHECK(doc["tables"].at(0)["totals"]["bytes"].get(bytes) == simdjson::SUCCESS);
  CHECK(bytes == 96);
}

TEST_CASE("render_json: summary with the nil generation as null, all kinds") {
  Report r;
  r.command = "read";
  r.parameters = {{"file", "-"s}, {"generation", Cell{}}};
  r.tables = {test::summary_table()};
  const std::string out = json(r);
  CHECK(out ==
        R"({"schema_version":1,"command":"read","parameters":{"file":"-","generation":null},)"
        R"("tables":[{"name":"generations","columns":[{"name":"generation","kind":"integer"},)"
        R"({"name":"objects","kind":"count"},{"name":"bytes","kind":"bytes"}],)"
        R"("rows":[[null,6579,831897],[1,32,1536]],)"
        R"("totals":{"objects":6611,"bytes":833433,"generations":2}}]})"
        "\n");
  simdjson::dom::parser parser;
  auto doc = parse(parser, out);
  CHECK(doc["tables"].at(0)["rows"].at(0).at(0).is_null());
  CHECK(doc["parameters"]["generation"].is_null());
}

TEST_CASE("render_json: diff with null file and line") {
  Report r;
  r.command = "diff";
  r.parameters = {{"before", "0.json"s}, {"after", "1.json"s}, {"retained", Cell{}},
                  {"output_diff", Cell{}}};
  r.tables = {test::diff_table()};
  const std::string out = json(r);
  CHECK(out ==
        R"({"schema_version":1,"command":"diff","parameters":{"before":"0.json","after":"1.json",)"
        R"("retained":null,"output_diff":null},"tables":[{"name":"diff","columns":[)"
        R"({"name":"type","kind":"text"},{"name":"objects","kind":"count"},{"name":"bytes","kind":"bytes"},)"
        R"({"name":"file","kind":"text"},{"name":"line","kind":"integer"}],)"
        R"("rows":[["STRING",360,14400,"gen/leak.rb",79],["DATA",1,8,null,null]],)"
        R"("totals":{"objects":361,"bytes":14408}}]})"
        "\n");
  simdjson::dom::parser parser;
  parse(parser, out);
}

TEST_CASE("render_json: empty report, empty table, big integers") {
  Report empty;
  CHECK(json(empty) == "{\"schema_version\":1,\"command\":\"\",\"parameters\":{},\"tables\":[]}\n");

  Report r;
  r.command = "read";
  Table none;
  none.name = "objects_by_class";
  none.columns = {{"class", Column::Kind::kText}, {"objects", Column::Kind::kCount}};
  Table bare;  // no columns, rows or totals at all
  bare.name = "x";
  Table big = two_columns("memory_by_location", "location", "bytes", Column::Kind::kBytes);
  big.rows = {{"a"s, UINT64_MAX}, {"b"s, uint64_t{0}}, {"c"s, uint64_t{9007199254740993}}};
  big.totals = {{"bytes", UINT64_MAX}};
  r.tables = {none, bare, big};
  const std::string out = json(r);
  CHECK(out ==
        R"({"schema_version":1,"command":"read","parameters":{},"tables":[)"
        R"({"name":"objects_by_class","columns":[{"name":"class","kind":"text"},{"name":"objects","kind":"count"}],"rows":[],"totals":{}},)"
        R"({"name":"x","columns":[],"rows":[],"totals":{}},)"
        R"({"name":"memory_by_location","columns":[{"name":"location","kind":"text"},{"name":"bytes","kind":"bytes"}],)"
        R"("rows":[["a",18446744073709551615],["b",0],["c",9007199254740993]],"totals":{"bytes":18446744073709551615}}]})"
        "\n");
  simdjson::dom::parser parser;
  auto doc = parse(parser, out);
  uint64_t v = 0;
  REQUIRE(doc["tables"].at(2)["rows"].at(0).at(1).get(v) == simdjson::SUCCESS);
  CHECK(v == UINT64_MAX);
  REQUIRE(doc["tables"].at(2)["rows"].at(2).at(1).get(v) == simdjson::SUCCESS);
  CHECK(v == 9007199254740993u);  // not rounded through a double
  REQUIRE(doc["tables"].at(2)["totals"]["bytes"].get(v) == simdjson::SUCCESS);
  CHECK(v == UINT64_MAX);
}

namespace {

/// A report whose one duplicate_strings cell holds `value`.
Report with_value(const std::string& value) {
  Report r;
  r.command = "read";
  Table t;
  t.name = "duplicate_strings";
  t.columns = {{"value", Column::Kind::kText}};
  t.rows = {{value}};
  r.tables = {t};
  return r;
}

/// The JSON text of that one cell.
std::string cell_json(const std::string& value) {
  const std::string out = json(with_value(value));
  const std::string head =
      R"({"schema_version":1,"command":"read","parameters":{},"tables":[{"name":"duplicate_strings",)"
      R"("columns":[{"name":"value","kind":"text"}],"rows":[[)";
  const std::string tail = "]],\"totals\":{}}]}\n";
  REQUIRE(out.size() >= head.size() + tail.size());
  REQUIRE(out.compare(0, head.size(), head) == 0);
  REQUIRE(out.compare(out.size() - tail.size(), tail.size(), tail) == 0);
  return out.substr(head.size(), out.size() - head.size() - tail.size());
}

/// Checks that the rendered document parses and its cell stands for `value`.
void check_round_trip(const std::string& value) {
  simdjson::dom::parser parser;
  auto doc = parse(parser, json(with_value(value)));
  simdjson::dom::element cell;
  REQUIRE(doc["tables"].at(0)["rows"].at(0).at(0).get(cell) == simdjson::SUCCESS);
  CHECK(text_bytes(cell) == value);
}

}  // namespace

TEST_CASE("render_json: escaping of valid UTF-8 text") {
  CHECK(cell_json("plain") == R"("plain")");
  CHECK(cell_json("") == R"("")");
  CHECK(cell_json("say \"hi\"") == R"("say \"hi\"")");
  CHECK(cell_json("C:\\dir\\") == R"("C:\\dir\\")");
  CHECK(cell_json("a/b") == R"("a/b")");  // '/' is not escaped
  CHECK(cell_json("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(cell_json("\x01\x1f\x7f") == R"("\u0001\u001f\u007f")");  // every C0 byte and DEL
  CHECK(cell_json("a\0b"s) == R"("a\u0000b")");
  CHECK(cell_json("\0"s) == R"("\u0000")");
  // Non-ASCII passes through unchanged: 2-, 3- and 4-byte sequences, the
  // largest code point and U+FFFD itself...
  CHECK(cell_json("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  CHECK(cell_json("\xC2\xA0\xF4\x8F\xBF\xBF\xEF\xBF\xBD") ==
        "\"\xC2\xA0\xF4\x8F\xBF\xBF\xEF\xBF\xBD\"");
  // ...but for the C1 and bidi controls and U+2028/U+2029, escaped as \uXXXX.
  CHECK(cell_json("\xC2\x80\xC2\x9B\xC2\x9F") == R"("\u0080\u009b\u009f")");
  CHECK(cell_json("a\xE2\x80\xAA\xE2\x80\xAE\xE2\x81\xA6\xE2\x81\xA9z") ==
        R"("a\u202a\u202e\u2066\u2069z")");
  CHECK(cell_json("\xE2\x80\xA8\xE2\x80\xA9") == R"("\u2028\u2029")");
  CHECK(cell_json("\xE2\x80\xA7\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA") ==
        "\"\xE2\x80\xA7\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA\"");  // neighbours
  for (const std::string& v : {"plain"s, ""s, "say \"hi\""s, "\b\f\n\r\t\x01\x1f\x7f"s, "a\0b"s,
                              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"s,
                              "\xC2\x9B\xE2\x80\xAE\xE2\x80\xA8\x7F"s}) {
    check_round_trip(v);
  }
}

TEST_CASE("render_json: text that is not valid UTF-8 becomes a latin1 object") {
  CHECK(cell_json("\xFF") == R"({"latin1":"\u00ff"})");
  CHECK(cell_json("ab\x80") == R"({"latin1":"ab\u0080"})");           // lone continuation
  CHECK(cell_json("\xC0\xAF") == R"({"latin1":"\u00c0\u00af"})");     // overlong '/'
  CHECK(cell_json("\xE0\x80\xAF") == R"({"latin1":"\u00e0\u0080\u00af"})");  // overlong
  CHECK(cell_json("\xED\xA0\x80") == R"({"latin1":"\u00ed\u00a0\u0080"})");  // surrogate
  CHECK(cell_json("\xF4\x90\x80\x80") == R"({"latin1":"\u00f4\u0090\u0080\u0080"})");  // > U+10FFFF
  CHECK(cell_json("\xF5\x80\x80\x80") == R"({"latin1":"\u00f5\u0080\u0080\u0080"})");
  CHECK(cell_json("x\xE2\x82") == R"({"latin1":"x\u00e2\u0082"})");  // truncated
  // One bad byte turns the whole value into latin1, valid UTF-8 included:
  // each byte is one code point, ASCII escaped as in plain strings.
  CHECK(cell_json("\"\\\n\0\xC3\xA9\xFF"s) ==
        R"({"latin1":"\"\\\n\u0000\u00c3\u00a9\u00ff"})");
  CHECK(cell_json("\x7f\x1b\xFF"s) == R"({"latin1":"\u007f\u001b\u00ff"})");  // DEL too
  for (const std::string& v : {"\xFF"s, "ab\x80"s, "\xC0\xAF"s, "\xED\xA0\x80"s,
                              "\xF4\x90\x80\x80"s, "x\xE2\x82"s, "\"\\\n\0\xC3\xA9\xFF"s}) {
    check_round_trip(v);
  }
}

TEST_CASE("render_json: invalid UTF-8 in parameters and in names") {
  Report r;
  r.command = "read";
  r.parameters = {{"file", "dump\xFF.json"s}, {"bad\xFF", uint64_t{1}}};
  Table t;
  t.name = "t\xC3";
  t.columns = {{"c\xFF\"", Column::Kind::kText}};
  t.totals = {{"n\x80", 1}};
  r.tables = {t};
  const std::string out = json(r);
  // Values keep their bytes as latin1; keys and names, which must be JSON
  // strings, get U+FFFD for each byte that is not valid UTF-8.
  CHECK(out ==
        "{\"schema_version\":1,\"command\":\"read\",\"parameters\":{"
        "\"file\":{\"latin1\":\"dump\\u00ff.json\"},\"bad\xEF\xBF\xBD\":1},"
        "\"tables\":[{\"name\":\"t\xEF\xBF\xBD\",\"columns\":[{\"name\":\"c\xEF\xBF\xBD\\\"\",\"kind\":\"text\"}],"
        "\"rows\":[],\"totals\":{\"n\xEF\xBF\xBD\":1}}]}\n");
  simdjson::dom::parser parser;
  auto doc = parse(parser, out);
  simdjson::dom::element file;
  REQUIRE(doc["parameters"]["file"].get(file) == simdjson::SUCCESS);
  CHECK(text_bytes(file) == "dump\xFF.json");
}

TEST_CASE("render_json: random bytes always give valid JSON that round-trips") {
  std::mt19937_64 rng(20240601);
  simdjson::dom::parser parser;
  for (int i = 0; i < 3000; ++i) {
    std::string value(rng() % 12, '\0');
    // Mostly bytes that make (in)valid multi-byte sequences likely.
    static constexpr unsigned char kBytes[] = {0x00, 0x0A, 0x22, 0x5C, 0x41, 0x7F, 0x80, 0x8F,
                                               0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0,
                                               0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
    for (char& c : value) {
      c = static_cast<char>(rng() % 3 == 0 ? rng() % 256 : kBytes[rng() % sizeof kBytes]);
    }
    const std::string out = json(with_value(value));
    INFO("case " << i);
    auto doc = parse(parser, out);
    simdjson::dom::element cell;
    REQUIRE(doc["tables"].at(0)["rows"].at(0).at(0).get(cell) == simdjson::SUCCESS);
    CHECK(text_bytes(cell) == value);
    // A plain string exactly when simdjson also calls the value valid UTF-8.
    CHECK(cell.is_string() == simdjson::validate_utf8(value));
  }
}

TEST_CASE("render_json: signed integers and the delta kinds") {
  Report r;
  r.command = "compare";
  Table t;
  t.name = "compare_by_type";
  t.columns = {{"type", Column::Kind::kText},
               {"objects_delta", Column::Kind::kCountDelta},
               {"bytes_delta", Column::Kind::kBytesDelta}};
  t.rows = {{"STRING"s, int64_t{-3}, int64_t{INT64_MIN}}, {"HASH"s, int64_t{0}, int64_t{INT64_MAX}}};
  r.tables = {t};
  const std::string out = json(r);
  CHECK(out ==
        "{\"schema_version\":1,\"command\":\"compare\",\"parameters\":{},\"tables\":[{\"name\":"
        "\"compare_by_type\",\"columns\":[{\"name\":\"type\",\"kind\":\"text\"},{\"name\":"
        "\"objects_delta\",\"kind\":\"count_delta\"},{\"name\":\"bytes_delta\",\"kind\":"
        "\"bytes_delta\"}],\"rows\":[[\"STRING\",-3,-9223372036854775808],[\"HASH\",0,"
        "9223372036854775807]],\"totals\":{}}]}\n");
  simdjson::dom::parser parser;
  int64_t v = 0;
  REQUIRE(parse(parser, out)["tables"].at(0)["rows"].at(0).at(2).get(v) == simdjson::SUCCESS);
  CHECK(v == INT64_MIN);
}

TEST_CASE("render_json/render_csv: rows on demand render as the same rows held, flushed in pieces") {
  // A table whose 200,000 rows (about 6 MB of JSON) come from row_source,
  // after two held rows, against the same 200,002 rows all held.
  auto make_row = [](uint64_t i) {
    return std::vector<Cell>{i, "0x" + std::to_string(i), i % 3 == 0 ? Cell{} : Cell{i * 40}};
  };
  Table held;
  held.name = "hops";
  held.columns = {{"hop", Column::Kind::kInteger},
                  {"address", Column::Kind::kText},
                  {"memsize", Column::Kind::kBytes}};
  held.totals = {{"paths", 1}};
  Table lazy = held;
  for (uint64_t i = 0; i < 200002; ++i) held.rows.push_back(make_row(i));
  lazy.rows = {make_row(0), make_row(1)};
  lazy.row_source = [&](const Table::RowSink& emit) {
    for (uint64_t i = 2; i < 200002; ++i) emit(make_row(i));
  };
  const Report a{"retained", {{"file", "x"}}, {held}};
  const Report b{"retained", {{"file", "x"}}, {lazy}};
  for (const bool csv : {false, true}) {
    INFO("csv " << csv);
    std::string whole, pieces, rest;
    size_t flushes = 0;
    bool small_piece = false;
    auto flush = [&](std::string* out) {
      ++flushes;
      small_piece = small_piece || out->size() < (size_t{1} << 20);
      pieces += *out;
      out->clear();
    };
    if (csv) {
      render_csv(a, &whole);
      render_csv(b, &rest, {}, flush);
    } else {
      render_json(a, &whole);
      render_json(b, &rest, flush);
    }
    pieces += rest;
    CHECK(pieces == whole);
    CHECK(flushes >= whole.size() / (size_t{2} << 20));  // 1 MB pieces, not one
    CHECK(flushes > 1);
    CHECK_FALSE(small_piece);
  }
}

TEST_CASE("render_json/render_csv: a long text cell goes out in pieces, the same bytes") {
  // Cells of 5 MB: plain ASCII, every kind of byte JSON escapes (valid
  // UTF-8, and not: the latin1 object), CSV quoting, and --csv-safe's "'".
  // Flushed, no piece holds more than about 1 MB plus one escaped byte,
  // and the pieces add up to the document rendered whole; shared and own
  // texts render the same.
  std::string plain(5 << 20, 'a');
  std::string escapes;
  for (size_t i = 0; escapes.size() < (5u << 20); ++i) {
    escapes += std::string("x\"\\\n\t\x01\x7f, \xc3\xa9\xe2\x80\xae") + std::to_string(i);
  }
  std::string latin1 = escapes + "\xff";
  std::string formula = "=" + plain + "\"";
  Table t;
  t.name = "strings_by_memory";
  t.columns = {{"value", Column::Kind::kText}, {"bytes", Column::Kind::kBytes}};
  for (const std::string* v : {&plain, &escapes, &latin1, &formula}) {
    t.rows.push_back({std::make_shared<const std::string>(*v), uint64_t{40}});
    t.rows.push_back({*v, uint64_t{40}});
  }
  const Report report{"read", {{"file", "x"}}, {t}};
  for (const bool csv : {false, true}) {
    for (const bool safe : {false, true}) {
      if (!csv && safe) continue;
      INFO("csv " << csv << ", safe " << safe);
      std::string whole, pieces, rest;
      size_t flushes = 0, biggest = 0;
      auto flush = [&](std::string* out) {
        ++flushes;
        biggest = std::max(biggest, out->size());
        pieces += *out;
        out->clear();
      };
      if (csv) {
        render_csv(report, &whole, CsvOptions{safe});
        render_csv(report, &rest, CsvOptions{safe}, flush);
      } else {
        render_json(report, &whole);
        render_json(report, &rest, flush);
      }
      pieces += rest;
      CHECK(pieces == whole);
      CHECK(flushes >= whole.size() / (size_t{2} << 20));
      CHECK(biggest <= (size_t{2} << 20));  // a 1 MB piece of a cell, on top of less than 1 MB
    }
  }
  // Shared and own texts render alike.
  Table shared = t, own = t;
  shared.rows.clear();
  own.rows.clear();
  for (size_t r = 0; r < t.rows.size(); r += 2) {
    shared.rows.push_back(t.rows[r]);
    own.rows.push_back(t.rows[r + 1]);
  }
  CHECK(std::holds_alternative<SharedText>(shared.rows[0][0]));
  CHECK(std::holds_alternative<std::string>(own.rows[0][0]));
  std::string a, b, c, d;
  render_json(Report{"read", {}, {shared}}, &a);
  render_json(Report{"read", {}, {own}}, &b);
  CHECK(a == b);
  render_csv(Report{"read", {}, {shared}}, &c, CsvOptions{true});
  render_csv(Report{"read", {}, {own}}, &d, CsvOptions{true});
  CHECK(c == d);
}
