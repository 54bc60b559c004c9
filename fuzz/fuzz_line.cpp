// libFuzzer target: RecordDecoder on one line, as the reader hands it over
// (the line's bytes followed by kChunkPadding readable bytes).
//
// Checks, beyond "no crash, no sanitizer report":
//  - a line is either decoded or rejected with a non-empty, printable
//    one-line reason (no control bytes of the input reach stderr);
//  - every view of a decoded record lies inside the line or stays readable
//    (ASan checks the reads), raw_line is the whole line;
//  - decoding with and without "references" agrees on everything else, and
//    the decoded references plus the bad ones add up to reference_count;
//  - the same decoder gives the same answer twice (no state leaks between
//    lines);
//  - the fast path (LineScanner) changes nothing: a decoder that sends
//    every line to the DOM parser gives the same answer, reason and record;
//  - a decoded record's text (file, method, class, name, value, type, ROOT
//    name, ...), folded by the read aggregators and shown by every text
//    renderer (drill-down, --by, --strings, compare, diff, a path), puts no
//    control byte other than '\n', no C1 and no bidi control in the output
//    (fuzz/terminal_check.hpp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/graph_common.hpp"
#include "heapdump/class_names.hpp"
#include "heapdump/compare.hpp"
#include "heapdump/drill_down.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/record.hpp"
#include "heapdump/render.hpp"
#include "heapdump/string_report.hpp"
#include "parse/chunk_reader.hpp"
#include "parse/record_decoder.hpp"
#include "terminal_check.hpp"

using namespace heapdump;

namespace {

#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "fuzz_line: check failed: %s (%s:%d)\n", #cond, __FILE__,      \
                   __LINE__);                                                             \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

/// Reads every byte of a view (so ASan sees a bad one) and folds them.
uint64_t touch(std::string_view v) {
  uint64_t h = v.size();
  for (char c : v) h = h * 131 + static_cast<unsigned char>(c);
  return h;
}

/// Everything of a record but the references, as one comparable string.
std::string summary(const ObjectRecord& r) {
  std::string s;
  auto add = [&s](std::string_view v) {
    s += std::to_string(v.size());
    s += ':';
    s.append(v);
    s += ';';
  };
  auto num = [&s](uint64_t n) { s += std::to_string(n) + ';'; };
  num(static_cast<uint64_t>(r.kind));
  add(r.type);
  add(r.address_text);
  num(r.address);
  num(r.has_address);
  add(r.class_text);
  num(r.class_address);
  num(r.has_class);
  num(r.generation);
  num(r.has_generation);
  num(r.memsize);
  add(r.file);
  num(r.has_file);
  num(r.line);
  num(r.has_line);
  add(r.method);
  num(r.has_method);
  add(r.name);
  num(r.has_name);
  add(r.value);
  num(r.has_value);
  num(r.reference_count);
  num(r.has_references);
  add(r.struct_name);
  add(r.imemo_type);
  add(r.root_name);
  num(r.byte_offset);
  add(r.raw_line);
  return s;
}

/// Renders what the read aggregators make of `r`, and a diff row and a path
/// hop built from its fields, as text; checks each text for the terminal.
void check_text_output(const ObjectRecord& r) {
  using heapdump_fuzz::check_terminal_safe;
  const auto text = [](std::string_view v) { return Cell{std::string(v)}; };
  ClassNames names;
  DrillDown drill(Selection{});
  StringReport strings{std::nullopt};
  std::vector<std::unique_ptr<GroupBy>> groups;
  for (GroupKey k : {GroupKey::kLocation, GroupKey::kFile, GroupKey::kGem, GroupKey::kClass,
                     GroupKey::kType, GroupKey::kMethod}) {
    groups.push_back(std::make_unique<GroupBy>(k, std::nullopt));
  }
  names.on_record(r);
  drill.on_record(r);
  strings.on_record(r);
  for (auto& g : groups) g->on_record(r);

  std::string out;
  if (drill.selected_objects() > 0) render_drill_down_text("all", drill.to_tables(5, names), &out);
  render_analyzing_title("all objects", &out);
  for (auto& g : groups) {
    render_groups_text(g->to_table(5, names), &out);
    const std::vector<Group> none;
    const Table grown = compare_groups(g->key(), none, g->groups(names), 5);
    const Table gone = compare_groups(g->key(), g->groups(names), none, 5);
    render_compare_text(r.file, r.method, {grown, gone}, &out);
  }
  render_strings_text(strings.to_tables(5), &out);
  // A diff row: type, objects, bytes, file, line (as DiffAggregator::to_table).
  Table diff;
  diff.rows = {{text(r.type), uint64_t{1}, r.memsize, text(r.file), r.line},
               {text(r.class_text), uint64_t{2}, uint64_t{3}, Cell{}, Cell{}}};
  render_diff_text(diff, false, &out);
  render_diff_text(diff, true, &out);
  // A two-hop path (as add_path_rows builds it): key, hop, root, address,
  // type, class, name, location, memsize.
  Table hops;
  hops.columns = hop_columns("path");
  hops.rows = {{uint64_t{1}, uint64_t{0}, text(r.root_name), text(r.address_text), text(r.type),
                text(r.class_text), text(r.name), text(r.file), r.memsize},
               {uint64_t{1}, uint64_t{1}, Cell{}, text(r.struct_name), text(r.imemo_type),
                text(r.method), Cell{}, Cell{}, uint64_t{0}}};
  render_path_text(hops, 1, &out);
  check_terminal_safe(out, "fuzz_line");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Exactly size + padding bytes, so reading further is a heap overflow.
  std::vector<char> buffer(size + kChunkPadding, '\0');
  if (size > 0) std::memcpy(buffer.data(), data, size);
  const std::string_view line(buffer.data(), size);

  static RecordDecoder plain;  // reused across inputs, like a parsing thread's decoder
  static RecordDecoder with_refs;
  with_refs.set_decode_references(true);
  static RecordDecoder full_only;  // the DOM parser alone
  full_only.set_fast_path(false);

  ObjectRecord a, b;
  a.byte_offset = b.byte_offset = 12345;
  std::string reason_a, reason_b, sa;
  const bool ok_a = plain.decode(line, kChunkPadding, &a, &reason_a);
  const bool ok_b = with_refs.decode(line, kChunkPadding, &b, &reason_b);
  FUZZ_CHECK(ok_a == ok_b);
  if (!ok_a) {
    FUZZ_CHECK(!reason_a.empty());
    // One printable line: no control bytes from the input reach stderr.
    for (char ch : reason_a) {
      FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f);
    }
    FUZZ_CHECK(reason_a == reason_b);
  } else {
    FUZZ_CHECK(a.raw_line.data() == line.data() && a.raw_line.size() == size);
    FUZZ_CHECK(a.byte_offset == 12345);
    sa = summary(a);
    FUZZ_CHECK(sa == summary(b));
    FUZZ_CHECK(a.references == nullptr && a.references_decoded == 0);
    if (b.has_references) {
      FUZZ_CHECK(b.references_decoded + b.bad_references == b.reference_count);
      uint64_t sum = 0;
      for (size_t i = 0; i < b.references_decoded; ++i) sum += b.references[i];
      (void)sum;
    } else {
      FUZZ_CHECK(b.reference_count == 0);
    }
    if (a.kind == RecordKind::kObject) FUZZ_CHECK(a.has_address);
    (void)touch(sa);
    check_text_output(a);
  }

  // Decoding again gives a's answer (a's views may be gone: compare sa).
  auto same_as_a = [&](RecordDecoder& decoder) {
    ObjectRecord r;
    r.byte_offset = 12345;
    std::string reason;
    const bool ok = decoder.decode(line, kChunkPadding, &r, &reason);
    FUZZ_CHECK(ok == ok_a);
    if (ok) {
      FUZZ_CHECK(summary(r) == sa);
    } else {
      FUZZ_CHECK(reason == reason_a);
    }
  };
  same_as_a(full_only);  // the DOM parser alone
  same_as_a(plain);      // the same decoder, a second time
  return 0;
}
