#include "heapdump/pipeline.hpp"

#include <fmt/format.h>

#include "heapdump/input.hpp"

namespace heapdump {

Status ReadPipeline::run(const std::string& path, ReadListener& listener, InputRead* out) {
  std::unique_ptr<InputSource> input;
  Status s = InputSource::open(path, &input);
  if (!s.ok()) return s;
  return run(*input, listener, out);
}

Status ReadPipeline::run(InputSource& opened, ReadListener& listener, InputRead* out) {
  InputRead local;
  InputRead& read = out != nullptr ? *out : local;
  InputSource* input = &opened;
  Status s;
  read.name = input->name();

  // One sink per thread: the only set as it is, several through a tee.
  std::vector<std::unique_ptr<TeeSink>> tees;
  SinkForWorker sinks = sinks_.size() == 1 ? sinks_[0] : SinkForWorker{};
  if (sinks_.size() != 1) {
    for (unsigned i = 0; i < options_.threads; ++i) {
      tees.push_back(std::make_unique<TeeSink>());
      for (const SinkForWorker& set : sinks_) tees.back()->add(set(i));
    }
    sinks = [&tees](unsigned i) -> RecordSink& { return *tees[i]; };
  }

  ReadOptions options = options_;
  options.progress = listener.progress(input->name(), input->size_hint());
  s = read_dump_parallel(*input, sinks, listener, &read.stats, options);
  listener.read_ended();
  if (!s.ok()) return s;
  read.warning = input->warning();
  listener.input_read(read.name, read.stats, read.warning);
  if (read.stats.records == 0 && read.stats.skipped_lines > 0) {
    // Not one valid line (a PNG, a tarball, the wrong file): an error, not an
    // empty dump. README "Robustness".
    return Status::corruption(
        fmt::format("{}: not a heap dump: none of its lines is a JSON object", read.name));
  }
  for (const AfterRead& step : steps_) step(read.name, &read.notes);
  return Status::ok_status();
}

}  // namespace heapdump
