#include <catch2/catch.hpp>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "heapdump/input.hpp"

using namespace heapdump;

namespace {

std::string read_all(InputSource& in, size_t step = 4096) {
  std::string out, buf(step, '\0');
  for (;;) {
    size_t got = 0;
    Status s = in.read(buf.data(), buf.size(), &got);
    REQUIRE(s.ok());
    if (got == 0) break;
    out.append(buf.data(), got);
  }
  return out;
}

std::string gzip(const std::string& data) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string temp_file(const std::string& name, const std::string& content) {
  std::string path = std::string(P_tmpdir) + "/heapdump_input_test_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_CASE("InputSource reads plain files") {
  const std::string path = temp_file("plain.json", "{\"a\":1}\n");
  std::unique_ptr<InputSource> in;
  REQUIRE(InputSource::open(path, &in).ok());
  CHECK_FALSE(in->compressed());
  CHECK(in->name() == path);
  CHECK(in->size_hint() == 8);
  CHECK(read_all(*in, 3) == "{\"a\":1}\n");
  std::remove(path.c_str());
}

TEST_CASE("InputSource detects gzip by magic bytes, whatever the name") {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += "{\"address\":\"0x" + std::to_string(i) + "\"}\n";
  const std::string path = temp_file("compressed.json", gzip(data));  // no .gz suffix
  std::unique_ptr<InputSource> in;
  REQUIRE(InputSource::open(path, &in).ok());
  CHECK(in->compressed());
  CHECK(read_all(*in, 1000) == data);
  CHECK(in->warning().empty());
  std::remove(path.c_str());
}

TEST_CASE("InputSource reads concatenated gzip members as one stream") {
  const std::string path = temp_file("members.gz", gzip("one\n") + gzip("two\n"));
  std::unique_ptr<InputSource> in;
  REQUIRE(InputSource::open(path, &in).ok());
  CHECK(read_all(*in) == "one\ntwo\n");
  std::remove(path.c_str());
}

TEST_CASE("InputSource warns about a truncated gzip file and keeps what it has") {
  std::string data(200000, 'x');
  std::string z = gzip(data);
  const std::string path = temp_file("cut.gz", z.substr(0, z.size() / 2));
  std::unique_ptr<InputSource> in;
  REQUIRE(InputSource::open(path, &in).ok());
  std::string got = read_all(*in);
  CHECK(got.size() < data.size());
  CHECK(data.compare(0, got.size(), got) == 0);
  CHECK_THAT(in->warning(), Catch::Contains("gzip data ends early"));
  std::remove(path.c_str());
}

TEST_CASE("InputSource reports corrupt gzip data") {
  std::string z = gzip(std::string(1000, 'y'));
  z[z.size() / 2] ^= 0x55;
  z[z.size() / 2 + 1] ^= 0x55;
  const std::string path = temp_file("bad.gz", z);
  std::unique_ptr<InputSource> in;
  REQUIRE(InputSource::open(path, &in).ok());
  std::string buf(4096, '\0');
  Status last;
  for (int i = 0; i < 10; ++i) {
    size_t got = 0;
    last = in->read(buf.data(), buf.size(), &got);
    if (!last.ok() || got == 0) break;
  }
  CHECK_FALSE(last.ok());
  CHECK_THAT(last.message(), Catch::Contains("corrupt gzip data"));
  std::remove(path.c_str());
}

TEST_CASE("InputSource errors name the file and the system reason") {
  std::unique_ptr<InputSource> in;
  Status s = InputSource::open("/nonexistent/dump.json", &in);
  CHECK(s.message() == "/nonexistent/dump.json: No such file or directory");
  s = InputSource::open("/tmp", &in);
  CHECK(s.message() == "/tmp: Is a directory");
}
