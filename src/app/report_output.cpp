#include "heapdump/report_output.hpp"

#include <algorithm>
#include <string>

#include "heapdump/terminal_text.hpp"

namespace heapdump {

Status write_report(const Report& report, std::string_view format, CsvOptions csv,
                    std::string_view text, const ReportWriter& write) {
  std::string out;
  if (format == "text") {
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
      const auto b = static_cast<unsigned char>(c);
      return (b >= 0x20 && b < 0x7F) || b == '\n';
    });
    if (plain) return write(text);
    append_terminal_text(text, &out, /*keep_newlines=*/true);
    return write(out);
  }
  Status status;
  auto flush = [&status, &write](std::string* buf) {
    if (status.ok()) status = write(*buf);
    buf->clear();
  };
  if (format == "json") {
    render_json(report, &out, flush);
  } else if (format == "csv") {
    render_csv(report, &out, csv, flush);
  } else {
    render_html(report, &out);
  }
  flush(&out);
  return status;
}

}  // namespace heapdump
