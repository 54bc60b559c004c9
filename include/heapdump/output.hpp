// Writing results: stdout (quiet on a closed pipe) and files.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "heapdump/status.hpp"

namespace heapdump {

/// Writes all of `data` to standard output. Returns a Status with code
/// kBrokenPipe when the reader went away (e.g. `| head`), which callers
/// treat as a normal end.
Status write_stdout(std::string_view data);

/// Checks that `output` may be written while `inputs` are read: it must not
/// be empty, and must not be the same file (device and inode, following
/// symbolic links; "-" is standard input) as any input. Returns an
/// invalid_argument Status naming both otherwise. "-" as `output` (standard
/// output) and an output that does not exist yet always pass.
Status check_output_path(const std::string& output, const std::vector<std::string>& inputs);

/// Removes the temporary files of every OutputFile still open. Only
/// async-signal-safe calls and no allocation: for a process that is about
/// to end abnormally (out of memory where nothing can be caught).
void remove_output_temporaries() noexcept;

/// A file written in full or not at all. open() creates a temporary file in
/// the target's folder ("." + name + ".heapdump-" + random, mode 0666 less
/// the umask, or the mode of the file it replaces); write() buffers;
/// commit() flushes it and renames it over the target. If commit() is not
/// reached or fails, the destructor removes the temporary file, and so does
/// a SIGINT, SIGTERM, SIGHUP or SIGABRT (the signal is then re-raised with
/// its default action), so the target keeps its old content.
///
/// A symbolic link as the target is followed (the file it points to is
/// replaced, the link is kept). Targets that cannot be replaced by a rename
/// (a device such as /dev/null, a FIFO) are written in place, and "-" means
/// standard output. Errors (e.g. a full disk) are kept and returned by
/// commit().
class OutputFile {
 public:
  static Status open(const std::string& path, std::unique_ptr<OutputFile>* out);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view data);
  /// Flushes, closes and puts the file in place; the first error seen, if
  /// any (kBrokenPipe if standard output was closed by its reader).
  Status commit();

  /// The temporary file being written, or "" when writing in place (for
  /// tests).
  const std::string& temporary_path() const { return temp_; }

 private:
  OutputFile(int fd, std::string path, std::string target, std::string temp, int slot)
      : fd_(fd), path_(std::move(path)), target_(std::move(target)), temp_(std::move(temp)),
        slot_(slot) {}
  void flush();
  void discard();

  int fd_;
  std::string path_;    // as given, for messages
  std::string target_;  // what the temporary file is renamed to
  std::string temp_;    // "" when writing in place
  int slot_;            // signal-cleanup slot of temp_, or -1
  std::string buffer_;
  Status status_;
};

}  // namespace heapdump
