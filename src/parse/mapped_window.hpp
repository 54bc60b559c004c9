// Read-only mappings of parts of a file, safe against the file shrinking.
#pragma once

#include <cstddef>
#include <cstdint>

namespace heapdump {

/// Maps bytes [offset, offset + length) of a file read-only, so a chunk of
/// a dump is parsed where the page cache holds it instead of being copied
/// out with read(2) first.
///
/// A mapped file that shrinks while it is read would kill the process with
/// SIGBUS on the first page past its new end. So while a window is mapped
/// it is registered with a SIGBUS handler (installed on the first map()):
/// a fault inside a registered window gets a page of zero bytes mapped in
/// its place, and is counted (reads_past_end()), so the reader can report
/// that the file changed. A SIGBUS anywhere else goes to the handler that
/// was there before, or has its default effect.
class MappedWindow {
 public:
  MappedWindow() = default;
  ~MappedWindow() { reset(); }
  MappedWindow(const MappedWindow&) = delete;
  MappedWindow& operator=(const MappedWindow&) = delete;

  /// Maps the bytes; `offset` need not be page-aligned. Returns false (and
  /// maps nothing) if mmap fails or too many windows are mapped at once.
  bool map(int fd, uint64_t offset, size_t length);
  /// Unmaps (if mapped).
  void reset();
  /// The byte at `offset` of the file, or null if nothing is mapped.
  const char* data() const { return data_; }
  size_t size() const { return size_; }

  /// How many faults past the end of a mapped file were answered with
  /// zero bytes since the process started.
  static uint64_t reads_past_end();

 private:
  void* base_ = nullptr;  // page-aligned start of the mapping
  size_t base_length_ = 0;
  const char* data_ = nullptr;
  size_t size_ = 0;
  int slot_ = -1;  // in the handler's table of windows
};

}  // namespace heapdump
