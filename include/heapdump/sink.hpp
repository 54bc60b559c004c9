// The push interface between the reader and the analyses.
#pragma once

#include <vector>

#include "heapdump/record.hpp"

namespace heapdump {

/// Receives every valid record of a dump, in file order.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  /// Called once per valid record. See ObjectRecord for the lifetime rules.
  virtual void on_record(const ObjectRecord& record) = 0;
};

/// Fans one record out to several sinks, in the order they were added.
class TeeSink final : public RecordSink {
 public:
  void add(RecordSink& sink) { sinks_.push_back(&sink); }
  void on_record(const ObjectRecord& record) override {
    for (RecordSink* sink : sinks_) sink->on_record(record);
  }

 private:
  std::vector<RecordSink*> sinks_;
};

}  // namespace heapdump
