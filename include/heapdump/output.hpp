// Writing results: stdout (quiet on a closed pipe) and files.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "heapdump/status.hpp"

namespace heapdump {

/// Writes all of `data` to standard output. Returns a Status with code
/// kBrokenPipe when the reader went away (e.g. `| head`), which callers
/// treat as a normal end.
Status write_stdout(std::string_view data);

/// A file opened for writing, buffered; errors (e.g. a full disk) are kept
/// and returned by close().
class OutputFile {
 public:
  static Status open(const std::string& path, std::unique_ptr<OutputFile>* out);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view data);
  /// Flushes and closes; the first error seen, if any.
  Status close();

 private:
  OutputFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void flush();

  int fd_;
  std::string path_;
  std::string buffer_;
  Status status_;
};

}  // namespace heapdump
