#include "heapdump/reader.hpp"

#include "parse/line_reader.hpp"
#include "parse/record_decoder.hpp"

namespace heapdump {
namespace {

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

Status read_dump(InputSource& input, RecordSink& sink, ParseReporter& reporter, ReadStats* stats,
                 const ReadOptions& options) {
  ReadStats local;
  LineReader lines(input, options.chunk_size);
  RecordDecoder decoder;
  ObjectRecord record;
  std::string reason;
  Line line;
  while (lines.next(&line)) {
    ++local.lines;
    local.bytes = line.offset + line.text.size() + (line.terminated ? 1 : 0);
    std::string_view text = line.text;
    if (line.number == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // BOM
    if (is_blank(text)) {
      ++local.blank_lines;
      continue;
    }
    record.line_number = line.number;
    record.byte_offset = line.offset;
    if (!decoder.decode(text, kLinePadding, &record, &reason)) {
      ++local.skipped_lines;
      if (!line.terminated) {
        reason = "last line is cut short (no newline at end of file): " + reason;
      }
      reporter.skipped_line(input.name(), line.number, line.offset, reason);
      continue;
    }
    ++local.records;
    if (record.kind == RecordKind::kObject) ++local.objects;
    sink.on_record(record);
  }
  if (stats != nullptr) *stats = local;
  return lines.status();
}

}  // namespace heapdump
