// Errors returned as values across module edges.
#pragma once

#include <string>
#include <utility>

namespace heapdump {

/// ok(), or a failure with a one-line message meant for the user.
class Status {
 public:
  enum class Code { kOk, kIoError, kInvalidArgument, kCorruption, kBrokenPipe, kNotFound };

  Status() = default;
  static Status ok_status() { return Status(); }
  static Status io_error(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status invalid_argument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  /// Nothing matched what was asked (exit status 1, not an I/O error).
  static Status not_found(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  /// The reader of our output went away (EPIPE): a quiet, normal end.
  static Status broken_pipe() { return Status(Code::kBrokenPipe, "broken pipe"); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace heapdump
