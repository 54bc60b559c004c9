#include <catch2/catch.hpp>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

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

std::string zstd(const std::string& data, int level = 3) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

/// A zstd skippable frame (magic 0x184D2A5X, little-endian length, payload).
std::string skippable_frame(const std::string& payload, unsigned char nibble = 0) {
  std::string f = {static_cast<char>(0x50 | nibble), 0x2a, 0x4d, 0x18};
  const uint32_t n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) f += static_cast<char>((n >> (8 * i)) & 0xff);
  return f + payload;
}

/// Lines that do not repeat exactly (so they compress to several blocks).
std::string varied_lines(int n) {
  std::string data;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    data += "{\"address\":\"0x" + std::to_string(x % 1000000007) + "\",\"n\":" + std::to_string(i) + "}\n";
  }
  return data;
}

/// Decodes `data` as InputSource::open would, reading at most max_read
/// compressed bytes at a time and step decompressed bytes per read().
std::string decode(const std::string& data, size_t max_read, size_t step,
                   std::string* warning = nullptr) {
  std::unique_ptr<InputSource> in;
  REQUIRE(open_memory_input(data, "<mem>", max_read, &in).ok());
  std::string out = read_all(*in, step);
  CHECK(in->raw_bytes_consumed() == data.size());
  if (warning != nullptr) *warning = in->warning();
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

TEST_CASE("A truncated stream decodes to the same bytes whatever the read sizes") {
  // The decoders keep output they could not hand over when the caller's
  // buffer was full (ISA-L in its own window buffer, zstd in its frame
  // buffer); at the end of the input that output must still come out, so a
  // cut stream yields the same bytes for any compressed read size and any
  // output buffer size.
  const std::string data = varied_lines(12000);  // zstd: several 128 KB blocks
  for (const std::string& z : {gzip(data), zstd(data)}) {
    for (size_t cut : {z.size() / 3, z.size() / 2, z.size() - 1}) {
      INFO((z[0] == '\x1f' ? "gzip" : "zstd") << " cut at " << cut << " of " << z.size());
      const std::string whole = decode(z.substr(0, cut), SIZE_MAX, 1 << 20);
      CHECK(whole.size() > 0);
      CHECK(data.compare(0, whole.size(), whole) == 0);
      for (size_t max_read : {size_t{1}, size_t{3}, size_t{4093}, SIZE_MAX}) {
        for (size_t step : {size_t{61}, size_t{4096}}) {
          INFO("max_read " << max_read << ", step " << step);
          CHECK(decode(z.substr(0, cut), max_read, step) == whole);
        }
      }
    }
  }
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

TEST_CASE("InputSource accepts zero padding after the last gzip member, nothing else after it") {
  std::string warning;
  CHECK(decode(gzip("one\n") + gzip("two\n") + std::string(1000, '\0'), SIZE_MAX, 4096, &warning) ==
        "one\ntwo\n");
  CHECK(warning.empty());
  std::unique_ptr<InputSource> in;
  REQUIRE(open_memory_input(gzip("one\n") + std::string(10, '\0') + gzip("two\n"), "<mem>",
                            SIZE_MAX, &in)
              .ok());
  std::string buf(4096, '\0');
  size_t got = 0;
  Status s = in->read(buf.data(), buf.size(), &got);
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("corrupt gzip data (bytes other than zeros after the zero padding"));
}

TEST_CASE("gzip members bigger than the read buffer, read in any piece sizes") {
  // Three members of ~1 MB compressed each (more than the 256 KB read
  // ahead), so members end and start in the middle of a read.
  std::string a = varied_lines(40000), b = varied_lines(35000), c = varied_lines(32000);
  for (const std::string* m : {&a, &b, &c}) REQUIRE(gzip(*m).size() > (size_t{1} << 18));
  const std::string z = gzip(a) + gzip(b) + gzip(c);
  const std::string want = a + b + c;
  for (size_t max_read : {size_t{7}, size_t{4093}, SIZE_MAX}) {
    for (size_t step : {size_t{1} << 20, size_t{4093}}) {
      INFO("max_read " << max_read << " step " << step);
      std::string warning;
      CHECK(decode(z, max_read, step, &warning) == want);
      CHECK(warning.empty());
    }
  }
  // Input bytes one at a time, and output buffers of one byte (every
  // decoder state left mid-header, mid-match, mid-trailer).
  const std::string small = gzip("{\"a\":1}\n{\"a\":1}\n{\"a\":1}\n") + gzip(varied_lines(300));
  const std::string small_want = "{\"a\":1}\n{\"a\":1}\n{\"a\":1}\n" + varied_lines(300);
  CHECK(decode(small, 1, 1 << 20) == small_want);
  CHECK(decode(small, 3, 1) == small_want);
}

TEST_CASE("InputSource detects zstd by magic bytes, whatever the name") {
  const std::string data = varied_lines(5000);
  const std::string path = temp_file("compressed_zstd.json", zstd(data));  // no .zst suffix
  std::unique_ptr<InputSource> in;
  REQUIRE(InputSource::open(path, &in).ok());
  CHECK(in->compressed());
  CHECK_FALSE(in->regular_file());
  CHECK(in->size_hint() == zstd(data).size());
  CHECK(read_all(*in, 1000) == data);
  CHECK(in->warning().empty());
  CHECK(in->raw_bytes_consumed() == in->size_hint());
  std::remove(path.c_str());
}

TEST_CASE("zstd: concatenated frames and skippable frames are one stream") {
  const std::string a = varied_lines(20000), b = "two\n", c = varied_lines(3000);
  const std::string z = skippable_frame("metadata") + zstd(a, 1) + zstd(b) +
                        skippable_frame(std::string(300000, 'x'), 0xf) + zstd(c, 19) +
                        skippable_frame("");
  for (size_t max_read : {size_t{1}, size_t{4093}, SIZE_MAX}) {
    for (size_t step : {size_t{1} << 20, size_t{4093}}) {
      INFO("max_read " << max_read << " step " << step);
      std::string warning;
      CHECK(decode(z, max_read, step, &warning) == a + b + c);
      CHECK(warning.empty());
    }
  }
  CHECK(decode(zstd(""), SIZE_MAX, 100).empty());
}

TEST_CASE("zstd: a truncated stream warns and keeps what was decompressed") {
  const std::string data = varied_lines(60000);  // several 128 KB blocks
  const std::string z = zstd(data);
  for (size_t cut : {z.size() / 2, z.size() - 1, size_t{5}}) {
    INFO("cut at " << cut << " of " << z.size());
    std::string warning;
    const std::string got = decode(z.substr(0, cut), 4093, 1 << 20, &warning);
    CHECK(got.size() < data.size());
    if (cut == z.size() / 2) CHECK(got.size() > data.size() / 4);
    CHECK(data.compare(0, got.size(), got) == 0);
    CHECK(warning == "<mem>: zstd data ends early (the file is truncated); what was decompressed "
                     "so far is analysed");
  }
  // Cut inside the second frame: the first is kept whole.
  std::string warning;
  const std::string two = zstd(data) + zstd(data);
  CHECK(decode(two.substr(0, z.size() + 3), SIZE_MAX, 1 << 20, &warning) == data);
  CHECK_THAT(warning, Catch::Contains("zstd data ends early"));
  // Cut inside a skippable frame.
  CHECK(decode(z + skippable_frame("abcdef").substr(0, 9), SIZE_MAX, 1 << 20, &warning) == data);
  CHECK_THAT(warning, Catch::Contains("zstd data ends early"));
}

TEST_CASE("zstd: corrupt data is an error naming the input") {
  std::string z = zstd(varied_lines(2000));
  z[z.size() / 2] ^= 0x55;
  z[z.size() / 2 + 1] ^= 0x55;
  for (const std::string& bad : {z, zstd("ok\n") + "garbage after the frame"}) {
    std::unique_ptr<InputSource> in;
    REQUIRE(open_memory_input(bad, "<mem>", SIZE_MAX, &in).ok());
    std::string buf(1 << 20, '\0');
    Status last;
    for (int i = 0; i < 10; ++i) {
      size_t got = 0;
      last = in->read(buf.data(), buf.size(), &got);
      if (!last.ok() || got == 0) break;
    }
    CHECK_FALSE(last.ok());
    CHECK_THAT(last.message(), Catch::StartsWith("<mem>: corrupt zstd data ("));
  }
}

TEST_CASE("open_memory_input reads plain bytes unchanged") {
  std::string warning;
  CHECK(decode("{\"a\":1}\n", 2, 3, &warning) == "{\"a\":1}\n");
  CHECK(decode("", 2, 3).empty());
  CHECK(decode("\x28\xb5\x2f", SIZE_MAX, 3) == "\x28\xb5\x2f");  // too short for zstd's magic
  std::unique_ptr<InputSource> in;
  REQUIRE(open_memory_input("x", "<mem>", 1, &in).ok());
  CHECK_FALSE(in->compressed());
}

TEST_CASE("decompressor_versions names the gzip and zstd libraries") {
  const std::string v = decompressor_versions();
  CHECK(v.find("\nzstd: libzstd " + std::string(ZSTD_versionString())) != std::string::npos);
  const bool isal = v.rfind("gzip: isal 2.", 0) == 0;
  const bool zlib = v.rfind("gzip: zlib " + std::string(zlibVersion()), 0) == 0;
  CHECK((isal || zlib));
}

TEST_CASE("InputSource errors name the file and the system reason") {
  std::unique_ptr<InputSource> in;
  Status s = InputSource::open("/nonexistent/dump.json", &in);
  CHECK(s.message() == "/nonexistent/dump.json: No such file or directory");
  s = InputSource::open("/tmp", &in);
  CHECK(s.message() == "/tmp: Is a directory");
}

TEST_CASE("InputSource::read_at reads a plain regular file again, nothing else") {
  const std::string data = varied_lines(2000);
  const std::string path = temp_file("read_at.json", data);
  std::unique_ptr<InputSource> in;
  REQUIRE(InputSource::open(path, &in).ok());
  REQUIRE(in->regular_file());
  CHECK(read_all(*in, 1000) == data);
  // Any bytes, in any order, after the read and before its end.
  for (const auto& [offset, n] : std::vector<std::pair<size_t, size_t>>{
           {0, data.size()}, {17, 1}, {data.size() - 5, 5}, {1234, 40000}, {3, 0}}) {
    std::string got(n, '\0');
    REQUIRE(in->read_at(offset, got.data(), n).ok());
    CHECK(got == data.substr(offset, n));
  }
  std::string past(10, '\0');
  const Status beyond = in->read_at(data.size() - 5, past.data(), past.size());
  CHECK(beyond.code() == Status::Code::kIoError);
  CHECK(beyond.message().rfind(path + ": the file got shorter", 0) == 0);

  // gzip and zstd files, memory and standard input cannot be read again.
  const std::string gz = temp_file("read_at.json.gz", gzip(data));
  const std::string zst = temp_file("read_at.json.zst", zstd(data));
  for (const std::string& p : {gz, zst}) {
    std::unique_ptr<InputSource> c;
    REQUIRE(InputSource::open(p, &c).ok());
    CHECK_FALSE(c->regular_file());
    std::string buf(4, '\0');
    const Status s = c->read_at(0, buf.data(), buf.size());
    CHECK(s.code() == Status::Code::kIoError);
    CHECK(s.message() == p + ": only a regular file opened by name can be read again");
  }
  std::unique_ptr<InputSource> mem;
  REQUIRE(open_memory_input(data, "<mem>", SIZE_MAX, &mem).ok());
  std::string buf(4, '\0');
  CHECK_FALSE(mem->read_at(0, buf.data(), buf.size()).ok());
  std::remove(path.c_str());
  std::remove(gz.c_str());
  std::remove(zst.c_str());
}
