#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "heapdump/render.hpp"
#include "render/sample_tables.hpp"

using namespace heapdump;
using test::two_columns;
using namespace std::string_literals;

namespace {

std::string csv(const Report& r) {
  std::string out;
  render_csv(r, &out);
  return out;
}

/// The CSV of a report with one one-column table holding `value`, minus
/// the header and record framing: just the field.
std::string field(const Cell& value) {
  Report r;
  Table t;
  t.name = "t";
  t.columns = {{"v", Column::Kind::kText}};
  t.rows = {{value}};
  r.tables = {t};
  const std::string out = csv(r);
  const std::string head = "table,v\r\nt,";
  REQUIRE(out.compare(0, head.size(), head) == 0);
  REQUIRE(out.size() >= head.size() + 2);
  REQUIRE(out.compare(out.size() - 2, 2, "\r\n") == 0);
  return out.substr(head.size(), out.size() - head.size() - 2);
}

}  // namespace

TEST_CASE("render_csv: read FILE, the summary") {
  Report r;
  r.command = "read";
  r.parameters = {{"file", "a.json"s}};
  r.tables = {test::summary_table()};
  // The totals key "generations" is no column name: it gets its own column,
  // after all column names. The nil generation is an empty field.
  CHECK(csv(r) ==
        "table,generation,objects,bytes,generations\r\n"
        "generations,,6579,831897,\r\n"
        "generations,1,32,1536,\r\n"
        "generations.totals,,6611,833433,2\r\n");
}

TEST_CASE("render_csv: read GEN|all, five tables in one document") {
  Report r;
  r.command = "read";
  Table memory = two_columns("memory_by_location", "location", "bytes", Column::Kind::kBytes);
  memory.rows = {{"a.rb:1"s, uint64_t{50}}, {"b.rb:2"s, uint64_t{46}}};
  memory.totals = {{"bytes", 120}};
  Table count = two_columns("objects_by_location", "location", "objects", Column::Kind::kCount);
  count.rows = {{"a.rb:1"s, uint64_t{2}}};
  count.totals = {{"objects", 3}};
  Table classes = two_columns("objects_by_class", "class", "objects", Column::Kind::kCount);
  Table refs =
      two_columns("references_by_location", "location", "references", Column::Kind::kCount);
  refs.rows = {{"a.rb:1"s, uint64_t{0}}};
  Table dup;
  dup.name = "duplicate_strings";
  dup.columns = {{"value", Column::Kind::kText},
                 {"count", Column::Kind::kCount},
                 {"location", Column::Kind::kText},
                 {"location_count", Column::Kind::kCount}};
  dup.rows = {{"x,y"s, uint64_t{12}, "a.rb:1"s, uint64_t{10}},
              {"x,y"s, uint64_t{12}, "b.rb:"s, uint64_t{2}}};
  r.tables = {memory, count, classes, refs, dup};
  CHECK(csv(r) ==
        "table,location,bytes,objects,class,references,value,count,location_count\r\n"
        "memory_by_location,a.rb:1,50,,,,,,\r\n"
        "memory_by_location,b.rb:2,46,,,,,,\r\n"
        "memory_by_location.totals,,120,,,,,,\r\n"
        "objects_by_location,a.rb:1,,2,,,,,\r\n"
        "objects_by_location.totals,,,3,,,,,\r\n"
        "references_by_location,a.rb:1,,,,0,,,\r\n"
        "duplicate_strings,a.rb:1,,,,,\"x,y\",12,10\r\n"
        "duplicate_strings,b.rb:,,,,,\"x,y\",12,2\r\n");
}

TEST_CASE("render_csv: diff with null file and line") {
  Report r;
  r.command = "diff";
  r.tables = {test::diff_table()};
  CHECK(csv(r) ==
        "table,type,objects,bytes,file,line\r\n"
        "diff,STRING,360,14400,gen/leak.rb,79\r\n"
        "diff,DATA,1,8,,\r\n"
        "diff.totals,,361,14408,,\r\n");
}

TEST_CASE("render_csv: quoting") {
  CHECK(field("plain"s) == "plain");
  CHECK(field(""s) == "\"\"");  // empty text is quoted, null is not
  CHECK(field(Cell{}) == "");
  CHECK(field("a,b"s) == "\"a,b\"");
  CHECK(field("say \"hi\""s) == "\"say \"\"hi\"\"\"");
  CHECK(field("\""s) == "\"\"\"\"");
  CHECK(field("two\nlines"s) == "\"two\nlines\"");
  CHECK(field("cr\r"s) == "\"cr\r\"");
  CHECK(field("crlf\r\n"s) == "\"crlf\r\n\"");
  // Everything else is written as is, unquoted: spaces, backslash, tabs,
  // other control characters, NUL, UTF-8 and invalid UTF-8.
  CHECK(field(" lead and trail "s) == " lead and trail ");
  CHECK(field("C:\\dir\t\x01\x7f"s) == "C:\\dir\t\x01\x7f");
  CHECK(field("a\0b"s) == "a\0b"s);
  CHECK(field("caf\xC3\xA9 \xF0\x9F\x98\x80"s) == "caf\xC3\xA9 \xF0\x9F\x98\x80");
  CHECK(field("bad\xFF\xC0"s) == "bad\xFF\xC0");
  CHECK(field("bad\xFF,\""s) == "\"bad\xFF,\"\"\"");
  CHECK(field("=1+1"s) == "=1+1");  // no spreadsheet-formula mangling
}

namespace {
/// field() with --csv-safe.
std::string safe_field(const Cell& value) {
  Report r;
  Table t;
  t.name = "t";
  t.columns = {{"v", Column::Kind::kText}};
  t.rows = {{value}};
  r.tables = {t};
  std::string out;
  render_csv(r, &out, CsvOptions{true});
  const std::string head = "table,v\r\nt,";
  REQUIRE(out.compare(0, head.size(), head) == 0);
  return out.substr(head.size(), out.size() - head.size() - 2);
}
}  // namespace

TEST_CASE("render_csv: --csv-safe defuses formulas in text cells only") {
  // OWASP "CSV Injection": = + - @ tab CR at the start get a leading '.
  CHECK(safe_field("=HYPERLINK(\"http://x\")"s) == "\"'=HYPERLINK(\"\"http://x\"\")\"");
  CHECK(safe_field("+1"s) == "'+1");
  CHECK(safe_field("-2+3"s) == "'-2+3");
  CHECK(safe_field("@SUM(A1)"s) == "'@SUM(A1)");
  CHECK(safe_field("\tx"s) == "'\tx");
  CHECK(safe_field("\rx"s) == "\"'\rx\"");
  CHECK(safe_field("=a,b"s) == "\"'=a,b\"");
  // Anything else, and a formula character later in the cell, as without it.
  CHECK(safe_field("a=1"s) == "a=1");
  CHECK(safe_field("app/x.rb:1"s) == "app/x.rb:1");
  CHECK(safe_field(""s) == "\"\"");
  CHECK(safe_field("'=x"s) == "'=x");
  CHECK(safe_field(Cell{}) == "");
  // Numbers are never text: a negative delta stays a number.
  CHECK(safe_field(int64_t{-5}) == "-5");
  CHECK(safe_field(uint64_t{7}) == "7");
  CHECK(field("-2+3"s) == "-2+3");  // off by default: exact bytes
}

TEST_CASE("render_csv: big integers, empty tables, empty report") {
  Report empty;
  CHECK(csv(empty) == "table\r\n");

  CHECK(field(UINT64_MAX) == "18446744073709551615");
  CHECK(field(uint64_t{0}) == "0");

  // A table without rows still names its columns in the header; one without
  // totals has no totals record.
  Report r;
  Table none = two_columns("objects_by_class", "class", "objects", Column::Kind::kCount);
  Table only_totals = two_columns("memory_by_location", "location", "bytes", Column::Kind::kBytes);
  only_totals.totals = {{"bytes", UINT64_MAX}};
  Table bare;
  bare.name = "x";
  r.tables = {none, only_totals, bare};
  CHECK(csv(r) ==
        "table,class,objects,location,bytes\r\n"
        "memory_by_location.totals,,,,18446744073709551615\r\n");
}

TEST_CASE("render_csv: header names and table names are quoted like fields") {
  Report r;
  Table t;
  t.name = "odd,table";
  t.columns = {{"a\"b", Column::Kind::kText}, {"", Column::Kind::kCount}};
  t.rows = {{"v"s, uint64_t{1}}, {"w"s}};  // a short row: missing cells are empty
  t.totals = {{"", 7}};                     // shares the column called ""
  r.tables = {t};
  CHECK(csv(r) ==
        "table,\"a\"\"b\",\"\"\r\n"
        "\"odd,table\",v,1\r\n"
        "\"odd,table\",w,\r\n"
        "\"odd,table.totals\",,7\r\n");
}

TEST_CASE("render_csv: signed integers (compare's deltas)") {
  Report r;
  Table t;
  t.name = "compare_by_class";
  t.columns = {{"class", Column::Kind::kText}, {"bytes_delta", Column::Kind::kBytesDelta}};
  t.rows = {{"A"s, int64_t{-12}}, {"B"s, int64_t{0}}, {"C"s, int64_t{INT64_MAX}},
            {"D"s, int64_t{INT64_MIN}}};
  r.tables = {t};
  CHECK(csv(r) ==
        "table,class,bytes_delta\r\n"
        "compare_by_class,A,-12\r\n"
        "compare_by_class,B,0\r\n"
        "compare_by_class,C,9223372036854775807\r\n"
        "compare_by_class,D,-9223372036854775808\r\n");
}
