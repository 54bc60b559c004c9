#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "heapdump/output.hpp"

using namespace heapdump;

namespace {

/// A fresh directory, removed with its files at the end.
struct TempDir {
  std::string path;
  TempDir() {
    std::string t = std::string(P_tmpdir) + "/heapdump_output_test.XXXXXX";
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    for (const std::string& f : files()) ::unlink((path + "/" + f).c_str());
    ::rmdir(path.c_str());
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
  /// Names in the directory, "." and ".." left out.
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
      }
      ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string slurp(const std::string& path) {
  std::stringstream got;
  got << std::ifstream(path).rdbuf();
  return got.str();
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("OutputFile writes everything it is given") {
  TempDir dir;
  const std::string path = dir / "out.txt";
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::open(path, &out).ok());
  std::string expected;
  for (int i = 0; i < 100000; ++i) {
    const std::string line = "line " + std::to_string(i) + "\n";
    out->write(line);
    expected += line;
  }
  REQUIRE(out->commit().ok());
  CHECK(slurp(path) == expected);
  CHECK(dir.files() == std::vector<std::string>{"out.txt"});  // no temporary file left
}

TEST_CASE("OutputFile leaves the target alone until commit, in the target's folder") {
  TempDir dir;
  const std::string path = dir / "keep.txt";
  spit(path, "precious\n");
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::open(path, &out).ok());
  out->write(std::string(3 << 20, 'x'));  // more than one buffer: bytes reach the disk
  CHECK(slurp(path) == "precious\n");
  const std::string temp = out->temporary_path();
  CHECK(temp.rfind(dir.path + "/.keep.txt.heapdump-", 0) == 0);
  CHECK(::access(temp.c_str(), F_OK) == 0);
  REQUIRE(out->commit().ok());
  CHECK(slurp(path) == std::string(3 << 20, 'x'));
  CHECK(::access(temp.c_str(), F_OK) != 0);
}

TEST_CASE("OutputFile without commit (a failed run) keeps the old file and removes its own") {
  TempDir dir;
  const std::string path = dir / "keep.txt";
  spit(path, "precious\n");
  {
    std::unique_ptr<OutputFile> out;
    REQUIRE(OutputFile::open(path, &out).ok());
    out->write("partial");
  }
  CHECK(slurp(path) == "precious\n");
  CHECK(dir.files() == std::vector<std::string>{"keep.txt"});
  // A new file that never got committed does not appear at all.
  {
    std::unique_ptr<OutputFile> out;
    REQUIRE(OutputFile::open(dir / "new.txt", &out).ok());
    out->write("partial");
  }
  CHECK(dir.files() == std::vector<std::string>{"keep.txt"});
}

TEST_CASE("OutputFile keeps the mode of the file it replaces; a new file gets 0666 less umask") {
  TempDir dir;
  const std::string path = dir / "mode.txt";
  spit(path, "old");
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::open(path, &out).ok());
  out->write("new");
  REQUIRE(out->commit().ok());
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);

  const mode_t mask = ::umask(022);
  REQUIRE(OutputFile::open(dir / "fresh.txt", &out).ok());
  REQUIRE(out->commit().ok());
  ::umask(mask);
  REQUIRE(::stat((dir / "fresh.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
}

TEST_CASE("OutputFile through a symbolic link replaces the file it points to, keeps the link") {
  TempDir dir;
  spit(dir / "real.txt", "old");
  REQUIRE(::symlink("real.txt", (dir / "link.txt").c_str()) == 0);
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::open(dir / "link.txt", &out).ok());
  out->write("new");
  REQUIRE(out->commit().ok());
  struct stat st;
  REQUIRE(::lstat((dir / "link.txt").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(slurp(dir / "real.txt") == "new");
  CHECK(dir.files() == std::vector<std::string>{"link.txt", "real.txt"});
}

TEST_CASE("OutputFile does not replace a file it may not write") {
  if (::geteuid() == 0) return;  // root may write anything
  TempDir dir;
  const std::string path = dir / "ro.txt";
  spit(path, "old");
  REQUIRE(::chmod(path.c_str(), 0444) == 0);
  std::unique_ptr<OutputFile> out;
  Status s = OutputFile::open(path, &out);
  CHECK(s.message() == path + ": Permission denied");
  CHECK(slurp(path) == "old");
  CHECK(dir.files() == std::vector<std::string>{"ro.txt"});
}

TEST_CASE("OutputFile reports a full disk") {
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::open("/dev/full", &out).ok());
  CHECK(out->temporary_path().empty());  // a device is written in place, never replaced
  out->write(std::string(100, 'x'));
  Status s = out->commit();
  CHECK_FALSE(s.ok());
  CHECK(s.message() == "/dev/full: No space left on device");
}

TEST_CASE("OutputFile::open fails clearly") {
  std::unique_ptr<OutputFile> out;
  Status s = OutputFile::open("/nonexistent/dir/out.json", &out);
  CHECK(s.message() == "/nonexistent/dir/out.json: No such file or directory");
  TempDir dir;
  s = OutputFile::open(dir.path, &out);
  CHECK(s.message() == dir.path + ": Is a directory");
  s = OutputFile::open("", &out);
  CHECK(s.code() == Status::Code::kInvalidArgument);
}

TEST_CASE("check_output_path refuses an input, by any name") {
  TempDir dir;
  const std::string a = dir / "a.json";
  const std::string b = dir / "b.json";
  spit(a, "{}\n");
  spit(b, "{}\n");
  REQUIRE(::link(b.c_str(), (dir / "hard.json").c_str()) == 0);
  REQUIRE(::symlink(b.c_str(), (dir / "soft.json").c_str()) == 0);
  const std::vector<std::string> inputs = {a, b};
  CHECK(check_output_path(dir / "new.json", inputs).ok());    // does not exist yet
  CHECK(check_output_path("-", inputs).ok());                 // standard output
  CHECK(check_output_path(dir / "hard.json", {a}).ok());      // another file
  for (const std::string& same : {b, dir / "hard.json", dir / "soft.json",
                                   dir.path + "/./b.json", a}) {
    Status s = check_output_path(same, inputs);
    CHECK(s.code() == Status::Code::kInvalidArgument);
  }
  CHECK(check_output_path(b, inputs).message() ==
        "the output file '" + b + "' is the same file as '" + b +
            "', which is read; writing it would destroy it");
  CHECK(check_output_path("", inputs).message() ==
        "the output file name is empty (give a file name, or - for standard output)");
}

TEST_CASE("A signal during the write removes the temporary file and keeps the target") {
  for (int sig : {SIGINT, SIGTERM}) {
    TempDir dir;
    const std::string path = dir / "keep.txt";
    spit(path, "precious\n");
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // As in heapdump: default actions (Catch2 installs handlers of its own).
      std::signal(sig, SIG_DFL);
      std::unique_ptr<OutputFile> out;
      if (!OutputFile::open(path, &out).ok()) ::_exit(10);
      out->write(std::string(3 << 20, 'x'));  // some of it on disk
      ::raise(sig);
      ::_exit(11);  // not reached: the default action ends the process
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == sig);
    CHECK(slurp(path) == "precious\n");
    CHECK(dir.files() == std::vector<std::string>{"keep.txt"});
  }
}
