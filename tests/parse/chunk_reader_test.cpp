#include <catch2/catch.hpp>

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

std::vector<SeenLine> all_lines(const std::string& data, size_t chunk_size, size_t max_read,
                                size_t* chunks_seen = nullptr) {
  auto input = make_memory_input(data, "m", max_read);
  ChunkReader reader(*input, chunk_size);
  std::vector<SeenLine> lines;
  Chunk chunk;
  uint64_t expected_index = 0, expected_offset = 0;
  while (reader.next(&chunk)) {
    REQUIRE(chunk.index == expected_index++);
    REQUIRE(chunk.offset == expected_offset);
    expected_offset += chunk.size;
    REQUIRE(chunk.buffer.size() >= chunk.size + kChunkPadding);
    // Line numbers count within a chunk; make them count within the input.
    const uint64_t before = lines.size();
    for_each_line(chunk, [&](std::string_view text, uint64_t number, uint64_t offset, bool term) {
      lines.push_back({std::string(text), before + number, offset, term});
    });
  }
  REQUIRE(reader.status().ok());
  REQUIRE(expected_offset == data.size());
  if (chunks_seen) *chunks_seen = expected_index;
  return lines;
}

}  // namespace

TEST_CASE("ChunkReader cuts at newlines whatever the chunk and read sizes") {
  const std::string data = "a\nbb\n\nccc\r\n" + std::string(1000, 'x') + "\nlast";
  for (size_t chunk : {1, 2, 3, 7, 64, 4096}) {
    for (size_t max_read : {size_t{1}, size_t{5}, SIZE_MAX}) {
      INFO("chunk " << chunk << " read " << max_read);
      auto lines = all_lines(data, chunk, max_read);
      REQUIRE(lines.size() == 6);
      CHECK(lines[0].text == "a");
      CHECK(lines[1].text == "bb");
      CHECK(lines[2].text == "");
      CHECK(lines[3].text == "ccc\r");
      CHECK(lines[4].text == std::string(1000, 'x'));
      CHECK(lines[5].text == "last");
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
  const std::string big(3 << 20, 'z');
  lines = all_lines("x\n" + big + "\ny\n", 1024, 65536);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].text == big);
  CHECK(lines[2].text == "y");
  CHECK(lines[2].number == 3);
}
