// A short delay line for work whose memory was prefetched when it came in.
#pragma once

#include <array>
#include <cstddef>

namespace heapdump {

/// Holds the last N items of a stream and applies each one N items after
/// it came in, oldest first. An aggregator that updates tables too big for
/// the cache prefetches an item's table slots when the item arrives and
/// pushes it here; by the time it is applied the slots are in the cache.
///
/// Anything that reads the tables must drain() first: the items still held
/// are part of the totals. push() returns the slot to fill in place (an item
/// built elsewhere and copied in costs more than the rest of the stage: its
/// fields are stored 8 bytes at a time and read back 16 at a time, which the
/// CPU cannot forward).
template <typename T, size_t N>
class PrefetchQueue {
  static_assert(N > 0, "a PrefetchQueue holds at least one item");

 public:
  /// The slot for a new item. When the queue is full, the oldest item is
  /// applied first, with apply(item), to make room. Slots are reused as
  /// they are: the caller sets every field of the new item.
  template <typename Apply>
  T& push(Apply&& apply) {
    if (size_ == N) {
      apply(items_[next_]);
    } else {
      ++size_;
    }
    T& slot = items_[next_];
    next_ = (next_ + 1) % N;
    return slot;
  }

  /// Applies every item held, oldest first, and empties the queue. `apply`
  /// must not push into this queue.
  template <typename Apply>
  void drain(Apply&& apply) {
    for (size_t k = 0; k < size_; ++k) apply(items_[(next_ + N - size_ + k) % N]);
    size_ = 0;
  }

  /// Items held, not applied yet.
  size_t size() const { return size_; }

 private:
  std::array<T, N> items_{};
  size_t next_ = 0;  // the slot the next push() fills
  size_t size_ = 0;
};

}  // namespace heapdump
