// Every version of the line index must find the same line end and mark the
// same bytes as the definition, one byte at a time, whatever follows.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "parse/quote_index.hpp"

using namespace heapdump;

namespace {

struct Reference {
  size_t length = 0;
  std::vector<uint64_t> quotes;
  bool special = false;
};

/// The line at the start of `bytes[0, end)`, by the definition.
Reference reference_index(const std::string& bytes, size_t end, size_t max_words) {
  Reference r;
  const size_t nl = bytes.substr(0, end).find('\n');
  r.length = nl == std::string::npos ? end : nl;
  const size_t covered = std::min(r.length, max_words * 64);
  r.quotes.assign((covered + 63) / 64, 0);
  for (size_t i = 0; i < covered; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b == '"') r.quotes[i / 64] |= uint64_t{1} << (i % 64);
    if (b == '\\' || b < 0x20 || b >= 0x80) r.special = true;
  }
  if (r.length >= max_words * 64) r.length = kLineTooLong;
  return r;
}

struct Version {
  const char* name;
  LineIndexFn fn;
};

/// The versions this CPU can run (the baseline always).
std::vector<Version> runnable_versions() {
  std::vector<Version> v{{"baseline", &index_line_baseline}};
  if (index_line_avx2 != nullptr && cpu_has_avx2()) v.push_back({"avx2", index_line_avx2});
  if (index_line_avx512 != nullptr && cpu_has_avx512bw()) v.push_back({"avx512", index_line_avx512});
  return v;
}

/// Indexes the line at the start of `bytes` with every version, `end`
/// bytes of input, 64 readable bytes after (quotes, backslashes, newlines).
void check_all_versions(const std::string& bytes, size_t end, size_t max_words = 1 << 14) {
  std::string buffer = bytes.substr(0, end) + std::string(64, '"');
  for (size_t i = end; i < buffer.size(); i += 3) buffer[i] = '\\';
  for (size_t i = end + 1; i < buffer.size(); i += 3) buffer[i] = '\n';
  const Reference want = reference_index(buffer, end, max_words);
  for (const Version& v : runnable_versions()) {
    std::vector<uint64_t> quotes(max_words + 1, 0xDEADBEEF);
    uint64_t special = 0;
    const size_t length = v.fn(buffer.data(), buffer.data() + end, quotes.data(), max_words, &special);
    INFO(v.name << " end=" << end << " max_words=" << max_words);
    REQUIRE(length == want.length);
    CHECK((special != 0) == want.special);
    for (size_t w = 0; w < want.quotes.size(); ++w) CHECK(quotes[w] == want.quotes[w]);
    CHECK(quotes[max_words] == 0xDEADBEEF);  // writes at most max_words words
  }
}

}  // namespace

TEST_CASE("line index: hand-made lines") {
  const std::string line = R"({"address":"0x7f08", "type":"STRING"})";
  check_all_versions(line, line.size());
  check_all_versions(line + "\n" + line, line.size() * 2 + 1);  // stops at the newline
  check_all_versions("\n{}", 3);                                // an empty line
  check_all_versions(std::string(64, '"'), 64);
  check_all_versions(std::string(64, '"') + "\n", 65);
  check_all_versions(std::string(63, 'a') + "\n", 64);
  check_all_versions(std::string(65, 'a') + "\"", 66);
  check_all_versions("a\\b", 3);
  check_all_versions("tab\there", 8);
  check_all_versions("caf\xC3\xA9", 5);
  check_all_versions("\x7F", 1);  // DEL is neither control (< 0x20) nor non-ASCII
  check_all_versions("\x1F", 1);
  check_all_versions(" ", 1);
}

TEST_CASE("line index: lines longer than the words it may write") {
  const std::string long_line = std::string(200, 'a') + "\"" + std::string(100, 'b');
  check_all_versions(long_line, long_line.size(), 2);           // no newline in 128 bytes
  check_all_versions(long_line + "\n", long_line.size() + 1, 5);  // 301 bytes: fits in 5 words
  check_all_versions(std::string(127, 'a') + "\n", 128, 2);      // the newline just inside
  check_all_versions(std::string(128, 'a') + "\n", 129, 2);      // the newline just past
  check_all_versions(std::string(127, 'a'), 127, 2);             // the input ends just inside
  check_all_versions(std::string(128, 'a'), 128, 2);             // the input ends just past
}

TEST_CASE("line index: random lines of every length up to 300 bytes") {
  const std::string alphabet = std::string("\"\\ \t\n\x01\x1f\x7f\x80\xc3\xff" "aZ0:{},[]", 21);
  std::mt19937 rng(7);
  for (size_t n = 1; n <= 300; ++n) {
    for (int rep = 0; rep < 20; ++rep) {
      std::string line(n, 'a');
      // Mostly plain text with a few quotes, sometimes special bytes and
      // newlines.
      for (char& ch : line) {
        const unsigned r = rng() % 100;
        ch = r < 10 ? '"' : r < 12 ? alphabet[rng() % alphabet.size()] : static_cast<char>('a' + rng() % 26);
      }
      if (rep % 2 == 0) {
        for (char& ch : line) {
          if (ch != '"' && (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x80 || ch == '\\')) ch = 'x';
        }
      }
      check_all_versions(line, n);
      check_all_versions(line, n, 1 + rng() % 5);
    }
  }
}

TEST_CASE("line index: the chosen version is one of them") {
  const LineIndexFn best = best_line_index();
  bool known = false;
  for (const Version& v : runnable_versions()) known = known || v.fn == best;
  CHECK(known);
}
