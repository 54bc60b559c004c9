// The streaming dump reader: bytes -> lines -> records -> a RecordSink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "heapdump/input.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/status.hpp"

namespace heapdump {

/// Told about every line the reader skips. Nothing is skipped silently.
class ParseReporter {
 public:
  virtual ~ParseReporter() = default;
  /// `line` is 1-based; `offset` is the byte offset of the line's start.
  virtual void skipped_line(std::string_view source, uint64_t line, uint64_t offset,
                            std::string_view reason) = 0;
};

struct ReadStats {
  uint64_t lines = 0;          ///< lines seen, blank and skipped included
  uint64_t blank_lines = 0;    ///< empty or whitespace-only, ignored
  uint64_t skipped_lines = 0;  ///< invalid, reported to the ParseReporter
  uint64_t records = 0;        ///< valid JSON objects passed to the sink
  uint64_t objects = 0;        ///< records of kind kObject
  uint64_t bytes = 0;          ///< bytes of (decompressed) input
};

/// The longest line kept whole by default (--max-line-bytes): 2 GiB. Real
/// dumps' longest lines are one huge String's value or one Array or Hash
/// with millions of references (about 18 bytes each: 2 GiB is over 100
/// million), far below this; simdjson's parser takes no line of 4 GiB or
/// more anyway.
inline constexpr uint64_t kDefaultMaxLineBytes = uint64_t{2} << 30;

struct ReadOptions {
  size_t chunk_size = size_t{4} << 20;  ///< bytes per chunk; a longer line makes a bigger one
  /// A line longer than this is skipped (reported) without being kept in
  /// memory whole; so is a line longer than a chunk that does not start
  /// with '{' (after blanks), which can never be a record.
  uint64_t max_line_bytes = kDefaultMaxLineBytes;
  unsigned threads = 1;                 ///< parsing threads
  bool decode_references = false;       ///< fill ObjectRecord::references
  /// Called from the reading thread after each chunk with the bytes of the
  /// underlying file consumed so far (compressed bytes for gzip).
  std::function<void(uint64_t)> progress;
};

/// Reads every line of `input`, decodes it and pushes valid records into `sink`,
/// in file order, on the calling thread. Invalid lines (not JSON, not an
/// object, a cut last line) go to `reporter`. Returns a non-ok Status only for
/// I/O errors. options.threads is ignored.
Status read_dump(InputSource& input, RecordSink& sink, ParseReporter& reporter, ReadStats* stats,
                 const ReadOptions& options = {});

/// The sink that parsing thread `worker` (0 .. threads-1) feeds.
using SinkForWorker = std::function<RecordSink&(unsigned worker)>;

/// Like read_dump, with options.threads threads parsing chunks of the input
/// at once. Each thread feeds its own sink (records of one chunk arrive in
/// order, chunks in any order); the caller merges the sinks afterwards.
/// Ties can be broken by ObjectRecord::byte_offset, which does not depend on
/// the thread count. The reporter is called in file order, from one thread
/// at a time.
Status read_dump_parallel(InputSource& input, const SinkForWorker& sinks, ParseReporter& reporter,
                          ReadStats* stats, const ReadOptions& options);

}  // namespace heapdump
