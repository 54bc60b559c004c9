#include <catch2/catch.hpp>

#include "heapdump/stderr.hpp"

using heapdump::ProgressLine;

TEST_CASE("ProgressLine::format: percent, sizes, rate and ETA") {
  CHECK(ProgressLine::format("d.json", 250'000'000, 1'000'000'000, 0.5) ==
        "heapdump: d.json   25%  250.0 MB of 1000.0 MB  500 MB/s  ETA 2s");
  CHECK(ProgressLine::format("d.json", 1'000'000'000, 1'000'000'000, 2.0) ==
        "heapdump: d.json  100%  1000.0 MB of 1000.0 MB  500 MB/s");
  // Unknown size (a pipe): bytes and rate only.
  CHECK(ProgressLine::format("<stdin>", 300'000'000, 0, 1.0) ==
        "heapdump: <stdin>  300.0 MB  300 MB/s");
  CHECK(ProgressLine::format("x", 0, 100, 0.0) == "heapdump: x    0%  0.0 MB of 0.0 MB  0 MB/s");
}
