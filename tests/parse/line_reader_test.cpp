#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "parse/line_reader.hpp"

using namespace heapdump;

namespace {

std::vector<Line> all_lines(const std::string& data, size_t chunk, size_t max_read,
                            std::vector<std::string>* texts) {
  auto input = make_memory_input(data, "m", max_read);
  LineReader reader(*input, chunk);
  std::vector<Line> lines;
  Line line;
  while (reader.next(&line)) {
    lines.push_back(line);
    texts->emplace_back(line.text);
  }
  REQUIRE(reader.status().ok());
  return lines;
}

}  // namespace

TEST_CASE("LineReader splits lines whatever the chunk and read sizes") {
  const std::string data = "a\nbb\n\nccc\r\n" + std::string(1000, 'x') + "\nlast";
  for (size_t chunk : {1, 2, 3, 7, 64, 4096}) {
    for (size_t max_read : {size_t{1}, size_t{5}, SIZE_MAX}) {
      std::vector<std::string> texts;
      auto lines = all_lines(data, chunk, max_read, &texts);
      REQUIRE(texts.size() == 6);
      CHECK(texts[0] == "a");
      CHECK(texts[1] == "bb");
      CHECK(texts[2] == "");
      CHECK(texts[3] == "ccc\r");
      CHECK(texts[4] == std::string(1000, 'x'));
      CHECK(texts[5] == "last");
      CHECK(lines[5].terminated == false);
      CHECK(lines[4].terminated == true);
      CHECK(lines[3].number == 4);
      CHECK(lines[3].offset == 6);  // "a\n" "bb\n" "\n" = 6 bytes before
      CHECK(lines[4].offset == 11);
    }
  }
}

TEST_CASE("LineReader: empty input and a single newline") {
  std::vector<std::string> texts;
  CHECK(all_lines("", 16, SIZE_MAX, &texts).empty());
  auto lines = all_lines("\n", 16, SIZE_MAX, &texts);
  REQUIRE(lines.size() == 1);
  CHECK(texts[0].empty());
  CHECK(lines[0].terminated);
}

TEST_CASE("LineReader keeps padding readable after every line and memory near one chunk") {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += std::string(100, 'a' + i % 26) + "\n";
  auto input = make_memory_input(data, "m");
  LineReader reader(*input, 4096);
  Line line;
  size_t n = 0;
  while (reader.next(&line)) {
    ++n;
    // Reading the padding must be safe (ASan would catch an overrun).
    volatile char c = line.text.data()[line.text.size() + kLinePadding - 1];
    (void)c;
  }
  CHECK(n == 1000);
  CHECK(reader.buffer_capacity() == 4096);  // short lines never grow the buffer
}

TEST_CASE("LineReader grows for one huge line") {
  const std::string big(3 << 20, 'z');
  std::vector<std::string> texts;
  all_lines("x\n" + big + "\ny\n", 1024, 65536, &texts);
  REQUIRE(texts.size() == 3);
  CHECK(texts[1] == big);
  CHECK(texts[2] == "y");
}
