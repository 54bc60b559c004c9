// ReadPipeline: one read of one file into several sink sets on N threads,
// what it tells its listener, and the "not a heap dump" rule.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "heapdump/pipeline.hpp"

namespace heapdump {
namespace {

/// A file in the temporary directory, removed when the test ends.
struct TempDump {
  explicit TempDump(const std::string& name, const std::string& text)
      : path(std::string(P_tmpdir) + "/heapdump_pipeline_test_" + std::to_string(::getpid()) +
             "_" + name) {
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempDump() { std::remove(path.c_str()); }
  std::string path;
};

/// `n` object lines with addresses 1..n, and a bad line after every 100th.
std::string dump_text(int n) {
  std::string text;
  for (int i = 1; i <= n; ++i) {
    text += fmt::format("{{\"address\":\"0x{:x}\",\"type\":\"STRING\",\"memsize\":40}}\n", i);
    if (i % 100 == 0) text += "not json\n";
  }
  return text;
}

/// Counts records and sums their addresses.
struct Tally {
  struct Sink final : RecordSink {
    void on_record(const ObjectRecord& r) override {
      ++records;
      address_sum += r.address;
    }
    uint64_t records = 0;
    uint64_t address_sum = 0;
  } sink_;
  RecordSink& sink() { return sink_; }
  void merge(const Tally& o) {
    sink_.records += o.sink_.records;
    sink_.address_sum += o.sink_.address_sum;
  }
};

struct Listener final : ReadListener {
  void skipped_line(std::string_view, uint64_t, uint64_t, std::string_view) override {
    ++skipped;
  }
  std::function<void(uint64_t)> progress(std::string_view, uint64_t size) override {
    size_hint = size;
    return [this](uint64_t done) { last_progress = done; };
  }
  void read_ended() override { ++ended; }
  void input_read(std::string_view name, const ReadStats& stats, std::string_view) override {
    ++inputs;
    read_name = std::string(name);
    records = stats.records;
  }
  int skipped = 0, ended = 0, inputs = 0;
  uint64_t size_hint = 0, last_progress = 0, records = 0;
  std::string read_name;
};

}  // namespace

TEST_CASE("ReadPipeline feeds every sink set from one read, on any number of threads") {
  const int n = 5000;
  const TempDump dump("many.json", dump_text(n));
  const uint64_t expected_sum = uint64_t{n} * (n + 1) / 2;
  for (unsigned threads : {1u, 2u, 4u}) {
    ReadOptions options;
    options.threads = threads;
    options.chunk_size = 4096;  // many chunks
    PerThread<Tally> first(threads), second(threads);
    std::vector<std::string> steps;
    ReadPipeline pipeline(options);
    pipeline.add(first.sinks());
    pipeline.add(second.sinks());
    pipeline.then([&steps](std::string_view name, std::vector<std::string>* notes) {
      steps.push_back(std::string(name));
      notes->push_back("a note");
    });
    Listener listener;
    InputRead read;
    const Status s = pipeline.run(dump.path, listener, &read);
    REQUIRE(s.ok());
    CHECK(first.merged().sink_.records == uint64_t{n});
    CHECK(first.merged().sink_.address_sum == expected_sum);
    CHECK(second.merged().sink_.records == uint64_t{n});
    CHECK(second.merged().sink_.address_sum == expected_sum);
    CHECK(read.stats.records == uint64_t{n});
    CHECK(read.stats.skipped_lines == uint64_t{n / 100});
    CHECK(read.name == dump.path);
    CHECK(read.warning.empty());
    CHECK(read.notes == std::vector<std::string>{"a note"});
    CHECK(steps == std::vector<std::string>{dump.path});
    CHECK(listener.skipped == n / 100);
    CHECK(listener.ended == 1);
    CHECK(listener.inputs == 1);
    CHECK(listener.records == uint64_t{n});
    CHECK(listener.size_hint == dump_text(n).size());
    CHECK(listener.last_progress == dump_text(n).size());
  }
}

TEST_CASE("ReadPipeline: a file with no JSON object line is not a heap dump") {
  const TempDump png("png.json", "\x89PNG\r\n\x1a\nbinary\nmore\n");
  ReadOptions options;
  options.threads = 2;
  PerThread<Tally> tally(2);
  ReadPipeline pipeline(options);
  pipeline.add(tally.sinks());
  bool stepped = false;
  pipeline.then([&stepped](std::string_view, std::vector<std::string>*) { stepped = true; });
  Listener listener;
  InputRead read;
  const Status s = pipeline.run(png.path, listener, &read);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message() == png.path + ": not a heap dump: none of its lines is a JSON object");
  CHECK(read.stats.skipped_lines == 4);  // the PNG signature makes two lines
  CHECK(listener.inputs == 1);  // the skipped lines' total is still told
  CHECK_FALSE(stepped);

  // An empty file is an empty dump, not an error.
  const TempDump empty("empty.json", "");
  ReadPipeline empty_pipeline(options);
  empty_pipeline.add(tally.sinks());
  CHECK(empty_pipeline.run(empty.path, listener).ok());
}

TEST_CASE("ReadPipeline: an input that cannot be opened is an error, with nothing told") {
  ReadOptions options;
  PerThread<Tally> tally(1);
  ReadPipeline pipeline(options);
  pipeline.add(tally.sinks());
  Listener listener;
  const Status s = pipeline.run("/nonexistent/heapdump.json", listener);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("/nonexistent/heapdump.json") != std::string::npos);
  CHECK(listener.ended == 0);
  CHECK(listener.inputs == 0);
}

}  // namespace heapdump
