#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "heapdump/reader.hpp"
#include "parse/chunk_reader.hpp"
#include "parse/record_decoder.hpp"

namespace heapdump {
namespace {

static_assert(kChunkPadding >= simdjson::SIMDJSON_PADDING, "chunk padding too small for simdjson");

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

struct SkippedLine {
  uint64_t line;  // within its chunk, from 1
  uint64_t offset;
  std::string reason;
};

/// What parsing one chunk produced besides records.
struct ChunkResult {
  ReadStats stats;
  std::vector<SkippedLine> skipped;
};

void add_stats(ReadStats* total, const ReadStats& part) {
  total->lines += part.lines;
  total->blank_lines += part.blank_lines;
  total->skipped_lines += part.skipped_lines;
  total->records += part.records;
  total->objects += part.objects;
  total->bytes += part.bytes;
}

/// Decodes every line of a chunk into `sink`; problems go to *result.
void parse_chunk(const Chunk& chunk, RecordDecoder& decoder, RecordSink& sink,
                 const ReadOptions& options, ChunkResult* result) {
  const uint64_t chunk_size = std::max<size_t>(options.chunk_size, 1);  // as ChunkReader's
  const uint64_t max_line_bytes = std::clamp<uint64_t>(options.max_line_bytes, 1, uint64_t{1} << 60);
  ObjectRecord record;
  std::string reason;
  ReadStats& st = result->stats;
  st.bytes += chunk.size;
  auto skip = [&](uint64_t number, uint64_t offset, bool terminated) {
    ++st.skipped_lines;
    if (!terminated) reason = "last line is cut short (no newline at end of file): " + reason;
    result->skipped.push_back({number, offset, std::move(reason)});
  };
  uint64_t lines_before = 0;  // the line the reader skipped before the chunk's bytes
  if (chunk.skipped.present) {
    const SkippedLongLine& s = chunk.skipped;
    ++st.lines;
    st.bytes += s.length + (s.terminated ? 1 : 0);
    reason = s.reason;
    skip(1, s.offset, s.terminated);
    lines_before = 1;
  }
  auto line_length = [&decoder](const char* p, const char* end) { return decoder.find_line(p, end); };
  for_each_line(chunk, line_length, [&](std::string_view text, uint64_t number, uint64_t offset,
                                        bool terminated) {
    ++st.lines;
    number += lines_before;
    // The ChunkReader's two rules, for lines it did not have to skip itself
    // (they fit a chunk), so that the reasons do not depend on the cutting.
    if (text.size() >= chunk_size) {
      const int first = first_content_byte(text.data(), text.size(), offset);
      if (first >= 0 && first != '{') {
        reason = not_an_object_reason(static_cast<unsigned char>(first));
        skip(number, offset, terminated);
        return;
      }
    }
    if (text.size() > max_line_bytes) {
      reason = line_too_long_reason(text.size(), max_line_bytes);
      skip(number, offset, terminated);
      return;
    }
    if (offset == 0 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // BOM
    if (is_blank(text)) {
      ++st.blank_lines;
      return;
    }
    record.byte_offset = offset;
    if (!decoder.decode(text, kChunkPadding, &record, &reason)) {
      skip(number, offset, terminated);
      return;
    }
    ++st.records;
    if (record.kind == RecordKind::kObject) ++st.objects;
    sink.on_record(record);
  });
}

/// Reports a chunk's skipped lines with their line numbers in the file;
/// chunks must come in file order (total->lines counts the lines before).
void report(const std::string& name, ChunkResult& result, ParseReporter& reporter,
            ReadStats* total) {
  for (const SkippedLine& s : result.skipped) {
    reporter.skipped_line(name, total->lines + s.line, s.offset, s.reason);
  }
  add_stats(total, result.stats);
}

}  // namespace

Status read_dump(InputSource& input, RecordSink& sink, ParseReporter& reporter, ReadStats* stats,
                 const ReadOptions& options) {
  ReadStats total;
  ChunkReader chunks(input, options.chunk_size, options.max_line_bytes);
  RecordDecoder decoder;
  decoder.set_decode_references(options.decode_references);
  Chunk chunk;
  while (chunks.next(&chunk)) {
    ChunkResult result;
    parse_chunk(chunk, decoder, sink, options, &result);
    report(input.name(), result, reporter, &total);
    if (options.progress) options.progress(chunks.bytes_consumed());
  }
  if (stats != nullptr) *stats = total;
  return chunks.finish();
}

Status read_dump_parallel(InputSource& input, const SinkForWorker& sinks, ParseReporter& reporter,
                          ReadStats* stats, const ReadOptions& options) {
  const unsigned threads = std::max(1u, options.threads);
  if (threads == 1) return read_dump(input, sinks(0), reporter, stats, options);

  struct Slot {
    Chunk chunk;
    ChunkResult result;
  };
  std::mutex mu;
  std::condition_variable work_ready, slot_free;
  std::vector<std::unique_ptr<Slot>> storage;
  std::vector<Slot*> free_slots;
  for (unsigned i = 0; i < threads * 2 + 1; ++i) {
    storage.push_back(std::make_unique<Slot>());
    free_slots.push_back(storage.back().get());
  }
  std::deque<Slot*> work;
  std::map<uint64_t, Slot*> done;  // finished, waiting for their turn to report
  uint64_t next_to_report = 0;
  bool no_more_work = false;
  ReadStats total;

  // An exception in a thread (std::bad_alloc: out of memory) must not
  // escape it (that aborts the process): the first one is kept, every
  // thread stops, and it is rethrown on the calling thread once all joined.
  std::exception_ptr failure;
  // Parses a slot taken off `work`, then reports the finished chunks in
  // file order and frees their slots. Called without the lock held.
  auto parse_slot = [&](Slot* slot, RecordDecoder& decoder, RecordSink& sink) {
    slot->result = ChunkResult{};
    parse_chunk(slot->chunk, decoder, sink, options, &slot->result);
    std::lock_guard<std::mutex> lock(mu);
    done[slot->chunk.index] = slot;
    for (auto it = done.find(next_to_report); it != done.end(); it = done.find(next_to_report)) {
      report(input.name(), it->second->result, reporter, &total);
      free_slots.push_back(it->second);
      done.erase(it);
      ++next_to_report;
    }
    slot_free.notify_one();
  };
  auto worker_loop = [&](unsigned id) {
    RecordDecoder decoder;
    decoder.set_decode_references(options.decode_references);
    RecordSink& sink = sinks(id);
    for (;;) {
      Slot* slot;
      {
        std::unique_lock<std::mutex> lock(mu);
        work_ready.wait(lock, [&] { return !work.empty() || no_more_work || failure; });
        if (work.empty() || failure) return;
        slot = work.front();
        work.pop_front();
      }
      parse_slot(slot, decoder, sink);
    }
  };
  auto fail = [&](std::exception_ptr e) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!failure) failure = e;
    }
    work_ready.notify_all();
    slot_free.notify_all();
  };
  auto worker = [&](unsigned id) {
    try {
      worker_loop(id);
    } catch (...) {
      fail(std::current_exception());
    }
  };
  std::vector<std::thread> pool;
  std::unique_ptr<ChunkReader> chunks;
  try {
    // Decompressing is work on this thread that the parsers wait for. So
    // that it does not share a core with `threads` parsers, compressed input
    // gets one parser fewer, and this thread parses a waiting chunk itself
    // (with the last sink) whenever every slot is taken.
    const bool helps = input.compressed();
    const unsigned workers = helps ? threads - 1 : threads;
    for (unsigned i = 0; i < workers; ++i) pool.emplace_back(worker, i);
    RecordDecoder own_decoder;  // (allocates nothing until it parses)
    own_decoder.set_decode_references(options.decode_references);
    RecordSink* own_sink = helps ? &sinks(threads - 1) : nullptr;
    chunks = std::make_unique<ChunkReader>(input, options.chunk_size, options.max_line_bytes);
    for (;;) {
      Slot* slot = nullptr;
      Slot* waiting = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu);
        if (helps && free_slots.empty() && !work.empty() && !failure) {
          waiting = work.front();
          work.pop_front();
        } else {
          slot_free.wait(lock, [&] { return !free_slots.empty() || failure; });
          if (failure) break;
          slot = free_slots.back();
          free_slots.pop_back();
        }
      }
      if (waiting != nullptr) {
        parse_slot(waiting, own_decoder, *own_sink);
        continue;
      }
      if (!chunks->next(&slot->chunk)) {
        std::lock_guard<std::mutex> lock(mu);
        free_slots.push_back(slot);
        break;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        work.push_back(slot);
      }
      work_ready.notify_one();
      if (options.progress) options.progress(chunks->bytes_consumed());
    }
  } catch (...) {
    fail(std::current_exception());  // (a thread that could not start, or out of memory here)
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    no_more_work = true;
  }
  work_ready.notify_all();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  if (stats != nullptr) *stats = total;
  return chunks->finish();
}

}  // namespace heapdump
