// Writing a command's Report out in the format asked for: the text layout
// the command made, JSON, CSV or the HTML page, a piece at a time.
#pragma once

#include <functional>
#include <string_view>

#include "heapdump/render.hpp"
#include "heapdump/status.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Where the bytes go (write_stdout(), an OutputFile); the first error ends
/// the writing.
using ReportWriter = std::function<Status(std::string_view bytes)>;

/// Writes `report` as `format`: "json" or "csv" (rendered and handed to
/// `write` a megabyte at a time, so a big table, Table::row_source, is never
/// one string in memory), "html" (the page), or "text", which writes `text`,
/// the command's own layout of the report, with any terminal control that a
/// renderer missed escaped (src/render/terminal_text.cpp; their output is
/// plain). Returns the first error of `write`.
Status write_report(const Report& report, std::string_view format, CsvOptions csv,
                    std::string_view text, const ReportWriter& write);

}  // namespace heapdump
