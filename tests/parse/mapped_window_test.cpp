#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "parse/mapped_window.hpp"

using namespace heapdump;

namespace {

/// A file of `pages` pages of 'a', 'b', 'c', ... (one letter per page).
std::string make_file(size_t pages) {
  char name[] = "/tmp/heapdump_mapped_window_test_XXXXXX";
  const int fd = ::mkstemp(name);
  REQUIRE(fd >= 0);
  ::close(fd);
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::ofstream out(name, std::ios::binary);
  for (size_t i = 0; i < pages; ++i) out << std::string(page, static_cast<char>('a' + i));
  return name;
}

/// make_file(pages), open for reading; closed and removed at the end.
struct OpenFile {
  explicit OpenFile(size_t pages) : path(make_file(pages)), fd(::open(path.c_str(), O_RDONLY)) {
    REQUIRE(fd >= 0);
  }
  ~OpenFile() {
    ::close(fd);
    std::remove(path.c_str());
  }
  std::string path;
  int fd;
};

}  // namespace

TEST_CASE("MappedWindow maps bytes from any offset") {
  const OpenFile file(4);
  const int fd = file.fd;
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  MappedWindow window;
  REQUIRE(window.map(fd, page + 5, 2 * page));  // not page-aligned
  CHECK(window.size() == 2 * page);
  CHECK(window.data()[0] == 'b');
  CHECK(window.data()[page - 6] == 'b');
  CHECK(window.data()[page - 5] == 'c');
  CHECK(window.data()[2 * page - 1] == 'd');
  window.reset();
  CHECK(window.data() == nullptr);
  CHECK_FALSE(window.map(fd, 0, 0));
}

TEST_CASE("MappedWindow: pages past the end of a file that shrank read as zeros") {
  const OpenFile file(4);
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  MappedWindow window;
  REQUIRE(window.map(file.fd, 0, 4 * page));
  REQUIRE(::truncate(file.path.c_str(), static_cast<off_t>(page + 10)) == 0);
  const uint64_t before = MappedWindow::reads_past_end();
  volatile const char* bytes = window.data();
  CHECK(bytes[0] == 'a');
  CHECK(bytes[page + 9] == 'b');
  CHECK(bytes[page + 10] == 0);     // after the end, in the last page: zeros from the kernel
  CHECK(bytes[2 * page + 1] == 0);  // a whole page past the end: SIGBUS, answered here
  CHECK(bytes[3 * page + 7] == 0);
  CHECK(MappedWindow::reads_past_end() == before + 2);
}

TEST_CASE("MappedWindow: a SIGBUS elsewhere still ends the process (or reaches the handler before ours)") {
  const std::string mine = make_file(1);
  const std::string other = make_file(4);
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // A window of one file installs the handler; a mapping made without
    // MappedWindow must still fault as usual.
    const int fd_mine = ::open(mine.c_str(), O_RDONLY);
    MappedWindow window;
    if (!window.map(fd_mine, 0, page)) ::_exit(3);
    const int fd = ::open(other.c_str(), O_RDONLY);
    void* p = ::mmap(nullptr, 4 * page, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) ::_exit(4);
    if (::truncate(other.c_str(), static_cast<off_t>(page)) != 0) ::_exit(5);
    volatile const char* bytes = static_cast<const char*>(p);
    const char c = bytes[3 * page];
    ::_exit(c == 0 ? 6 : 7);  // not reached
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  INFO("wait status " << status);
  // Killed by the signal, or, under a sanitizer whose SIGBUS handler was
  // there first, its report and exit status 1: either way the faulting read
  // did not go on (that would exit 6 or 7).
  const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
  const bool sanitizer_exit = WIFEXITED(status) && WEXITSTATUS(status) == 1;
  CHECK((killed || sanitizer_exit));
  std::remove(mine.c_str());
  std::remove(other.c_str());
}
