// Every version of the quote index must mark the same bytes as the
// definition, one byte at a time, whatever follows the line.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "parse/quote_index.hpp"

using namespace heapdump;

namespace {

struct Reference {
  std::vector<uint64_t> quotes;
  bool special = false;
};

Reference reference_index(const std::string& bytes, size_t n) {
  Reference r;
  r.quotes.assign((n + 63) / 64, 0);
  for (size_t i = 0; i < n; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b == '"') r.quotes[i / 64] |= uint64_t{1} << (i % 64);
    if (b == '\\' || b < 0x20 || b >= 0x80) r.special = true;
  }
  return r;
}

struct Version {
  const char* name;
  QuoteIndexFn fn;
};

/// The versions this CPU can run (the baseline always).
std::vector<Version> runnable_versions() {
  std::vector<Version> v{{"baseline", &index_quotes_baseline}};
  if (index_quotes_avx2 != nullptr && cpu_has_avx2()) v.push_back({"avx2", index_quotes_avx2});
  if (index_quotes_avx512 != nullptr && cpu_has_avx512bw()) v.push_back({"avx512", index_quotes_avx512});
  return v;
}

void check_all_versions(const std::string& line, size_t n) {
  // The buffer as a line has it: 64 readable bytes after the end.
  std::string buffer = line.substr(0, n) + std::string(64, '"');
  for (size_t i = n; i < buffer.size(); i += 2) buffer[i] = '\\';
  const Reference want = reference_index(buffer, n);
  for (const Version& v : runnable_versions()) {
    std::vector<uint64_t> quotes(want.quotes.size() + 1, 0xDEADBEEF);
    const uint64_t special = v.fn(buffer.data(), n, quotes.data());
    INFO(v.name << " n=" << n);
    CHECK((special != 0) == want.special);
    for (size_t w = 0; w < want.quotes.size(); ++w) CHECK(quotes[w] == want.quotes[w]);
    CHECK(quotes.back() == 0xDEADBEEF);  // writes only (n + 63) / 64 words
  }
}

}  // namespace

TEST_CASE("quote index: hand-made lines") {
  check_all_versions(R"({"address":"0x7f08", "type":"STRING"})", 37);
  check_all_versions(std::string(64, '"'), 64);
  check_all_versions(std::string(65, 'a') + "\"", 66);
  check_all_versions("a\\b", 3);
  check_all_versions("tab\there", 8);
  check_all_versions("caf\xC3\xA9", 5);
  check_all_versions("\x7F", 1);  // DEL is neither control (< 0x20) nor non-ASCII
  check_all_versions("\x1F", 1);
  check_all_versions(" ", 1);
}

TEST_CASE("quote index: random lines of every length up to 300 bytes") {
  const std::string alphabet = std::string("\"\\ \t\n\x01\x1f\x7f\x80\xc3\xff" "aZ0:{},[]", 21);
  std::mt19937 rng(7);
  for (size_t n = 1; n <= 300; ++n) {
    for (int rep = 0; rep < 20; ++rep) {
      std::string line(n, 'a');
      // Mostly plain text with a few quotes, sometimes one special byte.
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
    }
  }
}

TEST_CASE("quote index: the chosen version is one of them") {
  const QuoteIndexFn best = best_quote_index();
  bool known = false;
  for (const Version& v : runnable_versions()) known = known || v.fn == best;
  CHECK(known);
}
