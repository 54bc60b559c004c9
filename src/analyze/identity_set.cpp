#include "heapdump/identity_set.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

namespace heapdump {

TypeIds::TypeIds() {
  // Fixed ids for the documented types; others are added as seen.
  const char* known[] = {"",        "OBJECT",   "CLASS",  "ICLASS", "MODULE", "FLOAT",
                         "STRING",  "REGEXP",   "ARRAY",  "HASH",   "STRUCT", "BIGNUM",
                         "FILE",    "DATA",     "MATCH",  "COMPLEX", "RATIONAL", "SYMBOL",
                         "IMEMO",   "NODE",     "ZOMBIE", "UNKNOWN"};
  static_assert(sizeof known / sizeof known[0] <= 32, "fixed_words_ too small");
  for (const char* name : known) {
    const std::string_view n(name);
    std::memcpy(&fixed_words_[fixed_], n.data(), n.size());  // all <= 8 bytes
    fixed_sizes_[fixed_] = static_cast<uint8_t>(n.size());
    names_[fixed_++] = name;
  }
  names_[255] = "OTHER";
  count_ = fixed_;
}

namespace {

/// The first n <= 8 bytes at p as a zero-padded word, with a fixed-size
/// copy for each n (a variable-size one is a library call).
inline uint64_t pack(const char* p, size_t n) {
  uint64_t w = 0;
  switch (n) {
    case 8: std::memcpy(&w, p, 8); break;
    case 7: std::memcpy(&w, p, 7); break;
    case 6: std::memcpy(&w, p, 6); break;
    case 5: std::memcpy(&w, p, 5); break;
    case 4: std::memcpy(&w, p, 4); break;
    case 3: std::memcpy(&w, p, 3); break;
    case 2: std::memcpy(&w, p, 2); break;
    case 1: std::memcpy(&w, p, 1); break;
    default: break;
  }
  return w;
}

}  // namespace

uint8_t TypeIds::id(std::string_view type) {
  if (type.size() <= 8) {
    const uint64_t w = pack(type.data(), type.size());
    for (size_t i = 0; i < fixed_; ++i) {
      if (fixed_words_[i] == w && fixed_sizes_[i] == type.size()) return static_cast<uint8_t>(i);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  const size_t count = count_.load();
  for (size_t i = fixed_; i < count; ++i) {
    if (names_[i] == type) return static_cast<uint8_t>(i);
  }
  if (count < 255) {
    names_[count] = std::string(type);
    count_.store(count + 1);
    return static_cast<uint8_t>(count);
  }
  return 255;  // more than 254 distinct type names: they share one id
}

Identity identity_of(const ObjectRecord& r, TypeIds& types) {
  Identity id{};
  id.address = r.address;
  id.generation = !r.has_generation ? 0
                  : r.generation >= 0xFFFFFFFEull ? 0xFFFFFFFFu
                                                   : static_cast<uint32_t>(r.generation + 1);
  id.type = types.id(r.type);
  return id;
}

IdentitySet::~IdentitySet() { std::free(data_); }

void IdentitySet::reserve_for(size_t n) {
  if (size_ + n <= capacity_) return;
  size_t capacity = capacity_ == 0 ? 4096 : capacity_;
  while (capacity < size_ + n) capacity *= 2;
  // realloc of a large block remaps pages instead of copying them, and pages
  // not yet written are not resident: memory stays ~16 bytes per identity.
  void* grown = std::realloc(data_, capacity * sizeof(Identity));
  if (grown == nullptr) throw std::bad_alloc();
  data_ = static_cast<Identity*>(grown);
  capacity_ = capacity;
}

void IdentitySet::insert(const Identity& id) {
  reserve_for(1);
  data_[size_++] = id;
  sealed_ = false;
}

void IdentitySet::insert_batch(const Identity* ids, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  reserve_for(n);
  std::copy(ids, ids + n, data_ + size_);
  size_ += n;
  sealed_ = false;
}

void IdentityCollector::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  buffer_.push_back(identity_of(r, types_));
  if (buffer_.size() >= 8192) flush();
}

void IdentityCollector::flush() {
  if (buffer_.empty()) return;
  set_.insert_batch(buffer_.data(), buffer_.size());
  buffer_.clear();
}

void IdentitySet::seal(unsigned threads) {
  constexpr size_t kParallelFrom = size_t{1} << 16;
  if (threads > 1 && size_ >= kParallelFrom) {
    Identity* middle = data_ + size_ / 2;
    std::thread other([&] { std::sort(middle, data_ + size_); });
    std::sort(data_, middle);
    other.join();
    std::inplace_merge(data_, middle, data_ + size_);
  } else {
    std::sort(data_, data_ + size_);
  }
  buckets_.clear();
  if (size_ == 0) {
    sealed_ = true;
    return;
  }
  min_ = data_[0].address;
  const uint64_t span = data_[size_ - 1].address - min_;
  // About 16 identities per bucket, at most 2^22 buckets.
  const uint64_t wanted = std::clamp<uint64_t>(size_ / 16, 1, uint64_t{1} << 22);
  shift_ = 0;
  while ((span >> shift_) >= wanted) ++shift_;
  const size_t nbuckets = static_cast<size_t>(span >> shift_) + 2;
  buckets_.assign(nbuckets, 0);
  size_t i = 0;
  for (size_t b = 0; b < nbuckets; ++b) {
    while (i < size_ && ((data_[i].address - min_) >> shift_) < b) ++i;
    buckets_[b] = static_cast<uint32_t>(i);
  }
  sealed_ = true;
}

bool IdentitySet::contains(const Identity& id) const {
  if (size_ == 0 || id.address < min_) return false;
  const uint64_t b = (id.address - min_) >> shift_;
  if (b + 1 >= buckets_.size()) return false;
  const Identity* lo = data_ + buckets_[b];
  const Identity* hi = data_ + buckets_[b + 1];
  const Identity* it = std::lower_bound(lo, hi, id);
  return it != hi && *it == id;
}

}  // namespace heapdump
