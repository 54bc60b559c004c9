// One sink per thread over chunks of records, run as the parallel reader
// may run them, then merged: for the tests that check an aggregator split
// into threads against a one-thread reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace heapdump::test {

/// Each thread's chunks [begin, end) of the records, in file order.
using ChunkQueues = std::vector<std::deque<std::pair<size_t, size_t>>>;

/// Feeds queues[t]'s chunks to (*sinks)[t], the threads taking turns in a
/// random order (so a value's first sighting in time need not be its first
/// in the file), then merges every sink into the first as PerThread does,
/// or with `tree` (and three threads or more) the last two first, which
/// maps location ids of merged-in merges. Each record's value is given
/// to the sink in a buffer overwritten after the call.
template <typename Sink, typename Record>
void run_and_merge(std::mt19937_64& rng, ChunkQueues queues, const std::vector<Record>& records,
                   std::vector<std::unique_ptr<Sink>>* sinks, bool tree) {
  const size_t threads = queues.size();
  size_t left = 0;
  for (const auto& q : queues) left += q.size();
  for (; left > 0; --left) {
    size_t t = rng() % threads;
    while (queues[t].empty()) t = (t + 1) % threads;
    const auto [b, e] = queues[t].front();
    queues[t].pop_front();
    for (size_t i = b; i < e; ++i) {
      // A string value's view dies with the call (as the reader's line
      // buffer): what a sink keeps must be a copy. A value inside its
      // record's raw_line (as the scanner gives one without escapes) stays
      // inside the line's copy.
      const Record& src = records[i];
      Record r = src;
      std::string scratch;
      const auto line = reinterpret_cast<uintptr_t>(src.raw_line.data());
      const auto value = reinterpret_cast<uintptr_t>(src.value.data());
      if (!src.raw_line.empty() && value >= line && src.value.size() <= src.raw_line.size() &&
          value - line <= src.raw_line.size() - src.value.size()) {
        scratch.assign(src.raw_line);
        r.raw_line = scratch;
        r.value = std::string_view(scratch).substr(value - line, src.value.size());
      } else {
        scratch.assign(src.value);
        r.value = scratch;
      }
      (*sinks)[t]->on_record(r);
      scratch.assign(scratch.size(), '#');
    }
  }
  if (tree && threads >= 3) {
    (*sinks)[threads - 2]->merge(*(*sinks)[threads - 1]);
    sinks->pop_back();
  }
  for (size_t t = 1; t < sinks->size(); ++t) (*sinks)[0]->merge(*(*sinks)[t]);
}

}  // namespace heapdump::test
