#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "heapdump/output.hpp"

using namespace heapdump;

TEST_CASE("OutputFile writes everything it is given") {
  const std::string path = std::string(P_tmpdir) + "/heapdump_output_test.txt";
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::open(path, &out).ok());
  std::string expected;
  for (int i = 0; i < 100000; ++i) {
    const std::string line = "line " + std::to_string(i) + "\n";
    out->write(line);
    expected += line;
  }
  REQUIRE(out->close().ok());
  std::stringstream got;
  got << std::ifstream(path).rdbuf();
  CHECK(got.str() == expected);
  std::remove(path.c_str());
}

TEST_CASE("OutputFile reports a full disk") {
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::open("/dev/full", &out).ok());
  out->write(std::string(100, 'x'));
  Status s = out->close();
  CHECK_FALSE(s.ok());
  CHECK(s.message() == "/dev/full: No space left on device");
}

TEST_CASE("OutputFile::open fails clearly") {
  std::unique_ptr<OutputFile> out;
  Status s = OutputFile::open("/nonexistent/dir/out.json", &out);
  CHECK(s.message() == "/nonexistent/dir/out.json: No such file or directory");
}
