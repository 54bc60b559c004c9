// libFuzzer target: the whole read and diff pipeline on a byte buffer.
//
// The buffer is one dump for `read`, and is split into BEFORE / AFTER
// (/ RETAINED) for `diff` at lines "--AFTER--" and "--RETAINED--" (see
// kAfterMarker), or at its middle byte when there is no marker.
//
//  read:  read_dump over make_memory_input (short reads) into
//         GenerationSummary + DrillDown(all) + DrillDown(one generation) +
//         ClassNames; to_table(s); rendered as text, JSON and CSV.
//  diff:  IdentitySet of BEFORE (and RETAINED), DiffAggregator over AFTER with
//         the --output-diff callback; rendered as text, JSON and CSV.
//  read also folds GroupBy (class, method) and StringReport, rendered as the
//  --by and --strings text. Every text output must be safe on a terminal:
//  no byte below 0x20 but '\n', no C1 or bidi control, valid UTF-8
//  (fuzz/terminal_check.hpp).
//  Both again with read_dump_parallel, 2 threads and tiny chunks (~size/8): the
//  tables, the ReadStats and the skipped-line reports must equal the
//  single-thread ones byte for byte, or the target abort()s.
//  Compressed input (open_memory_input, as InputSource::open): the buffer is
//  compressed with gzip (zlib, two members) and with zstd (two frames and a
//  skippable frame) and read again (one of them with 2 threads): the same as
//  the plain read, or abort(); each compressed form cut short must read
//  without error (inside its last member or frame: with a warning). A buffer that itself starts with a gzip or zstd magic is
//  also decoded as such: 1 and 2 threads must agree (or fail alike).
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/class_names.hpp"
#include "heapdump/diff.hpp"
#include "heapdump/drill_down.hpp"
#include "heapdump/generation_summary.hpp"
#include "heapdump/group_by.hpp"
#include "heapdump/identity_set.hpp"
#include "heapdump/input.hpp"
#include "heapdump/reader.hpp"
#include "heapdump/render.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/string_report.hpp"
#include "heapdump/table.hpp"
#include "terminal_check.hpp"

using namespace heapdump;

namespace {

#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "fuzz_pipeline: check failed: %s (%s:%d)\n", #cond, __FILE__,  \
                   __LINE__);                                                             \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

/// Aborts if a != b, first printing where they differ (for a crash report).
void check_same(const std::string& a, const std::string& b, const char* what) {
  if (a == b) return;
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const size_t from = i > 200 ? i - 200 : 0;
  std::fprintf(stderr, "fuzz_pipeline: %s differ at byte %zu:\n--- 1 thread:\n%s\n--- 2 threads:\n%s\n",
               what, i, a.substr(from, 400).c_str(), b.substr(from, 400).c_str());
  std::abort();
}

constexpr std::string_view kAfterMarker = "\n--AFTER--\n";
constexpr std::string_view kRetainedMarker = "\n--RETAINED--\n";
// Every run cuts the input into about 8 chunks (at least 61 bytes; a
// longer line grows its chunk): enough chunk edges to check, few enough
// thread hand-offs to keep the target fast. One thread and two use the same
// chunk size, as the CLI does for any --threads: a line at least a chunk
// long whose first byte is not '{' is skipped by that byte (its reason then
// names it), so the reason given for such a line depends on the chunk size.
size_t tiny_chunk(size_t input_size) { return std::max<size_t>(61, input_size / 8); }

/// Every skipped line, as one string, to compare runs.
class LogReporter final : public ParseReporter {
 public:
  void skipped_line(std::string_view source, uint64_t line, uint64_t offset,
                    std::string_view reason) override {
    FUZZ_CHECK(!reason.empty());
    for (char ch : reason) FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f);
    log += std::string(source) + ":" + std::to_string(line) + "@" + std::to_string(offset) +
           ": " + std::string(reason) + "\n";
  }
  std::string log;
};

std::string stats_text(const ReadStats& s) {
  FUZZ_CHECK(s.blank_lines + s.skipped_lines + s.records == s.lines);
  FUZZ_CHECK(s.objects <= s.records);
  return std::to_string(s.lines) + "," + std::to_string(s.blank_lines) + "," +
         std::to_string(s.skipped_lines) + "," + std::to_string(s.records) + "," +
         std::to_string(s.objects) + "," + std::to_string(s.bytes);
}

/// All renderings of a report, concatenated: the comparison key of a run.
std::string render_all(const Report& report, const std::string& text) {
  heapdump_fuzz::check_terminal_safe(text, "fuzz_pipeline");
  std::string json, csv;
  render_json(report, &json);
  render_csv(report, &csv);
  FUZZ_CHECK(!json.empty() && json.back() == '\n');
  return text + "\x1e" + json + "\x1e" + csv;
}

/// What one parsing thread of `read` folds into (as in src/report/read_report.cpp).
struct ReadWork {
  /// `sightings`: one for every thread's `all`, one for every thread's
  /// `one`; `string_sightings` for every thread's `strings`.
  ReadWork(uint64_t generation, const std::shared_ptr<ValueSightings> (&sightings)[2],
           const std::shared_ptr<StringSightings>& string_sightings)
      : all(Selection{}, sightings[0]),
        one(Selection{false, generation}, sightings[1]),
        strings(std::nullopt, 5, string_sightings) {
    tee.add(summary);
    tee.add(all);
    tee.add(one);
    tee.add(names);
    tee.add(strings);
    // Class names resolved across records, and the method key (the others
    // show the same dump fields as the drill-down; fuzz_line renders them all).
    for (GroupKey k : {GroupKey::kClass, GroupKey::kMethod}) {
      groups.push_back(std::make_unique<GroupBy>(k, std::nullopt));
      tee.add(*groups.back());
    }
  }
  void merge(const ReadWork& o) {
    summary.merge(o.summary);
    all.merge(o.all);
    one.merge(o.one);
    names.merge(o.names);
    strings.merge(o.strings);
    for (size_t i = 0; i < groups.size(); ++i) groups[i]->merge(*o.groups[i]);
  }
  GenerationSummary summary;
  DrillDown all, one;
  ClassNames names;
  StringReport strings;
  std::vector<std::unique_ptr<GroupBy>> groups;
  TeeSink tee;
};

std::string read_report(const ReadWork& w, uint64_t generation) {
  Report summary{"read", {{"file", "<memory>"}, {"generation", Cell{}}}, {w.summary.to_table()}};
  std::string text;
  render_summary_text(summary.tables[0], &text);
  std::string out = render_all(summary, text);
  for (uint64_t top : {uint64_t{1}, uint64_t{50}}) {
    for (const DrillDown* d : {&w.all, &w.one}) {
      const std::string label = d == &w.all ? "all" : std::to_string(generation);
      Report drill{"read", {{"file", "<memory>"}, {"generation", label}, {"lines", top}},
                   d->to_tables(top, w.names)};
      FUZZ_CHECK(drill.tables.size() == 5);
      std::string t;
      if (d->selected_objects() > 0) render_drill_down_text(label, drill.tables, &t);
      out += render_all(drill, t);
    }
  }
  // read --by KEY... --strings.
  Report by{"read", {{"file", "<memory>"}}, {}};
  std::string t;
  render_analyzing_title("all objects", &t);
  for (const auto& g : w.groups) {
    by.tables.push_back(g->to_table(5, w.names));
    render_groups_text(by.tables.back(), &t);
  }
  std::vector<Table> strings = w.strings.to_tables(5);
  render_strings_text(strings, &t);
  for (Table& s : strings) by.tables.push_back(std::move(s));
  out += render_all(by, t);
  return out;
}

struct ReadResult {
  std::string tables, stats, log;
  Status status;         // of a decoded input (plain input: always ok)
  std::string warning;   // InputSource::warning()
  uint64_t bytes = 0;    // ReadStats::bytes
};

/// `decode`: through open_memory_input (gzip and zstd detected), else raw.
/// `plain_size`: the size of the decoded text, which sets the chunk size
/// (0: data's own size).
ReadResult run_read(const std::string& data, unsigned threads, uint64_t generation,
                    bool decode = false, size_t plain_size = 0) {
  std::vector<std::unique_ptr<ReadWork>> work;
  const std::shared_ptr<ValueSightings> sightings[2] = {make_value_sightings(), make_value_sightings()};
  const std::shared_ptr<StringSightings> string_sightings = make_string_sightings();
  for (unsigned i = 0; i < threads; ++i) {
    work.push_back(std::make_unique<ReadWork>(generation, sightings, string_sightings));
  }
  LogReporter reporter;
  ReadStats stats;
  ReadOptions options;
  options.threads = threads;
  options.chunk_size = tiny_chunk(plain_size != 0 ? plain_size : data.size());
  std::unique_ptr<InputSource> input;
  if (decode) {
    FUZZ_CHECK(open_memory_input(data, "<memory>", threads == 1 ? 4093 : 3, &input).ok());
  } else {
    input = make_memory_input(data, "<memory>", threads == 1 ? 4093 : 3);
  }
  Status s;
  if (threads == 1) {
    s = read_dump(*input, work[0]->tee, reporter, &stats, options);
  } else {
    s = read_dump_parallel(
        *input, [&](unsigned i) -> RecordSink& { return work[i]->tee; }, reporter, &stats,
        options);
  }
  if (!decode) {
    FUZZ_CHECK(s.ok());  // memory input: no I/O errors
    FUZZ_CHECK(stats.bytes == data.size());
  }
  for (unsigned i = 1; i < threads; ++i) work[0]->merge(*work[i]);
  return {read_report(*work[0], generation), stats_text(stats), reporter.log, s, input->warning(),
          stats.bytes};
}

/// gzip of `data` in two members (split at `at`), with zlib.
std::string gzip_members(const std::string& data, size_t at) {
  std::string out;
  for (const std::string& part : {data.substr(0, at), data.substr(at)}) {
    z_stream zs{};
    FUZZ_CHECK(deflateInit2(&zs, 1 + static_cast<int>(part.size() % 9), Z_DEFLATED, 15 + 16, 8,
                            Z_DEFAULT_STRATEGY) == Z_OK);
    std::string z(deflateBound(&zs, part.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(part.data()));
    zs.avail_in = static_cast<uInt>(part.size());
    zs.next_out = reinterpret_cast<Bytef*>(z.data());
    zs.avail_out = static_cast<uInt>(z.size());
    FUZZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    z.resize(zs.total_out);
    deflateEnd(&zs);
    out += z;
  }
  return out;
}

/// zstd of `data` in two frames (split at `at`) with a skippable frame
/// between them.
std::string zstd_frames(const std::string& data, size_t at) {
  std::string out;
  for (const std::string& part : {data.substr(0, at), data.substr(at)}) {
    std::string z(ZSTD_compressBound(part.size()), '\0');
    const size_t n = ZSTD_compress(z.data(), z.size(), part.data(), part.size(), 1);
    FUZZ_CHECK(!ZSTD_isError(n));
    z.resize(n);
    out += z;
    if (out.size() == z.size()) out += std::string("\x5a\x2a\x4d\x18\x02\x00\x00\x00hi", 10);
  }
  return out;
}

/// Reads the compressed forms of `buf` and checks them against `plain`.
void check_compressed(const std::string& buf, uint64_t generation, const ReadResult& plain) {
  const size_t at = buf.empty() ? 0 : static_cast<unsigned char>(buf[0]) % (buf.size() + 1);
  bool gz = true;
  for (const std::string& z : {gzip_members(buf, at), zstd_frames(buf, at)}) {
    // Each read renders every report, so one read per format, one of them
    // with 2 threads (which one alternates), to keep the target fast.
    const unsigned threads = (buf.size() % 2 == 0) == gz ? 2 : 1;
    gz = false;
    const ReadResult r = run_read(z, threads, generation, true, buf.size());
    FUZZ_CHECK(r.status.ok());
    FUZZ_CHECK(r.warning.empty());
    FUZZ_CHECK(r.bytes == buf.size());
    check_same(plain.stats, r.stats, "compressed read stats");
    check_same(plain.log, r.log, "compressed read skipped lines");
    check_same(plain.tables, r.tables, "compressed read tables");
    // Cut short: whatever was decompressed is read; inside the last
    // member or frame, with a warning.
    const size_t cut = buf.size() % 3 == 0 ? z.size() / 2 : z.size() - 1;
    const ReadResult c = run_read(z.substr(0, cut), 1, generation, true);
    FUZZ_CHECK(c.status.ok());
    FUZZ_CHECK(cut != z.size() - 1 || !c.warning.empty());
    FUZZ_CHECK(c.bytes <= buf.size());
  }
}

/// True if `buf` decodes (or fails) within `limit` bytes: a few bytes of
/// zstd or deflate can stand for gigabytes, which would only test memory.
bool decodes_within(const std::string& buf, size_t limit) {
  std::unique_ptr<InputSource> in;
  FUZZ_CHECK(open_memory_input(buf, "<memory>", SIZE_MAX, &in).ok());
  std::string out(size_t{1} << 16, '\0');
  size_t total = 0;
  for (;;) {
    size_t got = 0;
    if (!in->read(out.data(), out.size(), &got).ok() || got == 0) return true;
    total += got;
    if (total > limit) return false;
  }
}

bool compressed_magic(const std::string& buf) {
  return (buf.size() >= 2 && buf[0] == '\x1f' && buf[1] == '\x8b') ||
         (buf.size() >= 4 && (buf.compare(0, 4, "\x28\xb5\x2f\xfd") == 0 ||
                              ((buf[0] & 0xf0) == 0x50 && buf.compare(1, 3, "\x2a\x4d\x18") == 0)));
}

struct DiffResult {
  std::string tables, log, reported;
  uint64_t reported_lines = 0;
};

DiffResult run_diff(const std::string& before, const std::string& after,
                    const std::string* retained_data, unsigned threads) {
  DiffResult result;
  LogReporter reporter;
  TypeIds types;
  ReadOptions options;
  options.threads = threads;
  options.chunk_size = tiny_chunk(before.size() + after.size());
  auto collect = [&](const std::string& data, const char* name, IdentitySet* set) {
    std::vector<std::unique_ptr<IdentityCollector>> collectors;
    for (unsigned i = 0; i < threads; ++i) {
      collectors.push_back(std::make_unique<IdentityCollector>(*set, types));
    }
    auto input = make_memory_input(data, name, 5);
    ReadStats stats;
    Status s = read_dump_parallel(
        *input, [&](unsigned i) -> RecordSink& { return *collectors[i]; }, reporter, &stats,
        options);
    FUZZ_CHECK(s.ok());
    for (auto& c : collectors) c->flush();
    set->seal();
    FUZZ_CHECK(set->size() == stats.objects);
  };
  IdentitySet before_set;
  collect(before, "BEFORE", &before_set);
  std::unique_ptr<IdentitySet> retained;
  if (retained_data != nullptr) {
    retained = std::make_unique<IdentitySet>();
    collect(*retained_data, "RETAINED", retained.get());
  }
  // Like the CLI: with --output-diff (here: single thread) the reported lines
  // are collected in file order.
  std::function<void(std::string_view)> on_reported;
  if (threads == 1) {
    on_reported = [&result](std::string_view line) {
      FUZZ_CHECK(line.find('\n') == std::string_view::npos);
      result.reported.append(line);
      result.reported += '\n';
      ++result.reported_lines;
    };
  }
  std::vector<std::unique_ptr<DiffAggregator>> diffs;
  for (unsigned i = 0; i < threads; ++i) {
    diffs.push_back(
        std::make_unique<DiffAggregator>(types, before_set, retained.get(), on_reported));
  }
  auto input = make_memory_input(after, "AFTER", 4093);
  ReadStats stats;
  Status s = read_dump_parallel(
      *input, [&](unsigned i) -> RecordSink& { return *diffs[i]; }, reporter, &stats, options);
  FUZZ_CHECK(s.ok());
  for (unsigned i = 1; i < threads; ++i) diffs[0]->merge(*diffs[i]);
  Report report{"diff",
                {{"before", "BEFORE"},
                 {"after", "AFTER"},
                 {"retained", retained ? Cell{std::string("RETAINED")} : Cell{}},
                 {"output_diff", Cell{}}},
                {diffs[0]->to_table()}};
  const Table& table = report.tables[0];
  if (threads == 1) FUZZ_CHECK(result.reported_lines == table.total("objects"));
  uint64_t objects = 0;
  const int col = table.column("objects");
  FUZZ_CHECK(col >= 0);
  for (const auto& row : table.rows) objects += as_int(row[static_cast<size_t>(col)]);
  FUZZ_CHECK(objects == table.total("objects"));
  std::string text;
  render_diff_text(table, retained != nullptr, &text);
  result.tables = render_all(report, text);
  result.log = reporter.log;
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string buf(reinterpret_cast<const char*>(data), size);

  // The generation to drill into: the first decimal digit in the input, or 0.
  uint64_t generation = 0;
  for (char c : buf) {
    if (c >= '0' && c <= '9') {
      generation = static_cast<uint64_t>(c - '0');
      break;
    }
  }

  // read: one thread vs two, both with tiny chunks.
  const ReadResult one = run_read(buf, 1, generation);
  const ReadResult two = run_read(buf, 2, generation);
  check_same(one.stats, two.stats, "read stats");
  check_same(one.log, two.log, "read skipped lines");
  check_same(one.tables, two.tables, "read tables");

  // read of compressed input.
  if (compressed_magic(buf)) {
    if (!decodes_within(buf, size_t{4} << 20)) return 0;
    const ReadResult d1 = run_read(buf, 1, generation, true);
    const ReadResult d2 = run_read(buf, 2, generation, true);
    check_same(d1.status.message(), d2.status.message(), "decoded read status");
    if (d1.status.ok()) {
      check_same(d1.warning, d2.warning, "decoded read warning");
      check_same(d1.stats, d2.stats, "decoded read stats");
      check_same(d1.log, d2.log, "decoded read skipped lines");
      check_same(d1.tables, d2.tables, "decoded read tables");
    }
  } else {
    check_compressed(buf, generation, one);
  }

  // diff: split into BEFORE / AFTER (/ RETAINED).
  std::string before, after, retained;
  bool has_retained = false;
  const size_t at = buf.find(kAfterMarker);
  if (at == std::string::npos) {
    before = buf.substr(0, size / 2);
    after = buf.substr(size / 2);
  } else {
    before = buf.substr(0, at + 1);
    const std::string rest = buf.substr(at + kAfterMarker.size());
    const size_t rt = rest.find(kRetainedMarker);
    if (rt == std::string::npos) {
      after = rest;
    } else {
      after = rest.substr(0, rt + 1);
      retained = rest.substr(rt + kRetainedMarker.size());
      has_retained = true;
    }
  }
  const DiffResult d1 = run_diff(before, after, has_retained ? &retained : nullptr, 1);
  const DiffResult d2 = run_diff(before, after, has_retained ? &retained : nullptr, 2);
  check_same(d1.log, d2.log, "diff skipped lines");
  check_same(d1.tables, d2.tables, "diff tables");
  // The reported lines are lines of AFTER, verbatim, in order.
  size_t pos = 0;
  for (size_t nl; (nl = d1.reported.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    const std::string_view line(d1.reported.data() + pos, nl - pos);
    FUZZ_CHECK(after.find(line) != std::string::npos);
  }
  return 0;
}
