// One read of one input fed to any set of sinks on N parsing threads: what
// every command that reads a dump runs. Prints nothing; what the user sees
// of a read (skipped lines, progress, the input's warning) goes to a
// ReadListener the caller injects.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "heapdump/reader.hpp"
#include "heapdump/sink.hpp"
#include "heapdump/status.hpp"

namespace heapdump {

/// Told what happens during a read besides the records: each skipped line
/// (ParseReporter), the progress, and the end of the input. The defaults do
/// nothing.
class ReadListener : public ParseReporter {
 public:
  /// Before the read of `name` (`size_hint` bytes, 0 if unknown): a function
  /// to call after each chunk with the bytes of the input consumed so far, or
  /// an empty one for no progress.
  virtual std::function<void(uint64_t)> progress(std::string_view /*name*/,
                                                 uint64_t /*size_hint*/) {
    return {};
  }
  /// After the read, whether it went through or not (erases a progress line).
  virtual void read_ended() {}
  /// After a read that went through: its counts and the input's own warning
  /// (such as gzip data that ends early), "" if none.
  virtual void input_read(std::string_view /*name*/, const ReadStats& /*stats*/,
                          std::string_view /*warning*/) {}
};

/// What a read gave besides the state of its sinks.
struct InputRead {
  std::string name;                ///< the input's name ("<stdin>" for "-")
  ReadStats stats;
  std::string warning;             ///< the input's own warning, or ""
  std::vector<std::string> notes;  ///< doubts of the after-read steps, "NAME: ..." each
};

/// One instance of T per parsing thread, each made from the same arguments,
/// merged into the first after the read. T is a RecordSink, or has sink();
/// merged() needs merge(const T&).
template <typename T>
class PerThread {
 public:
  template <typename... Args>
  explicit PerThread(unsigned threads, Args&&... args) {
    for (unsigned i = 0; i < threads; ++i) items_.push_back(std::make_unique<T>(args...));
  }
  SinkForWorker sinks() {
    return [this](unsigned i) -> RecordSink& {
      if constexpr (std::is_base_of_v<RecordSink, T>) {
        return *items_[i];
      } else {
        return items_[i]->sink();
      }
    };
  }
  /// Instance i, before merged().
  T& at(unsigned i) { return *items_[i]; }
  /// Merges every instance into the first and returns it.
  T& merged() {
    for (size_t i = 1; i < items_.size(); ++i) items_[0]->merge(*items_[i]);
    items_.resize(1);
    return *items_[0];
  }

 private:
  std::vector<std::unique_ptr<T>> items_;
};

/// Reads one input once with `options.threads` parsing threads; parsing
/// thread i feeds the i-th sink of every sink set added, in the order they
/// were added (one TeeSink per thread), so one read can feed the object
/// graph and the attribution tables together.
class ReadPipeline {
 public:
  explicit ReadPipeline(const ReadOptions& options) : options_(options) {}

  unsigned threads() const { return options_.threads; }

  /// Feeds every parsing thread's records to sinks(thread) too.
  void add(SinkForWorker sinks) { sinks_.push_back(std::move(sinks)); }

  /// Runs `step` after a read that went through (in the order added), with
  /// the input's name and the notes of InputRead to append to.
  using AfterRead = std::function<void(std::string_view name, std::vector<std::string>* notes)>;
  void then(AfterRead step) { steps_.push_back(std::move(step)); }

  /// Opens `path` ("-" for stdin) and reads it into the sinks. Not ok when
  /// the input cannot be opened or read, and when not one of its lines is a
  /// JSON object (a PNG, a tarball: "NAME: not a heap dump ...", so that a
  /// leak gate cannot pass on it; `out` is filled then). Bad lines go to
  /// `listener` and are no error. `out` may be null.
  Status run(const std::string& path, ReadListener& listener, InputRead* out = nullptr);
  /// The same for an input already opened (InputSource::open), which the
  /// caller may read again after (InputSource::read_at).
  Status run(InputSource& input, ReadListener& listener, InputRead* out = nullptr);

 private:
  ReadOptions options_;
  std::vector<SinkForWorker> sinks_;
  std::vector<AfterRead> steps_;
};

}  // namespace heapdump
