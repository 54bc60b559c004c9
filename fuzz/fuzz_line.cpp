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
//    name, ...), shown by every text renderer (drill-down, --by, --strings,
//    compare, diff, a path), puts no
//    control byte other than '\n', no C1 and no bidi control in the output
//    (fuzz/terminal_check.hpp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "graph/hop_table.hpp"
#include "heapdump/record.hpp"
#include "heapdump/render.hpp"
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
  num(r.singleton);
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

/// Puts every text field of `r` into the tables each text renderer takes
/// (drill-down, --by, --strings, compare, diff, a path), renders them all and
/// checks the text for the terminal. Built directly, not through the
/// aggregators: their per-instance string pools would cost ~10x in
/// executions per second; fuzz_pipeline runs the aggregators.
void check_text_output(const ObjectRecord& r) {
  const auto text = [](std::string_view v) { return Cell{std::string(v)}; };
  const std::vector<std::string_view> fields = {
      r.type, r.address_text, r.class_text, r.file,        r.method,    r.name,
      r.value, r.struct_name, r.imemo_type, r.root_name};
  const std::string location = std::string(r.file) + ":" + std::to_string(r.line);
  auto ranked = [&](const char* name, const char* key) {
    Table t;
    t.name = name;
    t.columns = {{key, Column::Kind::kText}, {"n", Column::Kind::kCount}};
    for (std::string_view f : fields) t.rows.push_back({text(f), uint64_t{1}});
    t.rows.push_back({location, r.memsize});
    return t;
  };
  std::vector<Table> drill = {ranked("memory_by_location", "location"),
                              ranked("objects_by_location", "location"),
                              ranked("objects_by_class", "class"),
                              ranked("references_by_location", "location")};
  Table dup;  // value, count, location, count
  dup.name = "duplicate_strings";
  for (std::string_view f : fields) {
    dup.rows.push_back({text(r.value), uint64_t{2}, text(f), uint64_t{1}});
  }
  drill.push_back(dup);
  std::string out;
  render_drill_down_text("all", drill, &out);
  render_analyzing_title("all objects", &out);

  Table by;  // KEY, bytes, objects
  by.columns = {{"class", Column::Kind::kText}};
  for (std::string_view f : fields) by.rows.push_back({text(f), r.memsize, uint64_t{1}});
  render_groups_text(by, &out);

  std::vector<Table> strings;  // value, bytes, objects, location, bytes, objects
  for (const char* name : {"strings_by_memory", "strings_by_copies"}) {
    Table t;
    t.name = name;
    for (std::string_view f : fields) {
      t.rows.push_back({text(f), uint64_t{4}, uint64_t{2}, text(f), uint64_t{4}, uint64_t{2}});
      t.rows.push_back({text(f), uint64_t{4}, uint64_t{2}, location, uint64_t{4}, uint64_t{2}});
    }
    strings.push_back(std::move(t));
  }
  Table frozen;  // location, value, objects, bytes
  frozen.name = "frozen_string_candidates";
  for (std::string_view f : fields) frozen.rows.push_back({text(f), text(r.value), uint64_t{2}, uint64_t{4}});
  strings.push_back(std::move(frozen));
  render_strings_text(strings, &out);

  // compare: key, objects_a, bytes_a, objects_b, bytes_b, objects_delta,
  // bytes_delta, status.
  Table cmp;
  cmp.columns = {{"file", Column::Kind::kText}};
  for (std::string_view f : fields) {
    cmp.rows.push_back({text(f), uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{4}, int64_t{2},
                        int64_t{2}, Cell{}});
  }
  render_compare_text(r.file, r.value, {cmp}, false, &out);

  Table diff;  // type, objects, bytes, file, line (as DiffAggregator::to_table)
  for (std::string_view f : fields) {
    diff.rows.push_back({text(f), uint64_t{1}, r.memsize, text(r.file), r.line});
    diff.rows.push_back({text(r.type), uint64_t{1}, r.memsize, text(f), Cell{}});
  }
  render_diff_text(diff, false, &out);
  render_diff_text(diff, true, &out);

  // A path (as add_path_rows builds it): key, hop, root, address, type,
  // class, name, location, memsize.
  Table hops;
  hops.columns = hop_columns("path");
  for (std::string_view f : fields) {
    const uint64_t hop = hops.rows.size();
    hops.rows.push_back({uint64_t{1}, hop, hop == 0 ? text(r.root_name) : Cell{}, text(f),
                         text(f), text(f), text(f), text(f), r.memsize});
  }
  render_path_hops_text(hops, 1, &out);
  heapdump_fuzz::check_terminal_safe(out, "fuzz_line");
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
