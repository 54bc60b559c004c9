#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "record/record_files.hpp"

using namespace heapdump;

namespace {

DumpName parsed(const std::string& name) {
  DumpName d;
  REQUIRE(parse_dump_name(name, &d));
  return d;
}

std::vector<std::string> names(const std::vector<DumpName>& dumps) {
  std::vector<std::string> out;
  for (const DumpName& d : dumps) out.push_back(d.name);
  return out;
}

/// What bash makes of `word`: printf '%s' WORD, run by bash, read back.
std::string bash_reads(const std::string& word) {
  char path[] = "/tmp/heapdump-shell-word-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    std::ofstream script(path, std::ios::binary);
    script << "printf '%s' " << word << "\n";
  }
  FILE* p = ::popen(("bash " + std::string(path)).c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  ::unlink(path);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  return out;
}

}  // namespace

TEST_CASE("parse_dump_name: heap-PID-N.json and .json.gz only") {
  DumpName d = parsed("heap-123-45.json");
  CHECK(d.pid == 123);
  CHECK(d.number == 45);
  CHECK(d.name == "heap-123-45.json");
  d = parsed("heap-7-1.json.gz");
  CHECK(d.pid == 7);
  CHECK(d.number == 1);
  DumpName ignored;
  for (const char* bad : {"heap-0123-1.json", "heap-123-0.json", "heap-123-01.json",
                          "heap-123-1.json.tmp", ".heap-123-1.json.tmp", "heap-123-1.jsonx",
                          "heap--1.json", "heap-1-.json", "heap-123-1.json.gz.gz", "heap-123-1",
                          "heap-123.json", "heap-12345678901234567890-1.json", "Heap-1-1.json",
                          "heap-1-1.json.GZ", "heap-+1-1.json", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_dump_name(bad, &ignored));
  }
}

TEST_CASE("is_dump_temp_name: the preload's hidden temporary names") {
  CHECK(is_dump_temp_name(".heap-1-2.json.tmp"));
  CHECK(is_dump_temp_name(".heap-1-2.json.gz.tmp"));
  CHECK_FALSE(is_dump_temp_name("heap-1-2.json.tmp"));
  CHECK_FALSE(is_dump_temp_name(".heap-1-2.tmp"));
  CHECK_FALSE(is_dump_temp_name(".heap-1-2.json"));
  CHECK_FALSE(is_dump_temp_name(".tmp"));
}

TEST_CASE("new_dumps: new names or inodes; the child's first, then by PID and N") {
  const std::vector<DirEntryId> before = {{"heap-5-1.json", 10}, {"heap-5-2.json", 11}};
  const std::vector<DirEntryId> after = {
      {"heap-5-1.json", 10},     // unchanged: an earlier run's
      {"heap-5-2.json", 99},     // same name, new file: this run's
      {"heap-9-10.json", 20},    {"heap-9-9.json", 21}, {"heap-12-1.json.gz", 22},
      {"heap-3-1.json", 23},     {".heap-9-11.json.tmp", 24},
  };
  CHECK(names(new_dumps(before, after, 9)) ==
        std::vector<std::string>{"heap-9-9.json", "heap-9-10.json", "heap-3-1.json",
                                 "heap-5-2.json", "heap-12-1.json.gz"});
  CHECK(new_temp_files(before, after) == std::vector<std::string>{".heap-9-11.json.tmp"});
  CHECK(new_dumps(after, after, 9).empty());
}

TEST_CASE("dumps_to_compare: the first three of the child, else of the PID with most") {
  const auto list = [](std::initializer_list<const char*> files) {
    std::vector<DumpName> out;
    for (const char* f : files) out.push_back(parsed(f));
    return out;
  };
  CHECK(dumps_to_compare({}, 1).empty());
  CHECK(names(dumps_to_compare(list({"heap-1-1.json", "heap-1-2.json", "heap-1-3.json",
                                     "heap-1-4.json", "heap-2-1.json"}),
                               1)) ==
        std::vector<std::string>{"heap-1-1.json", "heap-1-2.json", "heap-1-3.json"});
  CHECK(names(dumps_to_compare(list({"heap-1-1.json", "heap-1-2.json"}), 1)) ==
        std::vector<std::string>{"heap-1-1.json", "heap-1-2.json"});
  // The child wrote one dump, its forked workers more: the first with most.
  CHECK(names(dumps_to_compare(list({"heap-1-1.json", "heap-2-1.json", "heap-2-2.json",
                                     "heap-3-1.json", "heap-3-2.json"}),
                               1)) == std::vector<std::string>{"heap-2-1.json", "heap-2-2.json"});
  CHECK(names(dumps_to_compare(list({"heap-1-1.json", "heap-2-1.json"}), 1)) ==
        std::vector<std::string>{"heap-1-1.json"});
  CHECK(names(dumps_to_compare(list({"heap-2-1.json", "heap-2-2.json"}), 1)) ==
        std::vector<std::string>{"heap-2-1.json", "heap-2-2.json"});
}

TEST_CASE("join_path") {
  CHECK(join_path(".", "heap-1-1.json") == "heap-1-1.json");
  CHECK(join_path("d", "heap-1-1.json") == "d/heap-1-1.json");
  CHECK(join_path("d/", "heap-1-1.json") == "d/heap-1-1.json");
  CHECK(join_path("/", "heap-1-1.json") == "/heap-1-1.json");
}

TEST_CASE("list_dump_entries: dump and temporary files only; errors name the reason") {
  char dir[] = "/tmp/heapdump-record-files-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string d = dir;
  for (const char* f : {"heap-1-1.json", ".heap-1-2.json.tmp", "notes.txt", "heap-1-1.json~"}) {
    std::ofstream(d + "/" + f) << "x";
  }
  std::vector<DirEntryId> entries;
  std::string error;
  REQUIRE(list_dump_entries(d, &entries, &error));
  std::vector<std::string> listed;
  for (const DirEntryId& e : entries) {
    listed.push_back(e.name);
    CHECK(e.inode != 0);
  }
  std::sort(listed.begin(), listed.end());
  CHECK(listed == std::vector<std::string>{".heap-1-2.json.tmp", "heap-1-1.json"});
  for (const char* f : {"heap-1-1.json", ".heap-1-2.json.tmp", "notes.txt", "heap-1-1.json~"}) {
    ::unlink((d + "/" + f).c_str());
  }
  ::rmdir(dir);
  CHECK_FALSE(list_dump_entries(d, &entries, &error));
  CHECK(error == "No such file or directory");
}

TEST_CASE("shell_word: plain, quoted or $'...'; bash reads each back unchanged") {
  CHECK(shell_word("out/heap-1-1.json") == "out/heap-1-1.json");
  CHECK(shell_word("a=b,c:d@e%f+g_h") == "a=b,c:d@e%f+g_h");
  CHECK(shell_word("") == "''");
  CHECK(shell_word("my dumps/heap-1-1.json") == "'my dumps/heap-1-1.json'");
  CHECK(shell_word("it's") == "'it'\\''s'");
  CHECK(shell_word("caf\xc3\xa9") == "'caf\xc3\xa9'");
  CHECK(shell_word("$HOME `x` \\ ! *") == "'$HOME `x` \\ ! *'");
  // Terminal controls never appear raw.
  CHECK(shell_word("a\nb") == "$'a\\x0ab'");
  CHECK(shell_word("\x1b]0;x\x07") == "$'\\x1b]0;x\\x07'");
  CHECK(shell_word("it's\t\\") == "$'it\\'s\\x09\\\\'");
  CHECK(shell_word("\xc2\x9b" "31m") == "$'\\xc2\\x9b31m'");        // C1 CSI
  CHECK(shell_word("a\xe2\x80\xae" "b") == "$'a\\xe2\\x80\\xaeb'");  // U+202E
  CHECK(shell_word("\xff\xfe") == "$'\\xff\\xfe'");                  // not UTF-8
  CHECK(shell_word("\xe2\x82") == "$'\\xe2\\x82'");                  // cut short
  CHECK(shell_word("\x7f") == "$'\\x7f'");

  for (const std::string s :
       {std::string("plain/x.json"), std::string("two words"), std::string("it's"),
        std::string("a\nb\tc"), std::string("\x1b[31mred\x1b[0m"), std::string("q'\\\x01"),
        std::string("\xc2\x9b\xe2\x80\xae\xff caf\xc3\xa9"), std::string("$'x'"),
        std::string("-n"), std::string("\\x41")}) {
    INFO(s);
    CHECK(bash_reads(shell_word(s)) == s);
  }
}
