// write_report(): each format's bytes are the renderer's, handed over in
// pieces; text is the command's layout with any terminal control escaped;
// the writer's first error ends the writing and is returned.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "heapdump/render.hpp"
#include "heapdump/report_output.hpp"

using namespace heapdump;

namespace {

/// A report with one table of `rows` rows of 100-byte text.
Report sample(uint64_t rows) {
  Table t;
  t.name = "things";
  t.columns = {{"name", Column::Kind::kText}, {"bytes", Column::Kind::kBytes}};
  for (uint64_t i = 0; i < rows; ++i) t.rows.push_back({std::string(100, 'a' + i % 26), i});
  t.totals = {{"bytes", rows}};
  return Report{"read", {{"file", "x.json"}}, {t}};
}

/// write_report() into a string: (status, bytes, number of writes).
struct Written {
  Status status;
  std::string bytes;
  size_t writes = 0;
};
Written write(const Report& r, std::string_view format, std::string_view text, CsvOptions csv = {},
              size_t fail_at = SIZE_MAX) {
  Written w;
  w.status = write_report(r, format, csv, text, [&w, fail_at](std::string_view b) {
    if (w.writes++ == fail_at) return Status::io_error("disk full");
    w.bytes.append(b);
    return Status::ok_status();
  });
  return w;
}

}  // namespace

TEST_CASE("write_report: json, csv and html are the renderers' bytes") {
  const Report r = sample(30);
  std::string json, csv, csv_safe, html;
  render_json(r, &json);
  render_csv(r, &csv);
  render_html(r, &html);
  CHECK(write(r, "json", "ignored").bytes == json);
  CHECK(write(r, "csv", "ignored").bytes == csv);
  CHECK(write(r, "html", "ignored").bytes == html);
  Report formula = r;
  formula.tables[0].rows[0][0] = std::string("=1+1");
  render_csv(formula, &csv_safe, CsvOptions{true});
  CHECK(write(formula, "csv", "", CsvOptions{true}).bytes == csv_safe);
  CHECK(csv_safe.find("'=1+1") != std::string::npos);
}

TEST_CASE("write_report: a big report goes out in pieces, the same bytes") {
  const Report r = sample(40000);  // about 4 MB of JSON
  std::string json;
  render_json(r, &json);
  const Written w = write(r, "json", "");
  CHECK(w.status.ok());
  CHECK(w.bytes == json);
  CHECK(w.writes >= 3);
}

TEST_CASE("write_report: text is written as given, with terminal controls escaped") {
  const Report r = sample(1);
  CHECK(write(r, "text", "plain\ntext\n").bytes == "plain\ntext\n");
  const Written w = write(r, "text", "a\x1b]0;x\x07 b\r\n");
  CHECK(w.bytes == "a\\e]0;x\\a b\\r\n");
  CHECK(w.writes == 1);
}

TEST_CASE("write_report: the writer's first error ends the writing") {
  const Report r = sample(40000);
  const Written w = write(r, "json", "", {}, /*fail_at=*/1);
  CHECK(w.status.code() == Status::Code::kIoError);
  CHECK(w.status.message() == "disk full");
  CHECK(w.writes == 2);  // nothing is handed over after the error
  CHECK(write(r, "text", "x\n", {}, 0).status.message() == "disk full");
}
