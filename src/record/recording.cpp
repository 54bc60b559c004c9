#include "record/recording.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace heapdump {
namespace {

/// The directory of the running binary.
std::string exe_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// Where record.rb is: next to the binary in a build tree
/// (BUILD/share/heapdump/record.rb, copied there by CMake), or in the
/// installed share directory (BINDIR/HEAPDUMP_RECORD_RB_FROM_BINDIR).
bool find_preload(std::string* path, std::string* looked) {
  const std::string dir = exe_dir();
  const std::string installed = HEAPDUMP_RECORD_RB_FROM_BINDIR;
  const std::string candidates[] = {
      dir + "/share/heapdump/record.rb",
      installed.front() == '/' ? installed : dir + "/" + installed,
  };
  for (const std::string& c : candidates) {
    if (::access(c.c_str(), R_OK) == 0) {
      char resolved[PATH_MAX];
      *path = ::realpath(c.c_str(), resolved) != nullptr ? resolved : c;
      return true;
    }
    *looked += (looked->empty() ? "" : " and ") + c;
  }
  return false;
}

/// DIR must be an existing, writable directory; returns "" or the reason.
std::string check_dir(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return std::strerror(ENOTDIR);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return std::strerror(errno);
  return "";
}

constexpr int kExitIoError = 3;  // README "Exit status"

}  // namespace

std::string append_rubyopt(const char* existing, const std::string& preload) {
  std::string opt = existing != nullptr ? existing : "";
  if (!opt.empty() && opt.back() != ' ') opt += ' ';
  return opt + "-r" + preload;
}

Status prepare_recording(const RecordPlan& plan, int* exit_code) {
  *exit_code = kExitIoError;
  const std::string dir_reason = check_dir(plan.dir);
  if (!dir_reason.empty()) return Status::io_error(fmt::format("{}: {}", plan.dir, dir_reason));
  std::string preload, looked;
  if (!find_preload(&preload, &looked)) {
    return Status::not_found(fmt::format("record: cannot find the preload record.rb (looked for "
                                         "{}); reinstall heapdump with cmake --install",
                                         looked));
  }
  std::string why;
  if (const int code = find_command(plan.command[0], &why); code != 0) {
    *exit_code = code;
    return Status::not_found(fmt::format("{}: {}", plan.command[0], why));
  }
  char resolved[PATH_MAX];
  if (::realpath(plan.dir.c_str(), resolved) == nullptr) {
    return Status::io_error(fmt::format("{}: {}", plan.dir, std::strerror(errno)));
  }

  // RUBYOPT splits on white space and has no quoting: a preload path with
  // white space is reached through RUBYLIB (split on ':') instead, as the
  // feature heapdump/record of its share directory.
  std::string rubyopt_entry = preload;
  if (preload.find_first_of(" \t\n\v\f\r") != std::string::npos) {
    const std::string suffix = "/heapdump/record.rb";
    if (preload.find(':') != std::string::npos || preload.size() <= suffix.size() ||
        preload.compare(preload.size() - suffix.size(), suffix.size(), suffix) != 0) {
      return Status::invalid_argument(
          fmt::format("record: the preload's path {} cannot be put in RUBYOPT or RUBYLIB (it "
                      "has both white space and ':'); install heapdump elsewhere",
                      preload));
    }
    const std::string lib = preload.substr(0, preload.size() - suffix.size());
    const char* old = std::getenv("RUBYLIB");
    ::setenv("RUBYLIB", (old != nullptr && *old != '\0' ? lib + ":" + old : lib).c_str(), 1);
    rubyopt_entry = "heapdump/record";
  }
  ::setenv("RUBYOPT", append_rubyopt(std::getenv("RUBYOPT"), rubyopt_entry).c_str(), 1);
  ::setenv("HEAPDUMP_RECORD_DIR", resolved, 1);
  ::setenv("HEAPDUMP_RECORD_EVERY", plan.every.c_str(), 1);
  ::setenv("HEAPDUMP_RECORD_SIGNAL", plan.signal == "none" ? "" : plan.signal.c_str(), 1);
  ::setenv("HEAPDUMP_RECORD_AT_EXIT", plan.at_exit ? "1" : "", 1);
  ::setenv("HEAPDUMP_RECORD_GZIP", plan.gzip ? "1" : "", 1);
  ::setenv("HEAPDUMP_RECORD_MAX_DUMPS",
           plan.max_dumps ? std::to_string(*plan.max_dumps).c_str() : "", 1);
  ::unsetenv("HEAPDUMP_RECORD_NEXT");
  *exit_code = 0;
  return Status::ok_status();
}

Status run_recording(const RecordPlan& plan, const std::function<void(pid_t)>& on_start,
                     Recording* out, int* exit_code) {
  std::vector<DirEntryId> before, after;
  std::string why;
  if (!list_dump_entries(plan.dir, &before, &why)) {
    *exit_code = kExitIoError;
    return Status::io_error(fmt::format("{}: {}", plan.dir, why));
  }
  if (!run_child(plan.command, on_start, &out->child, &why, exit_code)) {
    return Status::not_found(fmt::format("{}: {}", plan.command[0], why));
  }
  *exit_code = out->child.status();
  if (!list_dump_entries(plan.dir, &after, &why)) {
    out->list_error = why;
    return Status::ok_status();
  }
  const auto pid = static_cast<uint64_t>(out->child.pid);
  out->dumps = new_dumps(before, after, pid);
  out->cut_short = new_temp_files(before, after);
  out->chosen = dumps_to_compare(out->dumps, pid);
  return Status::ok_status();
}

}  // namespace heapdump
