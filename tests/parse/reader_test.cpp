#include <algorithm>
#include <catch2/catch.hpp>

#include <string>

#include "parse/chunk_reader.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

TEST_CASE("read_dump: blank lines are ignored, invalid lines skipped and reported") {
  const std::string data =
      "{\"type\":\"ROOT\", \"root\":\"vm\", \"references\":[\"0x1\"]}\n"
      "\n"
      "   \r\n"
      "{\"address\":\"0x1\", \"type\":\"STRING\", \"value\":\"a\\nb\"}\n"
      "not json\n"
      "[1,2]\n"
      "{\"address\":\"0x2\", \"type\":\"ARRAY\"}\r\n"
      "{\"address\":\"0x3\", \"type\":\"HA";
  for (size_t chunk : {size_t{3}, size_t{16}, size_t{1} << 20}) {
    CollectingSink sink;
    CollectingReporter rep;
    ReadStats st = read_string(data, sink, rep, chunk, 5);
    CHECK(st.lines == 8);
    CHECK(st.blank_lines == 2);
    CHECK(st.skipped_lines == 3);
    CHECK(st.records == 3);
    CHECK(st.objects == 2);
    CHECK(st.bytes == data.size());
    REQUIRE(sink.records.size() == 3);
    CHECK(sink.records[0].kind == RecordKind::kRoot);
    CHECK(sink.records[1].value == "a\nb");
    CHECK(sink.records[1].byte_offset == data.find("{\"address\":\"0x1\""));
    CHECK(sink.records[2].byte_offset == data.find("{\"address\":\"0x2\""));
    REQUIRE(rep.skipped.size() == 3);
    CHECK(rep.skipped[0].line == 5);
    CHECK(rep.skipped[1].line == 6);
    // (With 3-byte chunks, "[1,2]" is a line of a chunk's size or more that
    // does not start with '{', which the reader skips by its first byte.)
    CHECK(rep.skipped[1].reason ==
          (chunk == 3 ? not_an_object_reason('[') : std::string("not a JSON object")));
    CHECK(rep.skipped[2].line == 8);
    CHECK_THAT(rep.skipped[2].reason, Catch::StartsWith("last line is cut short"));
    CHECK(rep.skipped[0].offset == data.find("not json"));
  }
}

TEST_CASE("read_dump: a complete last line without newline is fine") {
  CollectingSink sink;
  CollectingReporter rep;
  ReadStats st = read_string("{\"address\":\"0x1\"}\n{\"address\":\"0x2\"}", sink, rep);
  CHECK(st.skipped_lines == 0);
  CHECK(st.objects == 2);
}

TEST_CASE("read_dump: long lines across tiny chunks") {
  std::string refs;
  for (int i = 0; i < 100000; ++i) refs += (i ? ", \"0x" : "\"0x") + std::to_string(1000 + i) + "\"";
  const std::string big = "{\"address\":\"0x9\", \"type\":\"ARRAY\", \"references\":[" + refs + "]}";
  const std::string data = "{\"address\":\"0x1\"}\n" + big + "\n{\"address\":\"0x2\"}\n";
  CollectingSink sink;
  CollectingReporter rep;
  ReadStats st = read_string(data, sink, rep, 4096, 1000);
  CHECK(rep.skipped.empty());
  REQUIRE(sink.records.size() == 3);
  CHECK(sink.records[1].reference_count == 100000);
  CHECK(sink.records[1].raw_line == big);
  CHECK(st.objects == 3);
}

TEST_CASE("read_dump: a UTF-8 byte order mark on the first line is ignored") {
  CollectingSink sink;
  CollectingReporter rep;
  read_string("\xEF\xBB\xBF{\"address\":\"0x1\"}\n", sink, rep);
  CHECK(rep.skipped.empty());
  CHECK(sink.records.size() == 1);
}

TEST_CASE("read_dump: empty input and only newlines") {
  CollectingSink sink;
  CollectingReporter rep;
  ReadStats st = read_string("", sink, rep);
  CHECK(st.lines == 0);
  st = read_string("\n\n\n", sink, rep);
  CHECK(st.lines == 3);
  CHECK(st.blank_lines == 3);
  CHECK(sink.records.empty());
  CHECK(rep.skipped.empty());
}

TEST_CASE("read_dump on the real fixtures matches their documented counts") {
  struct Fixture {
    const char* name;
    uint64_t lines, objects, skipped;
  };
  const Fixture fixtures[] = {
      {"leak_plain.0.json", 7849, 7845, 0},      {"leak_plain.1.json", 8763, 8759, 0},
      {"leak_plain.2.json", 9654, 9650, 0},      {"edge_values.json", 10648, 10643, 0},
      {"edge_truncated.json", 2176, 2170, 1},    {"edge_empty.json", 0, 0, 0},
      {"edge_since.json", 154, 154, 0},          {"edge_badjson_path.json", 102, 70, 32},
      {"boot_sinatra.json.gz", 47430, 47425, 0}, {"edge_values_notrace.json.gz", 10644, 10639, 0},
      {"leak_suspects.0.json.gz", 7029, 7025, 0}, {"leak_suspects.1.json.gz", 17832, 17828, 0},
      {"leak_suspects.2.json.gz", 28632, 28628, 0},
  };
  for (const Fixture& f : fixtures) {
    INFO(f.name);
    std::unique_ptr<InputSource> input;
    REQUIRE(InputSource::open(std::string(HEAPDUMP_FIXTURE_DIR) + "/" + f.name, &input).ok());
    CollectingReporter rep;
    TeeSink none;
    ReadStats st;
    REQUIRE(read_dump(*input, none, rep, &st).ok());
    CHECK(st.lines == f.lines);
    CHECK(st.objects == f.objects);
    CHECK(st.skipped_lines == f.skipped);
    CHECK(rep.skipped.size() == f.skipped);
  }
}

TEST_CASE("read_dump: edge_full has 4,824 free slots that are not objects") {
  std::unique_ptr<InputSource> input;
  REQUIRE(InputSource::open(std::string(HEAPDUMP_FIXTURE_DIR) + "/edge_full.json.gz", &input).ok());
  CollectingReporter rep;
  CollectingSink sink;
  ReadStats st;
  REQUIRE(read_dump(*input, sink, rep, &st).ok());
  uint64_t free_slots = 0, roots = 0;
  for (const auto& r : sink.records) {
    free_slots += r.kind == RecordKind::kFree;
    roots += r.kind == RecordKind::kRoot;
  }
  CHECK(st.lines == 13897);
  CHECK(roots == 4);
  CHECK(free_slots == 4824);
  CHECK(st.objects == 13893 - 4824);
}

#include "heapdump/class_names.hpp"
#include "heapdump/drill_down.hpp"
#include "heapdump/generation_summary.hpp"

namespace {

struct Work {
  explicit Work(const std::shared_ptr<ValueSightings>& sightings) : drill(Selection{}, sightings) {
    tee.add(drill);
    tee.add(names);
    tee.add(summary);
  }
  DrillDown drill;
  ClassNames names;
  GenerationSummary summary;
  TeeSink tee;
};

/// All tables of a parallel read with the given threads and chunk size.
std::vector<Table> tables_for(const std::string& path, unsigned threads, size_t chunk,
                              std::vector<Skipped>* skipped) {
  std::unique_ptr<InputSource> input;
  REQUIRE(InputSource::open(path, &input).ok());
  std::vector<std::unique_ptr<Work>> work;
  const std::shared_ptr<ValueSightings> sightings = make_value_sightings();
  for (unsigned i = 0; i < threads; ++i) work.push_back(std::make_unique<Work>(sightings));
  CollectingReporter rep;
  ReadOptions options;
  options.threads = threads;
  options.chunk_size = chunk;
  REQUIRE(read_dump_parallel(*input, [&](unsigned i) -> RecordSink& { return work[i]->tee; }, rep,
                             nullptr, options)
              .ok());
  for (unsigned i = 1; i < threads; ++i) {
    work[0]->drill.merge(work[i]->drill);
    work[0]->names.merge(work[i]->names);
    work[0]->summary.merge(work[i]->summary);
  }
  std::vector<Table> out = work[0]->drill.to_tables(UINT64_MAX, work[0]->names);
  out.push_back(work[0]->summary.to_table());
  *skipped = rep.skipped;
  return out;
}

}  // namespace

TEST_CASE("read_dump_parallel: identical tables for any thread count and chunk size") {
  for (const char* name : {"boot_sinatra.json.gz", "edge_values.json", "edge_badjson_path.json",
                           "edge_truncated.json"}) {
    INFO(name);
    const std::string path = std::string(HEAPDUMP_FIXTURE_DIR) + "/" + name;
    std::vector<Skipped> skipped_ref;
    const auto reference = tables_for(path, 1, size_t{4} << 20, &skipped_ref);
    // Small chunks put chunk boundaries inside the 200 KB lines of edge_values.
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
      for (size_t chunk : {size_t{1000}, size_t{65536}}) {
        INFO("threads " << threads << " chunk " << chunk);
        std::vector<Skipped> skipped;
        const auto tables = tables_for(path, threads, chunk, &skipped);
        REQUIRE(tables.size() == reference.size());
        for (size_t t = 0; t < tables.size(); ++t) {
          INFO(tables[t].name);
          CHECK(tables[t].rows == reference[t].rows);
          CHECK(tables[t].totals == reference[t].totals);
        }
        REQUIRE(skipped.size() == skipped_ref.size());
        for (size_t i = 0; i < skipped.size(); ++i) {
          CHECK(skipped[i].line == skipped_ref[i].line);  // reported in file order
          CHECK(skipped[i].offset == skipped_ref[i].offset);
        }
      }
    }
  }
}

namespace {
/// Reads `data` with `threads` threads, each into a sink of its own (a
/// shared one would be written from two threads at once), then gathers their
/// records into `sink` in file order.
ReadStats read_with(const std::string& data, CollectingSink& sink, CollectingReporter& rep,
                    size_t chunk_size, uint64_t max_line_bytes, unsigned threads) {
  auto input = make_memory_input(data, "mem.json", 1000);
  ReadStats stats;
  ReadOptions options;
  options.chunk_size = chunk_size;
  options.max_line_bytes = max_line_bytes;
  options.threads = threads;
  std::vector<CollectingSink> per_thread(threads);
  Status s = read_dump_parallel(
      *input, [&](unsigned i) -> RecordSink& { return per_thread.at(i); }, rep, &stats, options);
  if (!s.ok()) throw std::runtime_error(s.message());
  for (CollectingSink& t : per_thread) {
    for (OwnedRecord& r : t.records) sink.records.push_back(std::move(r));
  }
  std::sort(sink.records.begin(), sink.records.end(),
            [](const OwnedRecord& x, const OwnedRecord& y) { return x.byte_offset < y.byte_offset; });
  return stats;
}
}  // namespace

TEST_CASE("read_dump: a long line that cannot be an object is skipped by line number, unkept") {
  // 1 MB of NUL bytes (a run of zeros in a broken file) between two records:
  // with 4 KB chunks the reader skips it by its first byte and reads on.
  const std::string zeros(1 << 20, '\0');
  const std::string a = "{\"address\":\"0x1\", \"type\":\"STRING\"}\n";
  const std::string b = "{\"address\":\"0x2\", \"type\":\"ARRAY\"}\n";
  for (unsigned threads : {1u, 2u}) {
    for (const bool terminated : {true, false}) {
      INFO("threads " << threads << " terminated " << terminated);
      const std::string data = a + "\n" + zeros + (terminated ? "\n" + b : "");
      CollectingSink sink;
      CollectingReporter rep;
      const ReadStats st = read_with(data, sink, rep, 4096, kDefaultMaxLineBytes, threads);
      CHECK(st.lines == (terminated ? 4 : 3));
      CHECK(st.skipped_lines == 1);
      CHECK(st.records == (terminated ? 2 : 1));
      CHECK(st.bytes == data.size());
      REQUIRE(rep.skipped.size() == 1);
      CHECK(rep.skipped[0].line == 3);
      CHECK(rep.skipped[0].offset == a.size() + 1);
      const std::string reason =
          "not a JSON object: a long line that starts with byte 0x00 (not '{'), skipped without "
          "keeping it in memory";
      CHECK(rep.skipped[0].reason ==
            (terminated ? reason : "last line is cut short (no newline at end of file): " + reason));
      if (terminated) {
        REQUIRE(sink.records.size() == 2);
        CHECK(sink.records[1].byte_offset == a.size() + 1 + zeros.size() + 1);
      }
    }
  }
}

TEST_CASE("read_dump: --max-line-bytes skips longer lines, long or short, with one reason") {
  const std::string a = "{\"address\":\"0x1\"}";
  const uint64_t limit = a.size();  // 17 bytes
  std::string refs;
  for (int i = 0; i < 20000; ++i) refs += (i ? ",\"0x" : "\"0x") + std::to_string(1000 + i) + "\"";
  const std::string big = "{\"address\":\"0x9\",\"references\":[" + refs + "]}";
  REQUIRE(big.size() > 100000);
  const std::string data = a + "\n" + big + "\n" + a + "x\n" + "{\"address\":\"0x2\"}\n";
  for (unsigned threads : {1u, 2u}) {
    for (size_t chunk : {size_t{4096}, size_t{1} << 20}) {
      INFO("threads " << threads << " chunk " << chunk);
      CollectingSink sink;
      CollectingReporter rep;
      // 17 bytes are allowed: the first and last lines are kept, the
      // 18-byte line (a + "x") and the big one are skipped.
      const ReadStats st = read_with(data, sink, rep, chunk, limit, threads);
      CHECK(st.lines == 4);
      CHECK(st.skipped_lines == 2);
      CHECK(st.bytes == data.size());
      REQUIRE(sink.records.size() == 2);
      REQUIRE(rep.skipped.size() == 2);
      CHECK(rep.skipped[0].line == 2);
      CHECK(rep.skipped[0].reason == "a line of " + std::to_string(big.size()) +
                                         " bytes, longer than --max-line-bytes (17)");
      CHECK(rep.skipped[1].line == 3);
      CHECK(rep.skipped[1].reason == "a line of 18 bytes, longer than --max-line-bytes (17)");
    }
  }
  // The default keeps them: the big line is a record, a + "x" is bad JSON.
  CollectingSink sink;
  CollectingReporter rep;
  read_with(data, sink, rep, 4096, kDefaultMaxLineBytes, 2);
  CHECK(sink.records.size() == 3);
  REQUIRE(rep.skipped.size() == 1);
  CHECK(rep.skipped[0].reason == "unexpected text after the JSON object");
  CHECK(kDefaultMaxLineBytes == uint64_t{2} * 1024 * 1024 * 1024);
}
