#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "parse/chunk_reader.hpp"

using namespace heapdump;

namespace {

struct SeenLine {
  std::string text;
  uint64_t number;
  uint64_t offset;
  bool terminated;
};

/// Every line of `input` in chunks of `chunk_size`, checking the chunks'
/// order, offsets and padding.
/// A line the reader skipped unkept (Chunk::skipped) is seen as
/// "<skipped LENGTH: REASON>".
std::vector<SeenLine> lines_of(InputSource& input, uint64_t total, size_t chunk_size,
                               size_t* chunks_seen = nullptr,
                               uint64_t max_line_bytes = kDefaultMaxLineBytes) {
  ChunkReader reader(input, chunk_size, max_line_bytes);
  std::vector<SeenLine> lines;
  Chunk chunk;
  uint64_t expected_index = 0, expected_offset = 0;
  while (reader.next(&chunk)) {
    REQUIRE(chunk.index == expected_index++);
    if (chunk.skipped.present) {
      const SkippedLongLine& s = chunk.skipped;
      REQUIRE(s.offset == expected_offset);
      REQUIRE(chunk.size == 0);
      lines.push_back({"<skipped " + std::to_string(s.length) + ": " + s.reason + ">",
                       lines.size() + 1, s.offset, s.terminated});
      expected_offset += s.length + (s.terminated ? 1 : 0);
    }
    REQUIRE(chunk.offset == expected_offset);
    expected_offset += chunk.size;
    REQUIRE(chunk.buffer.size() >= chunk.size + kChunkPadding);
    // The padding must be readable (an unmapped byte would crash here).
    volatile char last = 0;
    for (size_t i = 0; i < kChunkPadding; ++i) last = last + chunk.begin()[chunk.size + i];
    // Line numbers count within a chunk; make them count within the input.
    const uint64_t before = lines.size();
    for_each_line(chunk, [&](std::string_view text, uint64_t number, uint64_t offset, bool term) {
      lines.push_back({std::string(text), before + number, offset, term});
    });
  }
  REQUIRE(reader.finish().ok());
  REQUIRE(expected_offset == total);
  if (chunks_seen) *chunks_seen = expected_index;
  return lines;
}

std::vector<SeenLine> all_lines(const std::string& data, size_t chunk_size, size_t max_read,
                                size_t* chunks_seen = nullptr,
                                uint64_t max_line_bytes = kDefaultMaxLineBytes) {
  auto input = make_memory_input(data, "m", max_read);
  return lines_of(*input, data.size(), chunk_size, chunks_seen, max_line_bytes);
}

/// A file holding `data`, removed at the end of the test.
struct TempFile {
  explicit TempFile(const std::string& data) {
    char name[] = "/tmp/heapdump_chunk_reader_test_XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = name;
    std::ofstream(path, std::ios::binary) << data;
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

/// n lines of 99 copies of `c`.
std::string uniform_lines(int n, char c) {
  std::string data;
  for (int i = 0; i < n; ++i) data += std::string(99, c) + "\n";
  return data;
}

/// Reads every byte of a chunk (a byte of a page that is not there would
/// crash here).
void touch(const Chunk& chunk) {
  volatile char sink = 0;
  for (size_t i = 0; i < chunk.size; ++i) sink = sink + chunk.begin()[i];
}

/// The lines as the dump reader sees them: a line that the ChunkReader
/// kept although its rules skip it (it fitted a chunk) is skipped with the
/// same reason, as reader.cpp does.
std::vector<SeenLine> as_read(std::vector<SeenLine> lines, size_t chunk,
                              uint64_t max_line_bytes = kDefaultMaxLineBytes) {
  for (SeenLine& l : lines) {
    if (l.text.rfind("<skipped ", 0) == 0) continue;
    const int first = first_content_byte(l.text.data(), l.text.size(), l.offset);
    if (l.text.size() >= chunk && first >= 0 && first != '{') {
      l.text = "<skipped " + std::to_string(l.text.size()) + ": " +
               not_an_object_reason(static_cast<unsigned char>(first)) + ">";
    } else if (l.text.size() > max_line_bytes) {
      l.text = "<skipped " + std::to_string(l.text.size()) + ": " +
               line_too_long_reason(l.text.size(), max_line_bytes) + ">";
    }
  }
  return lines;
}

bool same_lines(const std::vector<SeenLine>& a, const std::vector<SeenLine>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].text != b[i].text || a[i].number != b[i].number || a[i].offset != b[i].offset ||
        a[i].terminated != b[i].terminated) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("ChunkReader cuts at newlines whatever the chunk and read sizes") {
  // (Lines start with '{': a longer line that does not is skipped, below.)
  const std::string data = "{\n{b\n\n{cc\r\n{" + std::string(999, 'x') + "\n{ast";
  for (size_t chunk : {1, 2, 3, 7, 64, 4096}) {
    for (size_t max_read : {size_t{1}, size_t{5}, SIZE_MAX}) {
      INFO("chunk " << chunk << " read " << max_read);
      auto lines = all_lines(data, chunk, max_read);
      REQUIRE(lines.size() == 6);
      CHECK(lines[0].text == "{");
      CHECK(lines[1].text == "{b");
      CHECK(lines[2].text == "");
      CHECK(lines[3].text == "{cc\r");
      CHECK(lines[4].text == "{" + std::string(999, 'x'));
      CHECK(lines[5].text == "{ast");
      CHECK_FALSE(lines[5].terminated);
      CHECK(lines[4].terminated);
      for (size_t i = 0; i < lines.size(); ++i) CHECK(lines[i].number == i + 1);
      CHECK(lines[3].offset == 6);  // "a\n" "bb\n" "\n"
      CHECK(lines[4].offset == 11);
    }
  }
}

TEST_CASE("ChunkReader: empty input, a lone newline, a trailing newline") {
  CHECK(all_lines("", 16, SIZE_MAX).empty());
  auto lines = all_lines("\n", 16, SIZE_MAX);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text.empty());
  CHECK(lines[0].terminated);
  lines = all_lines("x\ny\n", 16, SIZE_MAX);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].terminated);
}

TEST_CASE("ChunkReader keeps chunks near the chunk size and grows for a huge line") {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += std::string(100, static_cast<char>('a' + i % 26)) + "\n";
  size_t chunks = 0;
  auto lines = all_lines(data, 4096, SIZE_MAX, &chunks);
  CHECK(lines.size() == 1000);
  CHECK(chunks >= data.size() / 4096);
  const std::string big = "{" + std::string((3 << 20) - 1, 'z');
  lines = all_lines("x\n" + big + "\ny\n", 1024, 65536);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].text == big);
  CHECK(lines[2].text == "y");
  CHECK(lines[2].number == 3);
}

TEST_CASE("ChunkReader cuts a regular file as it cuts the same bytes streamed") {
  std::mt19937_64 rng(5);
  auto random_lines = [&rng](size_t total) {
    std::string data;
    while (data.size() < total) {
      // Half of them start with '{'; a long line that does not is skipped.
      const size_t n = rng() % 300;
      const std::string open = rng() % 2 == 0 ? "{" : "";
      data += open + std::string(n, static_cast<char>('a' + rng() % 26)) + "\n";
    }
    data.resize(total);  // may cut the last line: no newline at the end
    return data;
  };
  std::vector<std::string> inputs = {
      "a\nbb\n\nccc\r\n" + std::string(1000, 'x') + "\nlast",
      random_lines(300000),
      // A line longer than most chunks.
      random_lines(100000) + "\n{" + std::string(200000, 'L') + "\n" + random_lines(100000),
      // The same, skipped (not '{').
      random_lines(100000) + "\n" + std::string(200000, 'L') + "\n" + random_lines(100000),
      // A long line at the end, with no newline; skipped, then kept.
      random_lines(100000) + "\n" + std::string(300000, 'L'),
      random_lines(100000) + "\n{" + std::string(300000, 'L'),
  };
  // Ends near a page boundary.
  for (long delta : {-65L, -64L, -63L, -1L, 0L, 1L}) inputs.push_back(random_lines(static_cast<size_t>(20 * 4096 + delta)));
  inputs.push_back(random_lines(200000) + "\n");
  for (const std::string& data : inputs) {
    const TempFile file(data);
    for (size_t chunk : {1, 64, 4096, 100000, 1 << 20}) {
      INFO("size " << data.size() << " chunk " << chunk);
      const auto streamed = all_lines(data, chunk, SIZE_MAX);
      std::unique_ptr<InputSource> input;
      REQUIRE(InputSource::open(file.path, &input).ok());
      REQUIRE(input->regular_file());
      const auto from_file = lines_of(*input, data.size(), chunk);
      CHECK(same_lines(as_read(from_file, chunk), as_read(streamed, chunk)));
    }
  }
}

TEST_CASE("ChunkReader: a file cut before its end is read is reported too") {
  const TempFile file(uniform_lines(20000, 'q'));
  std::unique_ptr<InputSource> input;
  REQUIRE(InputSource::open(file.path, &input).ok());
  REQUIRE(::truncate(file.path.c_str(), 50000) == 0);  // before the first chunk
  ChunkReader reader(*input, 65536);
  Chunk chunk;
  while (reader.next(&chunk)) touch(chunk);
  REQUIRE_FALSE(reader.finish().ok());
  CHECK(reader.status().message().find("got shorter") != std::string::npos);
}

TEST_CASE("ChunkReader: a file cut after the first chunk is reported") {
  const TempFile file(uniform_lines(20000, 'r'));
  std::unique_ptr<InputSource> input;
  REQUIRE(InputSource::open(file.path, &input).ok());
  ChunkReader reader(*input, 65536);
  Chunk chunk;
  REQUIRE(reader.next(&chunk));
  REQUIRE(::truncate(file.path.c_str(), 100000) == 0);  // inside the second chunk
  size_t bytes = chunk.size;
  while (reader.next(&chunk)) bytes += chunk.size;
  CHECK(reader.status().ok());  // the reads succeeded, they just ended early
  CHECK(bytes < 20000u * 100);
  REQUIRE_FALSE(reader.finish().ok());
  CHECK(reader.status().message().find(file.path + ": the file got shorter while it was being read") !=
        std::string::npos);
}

TEST_CASE("ChunkReader: a file that grows while it is read is read to its end") {
  const TempFile file(uniform_lines(2000, 's'));
  std::unique_ptr<InputSource> input;
  REQUIRE(InputSource::open(file.path, &input).ok());
  ChunkReader reader(*input, 4096);
  Chunk chunk;
  REQUIRE(reader.next(&chunk));
  std::ofstream(file.path, std::ios::binary | std::ios::app) << uniform_lines(10, 't');
  size_t bytes = chunk.size;
  while (reader.next(&chunk)) bytes += chunk.size;
  CHECK(bytes == 2010u * 100);
  CHECK(reader.finish().ok());
}

namespace {
/// Reads every chunk of `input`; *biggest is the largest buffer a chunk had.
std::vector<SeenLine> lines_and_memory(InputSource& input, uint64_t total, size_t chunk,
                                       uint64_t max_line_bytes, size_t* biggest) {
  ChunkReader reader(input, chunk, max_line_bytes);
  std::vector<SeenLine> lines;
  Chunk c;
  uint64_t offset = 0;
  *biggest = 0;
  while (reader.next(&c)) {
    *biggest = std::max(*biggest, c.buffer.size());
    if (c.skipped.present) {
      REQUIRE(c.skipped.offset == offset);
      lines.push_back({"<skipped " + std::to_string(c.skipped.length) + ": " + c.skipped.reason +
                           ">",
                       lines.size() + 1, c.skipped.offset, c.skipped.terminated});
      offset += c.skipped.length + (c.skipped.terminated ? 1 : 0);
    }
    REQUIRE(c.offset == offset);
    offset += c.size;
    const uint64_t before = lines.size();
    for_each_line(c, [&](std::string_view text, uint64_t number, uint64_t at, bool term) {
      lines.push_back({std::string(text), before + number, at, term});
    });
  }
  REQUIRE(reader.finish().ok());
  REQUIRE(offset == total);
  return lines;
}
}  // namespace

TEST_CASE("ChunkReader skips a long line that is not an object, or over the limit, unkept") {
  const size_t chunk = 4096;
  const std::string zeros(3 << 20, '\0');
  const std::string big_object = "{" + std::string(200000, 'x');
  const std::string tail = "{\"b\":1}";
  struct Case {
    std::string data;
    uint64_t max_line_bytes;
    std::vector<std::string> expected;  // line texts
    size_t max_buffer;                  // the most a chunk may hold
  };
  const size_t near_chunk = 2 * chunk + 2 * kChunkPadding;
  const std::string bom = "\xEF\xBB\xBF";
  const std::vector<Case> cases = {
      // Zeros between two records; then at the end without a newline.
      {"{a}\n" + zeros + "\n" + tail + "\n", kDefaultMaxLineBytes,
       {"{a}", "<skipped 3145728: " + not_an_object_reason(0) + ">", tail}, near_chunk},
      {"{a}\n" + zeros, kDefaultMaxLineBytes,
       {"{a}", "<skipped 3145728: " + not_an_object_reason(0) + ">"}, near_chunk},
      // First byte after blanks (and a BOM at the start) decides.
      {bom + "  \t" + zeros + "\n", kDefaultMaxLineBytes,
       {"<skipped 3145734: " + not_an_object_reason(0) + ">"}, near_chunk},
      {" [" + zeros + "\n" + tail, kDefaultMaxLineBytes,
       {"<skipped 3145730: " + not_an_object_reason('[') + ">", tail}, near_chunk},
      // An object-like line over the limit: skipped once the limit is passed.
      {"{a}\n" + big_object + "\n" + tail + "\n", 100000,
       {"{a}", "<skipped 200001: " + line_too_long_reason(200001, 100000) + ">", tail},
       100001 + kChunkPadding},
      // Under the limit it is kept whole (it may start with blanks and a BOM).
      {bom + " " + big_object + "\n" + tail + "\n", kDefaultMaxLineBytes,
       {bom + " " + big_object, tail}, 2 * big_object.size()},
  };
  for (const Case& c : cases) {
    const TempFile file(c.data);
    for (bool from_file : {false, true}) {
      INFO("size " << c.data.size() << " file " << from_file);
      std::unique_ptr<InputSource> input;
      if (from_file) {
        REQUIRE(InputSource::open(file.path, &input).ok());
      } else {
        input = make_memory_input(c.data, "m", 5000);
      }
      size_t biggest = 0;
      const auto lines =
          lines_and_memory(*input, c.data.size(), chunk, c.max_line_bytes, &biggest);
      REQUIRE(lines.size() == c.expected.size());
      for (size_t i = 0; i < lines.size(); ++i) {
        CHECK(lines[i].text == c.expected[i]);
        CHECK(lines[i].number == i + 1);
      }
      CHECK(lines.back().terminated == (c.data.back() == '\n'));
      // A skipped line is never held whole: chunks stay near the chunk
      // size, or the limit + 1.
      CHECK(biggest <= c.max_buffer);
    }
  }
}

TEST_CASE("ByteBuffer: a chunk-sized first buffer starts on a 2 MB page; growing keeps the bytes") {
  ByteBuffer buf;
  const size_t chunk = (size_t{4} << 20) + kChunkPadding;
  buf.resize(chunk);
  REQUIRE(buf.size() == chunk);
  CHECK(reinterpret_cast<uintptr_t>(buf.data()) % HugePageAllocator<char>::kHuge == 0);
  for (size_t i = 0; i < chunk; i += 4096) buf.data()[i] = static_cast<char>(i / 4096);
  buf.data()[chunk - 1] = 'z';
  buf.resize(chunk * 3 / 2);  // grows by reallocating
  bool same = true;
  for (size_t i = 0; i < chunk; i += 4096) same = same && buf.data()[i] == static_cast<char>(i / 4096);
  CHECK(same);
  CHECK(buf.data()[chunk - 1] == 'z');
  buf.release();
  CHECK(buf.data() == nullptr);
  CHECK(buf.size() == 0);
  buf.resize(100);  // a small one after a release
  REQUIRE(buf.data() != nullptr);
  buf.data()[99] = 'y';
  CHECK(buf.data()[99] == 'y');
}
