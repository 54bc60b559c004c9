#include "heapdump/identity_set.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <thread>

#include "analyze/string_pool.hpp"

namespace heapdump {

struct TypeIds::Names {
  StringPool pool;
};

TypeIds::TypeIds() : names_(std::make_unique<Names>()) {
  // Fixed ids for the documented types; others are added as seen.
  const char* known[] = {"",        "OBJECT",   "CLASS",  "ICLASS", "MODULE", "FLOAT",
                         "STRING",  "REGEXP",   "ARRAY",  "HASH",   "STRUCT", "BIGNUM",
                         "FILE",    "DATA",     "MATCH",  "COMPLEX", "RATIONAL", "SYMBOL",
                         "IMEMO",   "NODE",     "ZOMBIE", "UNKNOWN"};
  static_assert(sizeof known / sizeof known[0] <= 32, "fixed_words_ too small");
  for (const char* name : known) {
    const std::string_view n(name);
    fixed_words_[fixed_] = load_short(n.data(), n.size());  // all <= 8 bytes
    fixed_sizes_[fixed_] = static_cast<uint8_t>(n.size());
    names_->pool.intern(n);
    ++fixed_;
  }
}

TypeIds::~TypeIds() = default;

uint32_t TypeIds::id(std::string_view type) {
  if (type.size() <= 8) {
    const uint64_t w = load_short(type.data(), type.size());
    for (size_t i = 0; i < fixed_; ++i) {
      if (fixed_words_[i] == w && fixed_sizes_[i] == type.size()) return static_cast<uint32_t>(i);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (names_->pool.size() == UINT32_MAX) throw std::length_error("more than 4 billion type names");
  return names_->pool.intern(type);
}

std::string_view TypeIds::name(uint32_t id) const { return names_->pool.get(id); }

Identity identity_of(const ObjectRecord& r, TypeIds& types) {
  Identity id{};
  id.address = r.address;
  id.generation = !r.has_generation                         ? 0
                  : r.generation < Identity::kWideGeneration - 1 ? static_cast<uint32_t>(r.generation + 1)
                                                            : Identity::kWideGeneration;
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

void IdentitySet::insert_wide(const WideIdentity& id) {
  std::lock_guard<std::mutex> lock(mu_);
  wide_.push_back(id);
  sealed_ = false;
}

void IdentityCollector::on_record(const ObjectRecord& r) {
  if (r.kind != RecordKind::kObject) return;
  if (r.has_generation && (!has_generation_ || r.generation > highest_generation_)) {
    has_generation_ = true;
    highest_generation_ = r.generation;
  }
  const Identity id = identity_of(r, types_);
  if (id.generation == Identity::kWideGeneration) {
    set_.insert_wide({r.address, r.generation, id.type});
    return;
  }
  buffer_.push_back(id);
  if (buffer_.size() >= 8192) flush();
}

void IdentityCollector::flush() {
  if (buffer_.empty()) return;
  set_.insert_batch(buffer_.data(), buffer_.size());
  buffer_.clear();
}

namespace {

/// Runs shorter than this on average are not worth an index of their own:
/// random input has runs of about 2, a dump about 400 (one heap page).
constexpr size_t kMinRun = 32;

}  // namespace

bool IdentitySet::index_runs() {
  runs_.clear();
  const size_t max_runs = size_ / kMinRun + 1;
  runs_.reserve(max_runs);
  size_t begin = 0;
  for (size_t i = 1; i <= size_; ++i) {
    if (i < size_ && data_[i - 1] < data_[i]) continue;
    if (runs_.size() == max_runs) {
      runs_.clear();
      return false;
    }
    runs_.push_back(Run{data_[begin], begin, i});
    begin = i;
  }
  // Runs sorted by their first identity must each end below the next one's
  // start: then they are the sorted set in that order, and an identity can
  // only be in the last run that starts at or below it. Two pages that came
  // one after the other in ascending order form one run, which may span a
  // page listed elsewhere; such a run is split where the page it spans
  // starts, and the check repeats.
  auto by_first = [](const Run& a, const Run& b) { return a.first < b.first; };
  for (int pass = 0; pass < 8; ++pass) {
    std::sort(runs_.begin(), runs_.end(), by_first);
    bool split = false;
    const size_t count = runs_.size();
    for (size_t r = 1; r < count; ++r) {
      Run& low = runs_[r - 1];
      const Identity next = runs_[r].first;
      if (data_[low.end - 1] < next) continue;
      const Identity* cut = std::lower_bound(data_ + low.begin, data_ + low.end, next);
      // cut > begin, since low.first < next; an identity equal to `next`
      // is a duplicate, which only sorting handles.
      if (*cut == next || runs_.size() == max_runs) {
        runs_.clear();
        return false;
      }
      const auto at = static_cast<size_t>(cut - data_);
      const size_t end = low.end;
      low.end = at;
      runs_.push_back(Run{*cut, at, end});  // reserved: `low` stays valid
      split = true;
    }
    if (!split) return true;
  }
  runs_.clear();
  return false;
}

namespace {

/// Buckets over n ascending addresses address_at(0), ..., address_at(n - 1)
/// and the range from the first to `max`, about `per_bucket` addresses
/// each: (*buckets)[b] is the first position whose address is at or above
/// *min + (b << *shift). At most 2^22 + 2 buckets.
template <typename AddressAt>
void bucket(size_t n, AddressAt address_at, uint64_t max, size_t per_bucket, uint64_t* min,
            unsigned* shift, std::vector<uint32_t>* buckets) {
  *min = address_at(0);
  const uint64_t span = max - *min;
  const uint64_t wanted = std::clamp<uint64_t>(n / per_bucket, 1, uint64_t{1} << 22);
  *shift = 0;
  while ((span >> *shift) >= wanted) ++*shift;
  const size_t nbuckets = static_cast<size_t>(span >> *shift) + 2;
  buckets->assign(nbuckets, 0);
  size_t i = 0;
  for (size_t b = 0; b < nbuckets; ++b) {
    while (i < n && ((address_at(i) - *min) >> *shift) < b) ++i;
    (*buckets)[b] = static_cast<uint32_t>(i);
  }
}

}  // namespace

void IdentitySet::sort_and_bucket(unsigned threads) {
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
  bucket(size_, [this](size_t i) { return data_[i].address; }, data_[size_ - 1].address, 16, &min_,
         &shift_, &buckets_);
}

void IdentitySet::count_wide_repeats() {
  // Identities with wide generations are rare: their repeats, among
  // themselves and with the array's, are counted by a sort of addresses.
  if (wide_.empty()) return;
  std::vector<uint64_t> wide;
  for (const WideIdentity& w : wide_) wide.push_back(w.address);
  std::sort(wide.begin(), wide.end());
  for (size_t i = 1; i < wide.size(); ++i) {
    if (wide[i] == wide[i - 1]) ++repeated_addresses_;
  }
  wide.erase(std::unique(wide.begin(), wide.end()), wide.end());
  for (size_t i = 0; i < size_; ++i) {
    if (std::binary_search(wide.begin(), wide.end(), data_[i].address)) ++repeated_addresses_;
  }
}

void IdentitySet::seal(unsigned threads) {
  buckets_.clear();
  runs_.clear();
  sealed_ = true;
  std::sort(wide_.begin(), wide_.end());
  repeated_addresses_ = 0;
  count_wide_repeats();
  if (size_ == 0) return;
  if (index_runs()) {
    // The last run ends with the set's highest address.
    bucket(runs_.size(), [this](size_t r) { return runs_[r].first.address; },
           data_[runs_.back().end - 1].address, 4, &min_, &shift_, &buckets_);
    // The runs in order are the set in order.
    bool first = true;
    uint64_t last = 0;
    for (const Run& r : runs_) {
      for (size_t i = r.begin; i < r.end; ++i) {
        if (!first && data_[i].address == last) ++repeated_addresses_;
        last = data_[i].address;
        first = false;
      }
    }
  } else {
    sort_and_bucket(threads);
    for (size_t i = 1; i < size_; ++i) {
      if (data_[i].address == data_[i - 1].address) ++repeated_addresses_;
    }
  }
}

bool IdentitySet::contains(const Identity& id, Hint* hint) const {
  if (hint->next < size_ && data_[hint->next] == id) {
    ++hint->next;
    return true;
  }
  if (size_ == 0 || id.address < min_) return false;
  const uint64_t b = (id.address - min_) >> shift_;
  if (b + 1 >= buckets_.size()) return false;  // above the highest address
  const Identity* lo;
  const Identity* hi;
  if (!runs_.empty()) {
    // The last run that starts at or below `id`. Runs before the bucket's
    // start below it, so the first run above `id` is among the bucket's
    // runs or is the first run after them, and the one before that is it.
    auto after = std::upper_bound(runs_.begin() + buckets_[b], runs_.begin() + buckets_[b + 1], id,
                                  [](const Identity& v, const Run& r) { return v < r.first; });
    if (after == runs_.begin()) return false;
    --after;
    lo = data_ + after->begin;
    hi = data_ + after->end;
  } else {
    lo = data_ + buckets_[b];
    hi = data_ + buckets_[b + 1];
  }
  const Identity* it = std::lower_bound(lo, hi, id);
  if (it == hi || !(*it == id)) return false;
  hint->next = static_cast<size_t>(it - data_) + 1;
  return true;
}

}  // namespace heapdump
