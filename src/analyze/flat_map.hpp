// A small open-addressing hash map for the aggregators' hot paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "analyze/huge_page_allocator.hpp"
#include "analyze/keyed_hash.hpp"

namespace heapdump {

/// Doubles an open-addressing table with linear probing whose slots have a
/// `hash` member (0 = empty), placing each entry by its stored hash.
/// Returns the new mask (size - 1).
template <typename Slot>
size_t grow_table(std::vector<Slot, HugePageAllocator<Slot>>* slots) {
  std::vector<Slot, HugePageAllocator<Slot>> old(slots->size() * 2);
  old.swap(*slots);
  const size_t mask = slots->size() - 1;
  for (Slot& s : old) {
    if (s.hash == 0) continue;
    size_t i = s.hash & mask;
    while ((*slots)[i].hash != 0) i = (i + 1) & mask;
    (*slots)[i] = std::move(s);
  }
  return mask;
}

/// Open addressing with linear probing; keeps the hash of every entry, so
/// lookups compare keys only on a full hash match. Never erases.
/// KeyOps provides `static uint64_t hash(const K&)` and
/// `static bool equal(const K&, const K&)`. Values are default-constructible.
template <typename K, typename V, typename KeyOps>
class FlatMap {
 public:
  struct Slot {
    uint64_t hash;  // 0 = empty (real hashes are forced non-zero)
    K key;
    V value;
  };

  FlatMap() : slots_(16), mask_(15) {}

  /// The hash a lookup of `key` uses (for the overloads that take it).
  static uint64_t hash_of(const K& key) { return KeyOps::hash(key) | 1; }

  /// The value for `key`, inserting a default one if absent; *inserted tells which.
  V& find_or_insert(const K& key, bool* inserted) { return find_or_insert(key, hash_of(key), inserted); }

  /// The same with `h` == hash_of(key) computed earlier (see prefetch_hash()).
  V& find_or_insert(const K& key, uint64_t h, bool* inserted) {
    size_t i = h & mask_;
    for (;;) {
      Slot& s = slots_[i];
      if (s.hash == 0) break;
      if (s.hash == h && KeyOps::equal(s.key, key)) {
        *inserted = false;
        return s.value;
      }
      i = (i + 1) & mask_;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) {  // keep the load under 3/4
      grow();
      return find_or_insert(key, h, inserted);
    }
    Slot& s = slots_[i];
    s.hash = h;
    s.key = key;
    s.value = V{};
    ++size_;
    *inserted = true;
    return s.value;
  }

  /// The value for `key` whose hash_of() is `h`, or nullptr.
  V* find(const K& key, uint64_t h) {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.hash == 0) return nullptr;
      if (s.hash == h && KeyOps::equal(s.key, key)) return &s.value;
    }
  }

  /// The value for `key`, or nullptr.
  const V* find(const K& key) const {
    const uint64_t h = KeyOps::hash(key) | 1;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return nullptr;
      if (s.hash == h && KeyOps::equal(s.key, key)) return &s.value;
    }
  }

  size_t size() const { return size_; }

  /// Makes room for `n` entries in all, so that inserting up to that many
  /// does not grow the table again.
  void reserve(size_t n) {
    while ((n + 1) * 4 > slots_.size() * 3) grow();
  }

  /// Starts loading the slot where a lookup of `key` begins, so that a
  /// lookup a little later finds it in cache.
  void prefetch(const K& key) const { prefetch_hash(hash_of(key)); }
  /// The same for a key whose hash_of() is `h`.
  void prefetch_hash(uint64_t h) const { __builtin_prefetch(&slots_[h & mask_]); }
  /// The same, and the cache lines after it up to two slots' bytes (for
  /// slots of more than a cache line: a lookup's probes cross several).
  void prefetch_slots(uint64_t h) const {
    const char* p = reinterpret_cast<const char*>(&slots_[h & mask_]);
    for (size_t off = 0; off < 2 * sizeof(Slot); off += 64) __builtin_prefetch(p + off);
  }

  /// Calls fn(key, value) for every entry, in no particular order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const Slot& s : slots_) {
      if (s.hash != 0) fn(s.key, s.value);
    }
  }

 private:
  void grow() { mask_ = grow_table(&slots_); }

  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  size_t mask_;
  size_t size_ = 0;
};

/// Keyed (see keyed_hash.hpp): numbers from a dump cannot be chosen to collide.
struct U64KeyOps {
  static uint64_t hash(uint64_t k) { return hash_u64(k); }
  static bool equal(uint64_t a, uint64_t b) { return a == b; }
};

struct StringKeyOps {
  static uint64_t hash(std::string_view k) { return hash_bytes(k); }
  static bool equal(std::string_view a, std::string_view b) { return a == b; }
};

}  // namespace heapdump
