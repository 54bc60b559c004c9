#include "graph/object_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace heapdump {

namespace {

/// One object as a parsing thread saw it. 32 bytes.
struct Pending {
  uint64_t address;  // once sorted: the index of its first reference in `refs`
  uint64_t class_address;
  /// memsize in the low 56 bits and the local type id in the top 8; a
  /// memsize or type id too large for its bits is kWideMemsize or
  /// kWideLocalType there, and exact in the collector's wide_memsizes or
  /// wide_types (neither is in real dumps).
  uint64_t memsize_type;
  uint32_t location;      // local location id
  uint32_t ref_count;     // reference count, kClassEdge set when the class is an edge
};
constexpr uint64_t kMemsizeMask = (uint64_t{1} << 56) - 1;
constexpr uint32_t kClassEdge = uint32_t{1} << 31;
constexpr uint32_t kRefCountMask = kClassEdge - 1;
// In ObjectGraph::build, edge_off_[i + 1] holds the raw reference count
// until edges are resolved, with this bit when the class is an edge.
constexpr uint64_t kRawClassEdge = uint64_t{1} << 63;
constexpr uint64_t kWideMemsize = kMemsizeMask;
constexpr uint32_t kWideLocalType = 255;

/// The exact value for object `index` in a (index, value) list sorted by index.
template <typename V>
V wide_value(const std::vector<std::pair<uint64_t, V>>& list, uint64_t index) {
  auto it = std::lower_bound(list.begin(), list.end(), std::make_pair(index, V{}));
  return it->second;
}

struct PendingRoot {
  uint64_t order;
  uint32_t kind;  // local root kind id
  uint64_t ref_begin;
  uint64_t ref_count;
};

/// A vector that grows in fixed blocks: no doubling slack, no copy on growth.
template <typename T>
class Chunked {
 public:
  static constexpr size_t kBlock = size_t{1} << 16;
  void push_back(const T& v) {
    if (size_ % kBlock == 0) blocks_.push_back(std::make_unique<T[]>(kBlock));
    blocks_[size_ / kBlock][size_ % kBlock] = v;
    ++size_;
  }
  void append(const T* v, size_t n) {
    for (size_t i = 0; i < n; ++i) push_back(v[i]);
  }
  const T& operator[](size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  T& operator[](size_t i) { return blocks_[i / kBlock][i % kBlock]; }
  size_t size() const { return size_; }
  void clear() {
    blocks_.clear();
    blocks_.shrink_to_fit();
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  size_t size_ = 0;
};


/// The key a (type, imemo_type) pair is interned under: the type itself
/// when there is no imemo_type (and the type does not start with a NUL),
/// otherwise NUL, the type's length, ':', the type and the imemo_type.
void type_key(std::string_view type, std::string_view imemo_type, std::string* out) {
  out->clear();
  if (imemo_type.empty() && (type.empty() || type[0] != '\0')) {
    out->assign(type);
    return;
  }
  out->push_back('\0');
  out->append(std::to_string(type.size()));
  out->push_back(':');
  out->append(type);
  out->append(imemo_type);
}

/// The (type, imemo_type) of a key type_key() made.
std::pair<std::string, std::string> type_parts(std::string_view key) {
  if (key.empty() || key[0] != '\0') return {std::string(key), std::string()};
  const size_t colon = key.find(':');
  const size_t length = std::stoull(std::string(key.substr(1, colon - 1)));
  return {std::string(key.substr(colon + 1, length)), std::string(key.substr(colon + 1 + length))};
}

}  // namespace

bool class_slot_is_edge(std::string_view type, std::string_view imemo_type) {
  if (type == "FLOAT" || type == "BIGNUM" || type == "SYMBOL") return false;
  if (type == "IMEMO" && imemo_type == "callcache") return false;
  return true;
}

struct GraphCollector::State {
  Chunked<Pending> objects;
  Chunked<uint64_t> refs;
  std::vector<PendingRoot> roots;
  std::vector<uint64_t> root_refs;
  std::vector<uint64_t> tracers;  // addresses of allocation tracer objects
  StringPool types;
  StringPool root_kinds;
  std::vector<std::pair<uint64_t, uint64_t>> wide_memsizes;  // (object index, memsize)
  std::vector<std::pair<uint64_t, uint32_t>> wide_types;     // (object index, local type id)
  StringPool locations;
  std::string scratch;
  std::string type_scratch;
  uint64_t bad_references = 0;
  State() { locations.intern(""); }
};

GraphCollector::GraphCollector() : state_(std::make_unique<State>()) {}
GraphCollector::~GraphCollector() = default;

void GraphCollector::on_record(const ObjectRecord& r) {
  state_->bad_references += r.bad_references;
  if (r.kind == RecordKind::kObject) {
    if (is_allocation_tracer(r.type, r.struct_name)) {
      state_->tracers.push_back(r.address);
    }
    add_object(r.address, r.type, r.has_class ? r.class_address : 0,
               r.has_class && class_slot_is_edge(r.type, r.imemo_type), r.memsize, r.file,
               r.has_file, r.line, r.has_line, r.references, r.references_decoded,
               r.type == "IMEMO" ? r.imemo_type : std::string_view());
  } else if (r.kind == RecordKind::kRoot) {
    add_root(r.root_name, r.byte_offset, r.references, r.references_decoded);
  }
}

void GraphCollector::add_object(uint64_t address, std::string_view type, uint64_t class_address,
                                bool class_is_edge, uint64_t memsize, std::string_view file, bool has_file,
                                uint64_t line, bool has_line, const uint64_t* refs,
                                size_t ref_count, std::string_view imemo_type) {
  State& s = *state_;
  type_key(type, imemo_type, &s.type_scratch);
  const uint32_t type_id = s.types.intern(s.type_scratch);
  const uint64_t index = s.objects.size();
  uint64_t packed_type = type_id;
  if (type_id >= kWideLocalType) {  // never in practice: Ruby has ~20 types
    s.wide_types.emplace_back(index, type_id);
    packed_type = kWideLocalType;
  }
  uint32_t loc = 0;
  if (has_file) {
    s.scratch.clear();
    append_location_name(file, has_line, line, &s.scratch);
    loc = s.locations.intern(s.scratch);
  }
  uint64_t packed_memsize = memsize;
  if (memsize >= kWideMemsize) {
    s.wide_memsizes.emplace_back(index, memsize);
    packed_memsize = kWideMemsize;
  }
  if (ref_count > kRefCountMask) ref_count = kRefCountMask;  // never: a 30 GB line
  const uint32_t flags = class_is_edge && class_address != 0 ? kClassEdge : 0;
  s.objects.push_back({address, class_address, packed_memsize | (packed_type << 56), loc,
                       static_cast<uint32_t>(ref_count) | flags});
  s.refs.append(refs, ref_count);
}

void GraphCollector::add_root(std::string_view name, uint64_t order, const uint64_t* refs,
                              size_t ref_count) {
  State& s = *state_;
  s.roots.push_back({order, s.root_kinds.intern(name), s.root_refs.size(), ref_count});
  s.root_refs.insert(s.root_refs.end(), refs, refs + ref_count);
}

uint32_t ObjectGraph::find(uint64_t address) const {
  if (address_.empty() || address < base_) return kNoNode;
  const uint64_t b = (address - base_) >> shift_;
  if (b + 1 >= bucket_.size()) return kNoNode;
  const uint64_t* lo = address_.data() + bucket_[b];
  const uint64_t* hi = address_.data() + bucket_[b + 1];
  const uint64_t* it = std::lower_bound(lo, hi, address);
  if (it == hi || *it != address) return kNoNode;
  return static_cast<uint32_t>(it - address_.data());
}

bool ObjectGraph::is_tracer(uint32_t n) const {
  return std::binary_search(tracers_.begin(), tracers_.end(), n);
}

size_t ObjectGraph::memory_bytes() const {
  return address_.capacity() * 8 + class_.capacity() * 8 + memsize_.capacity() * 8 +
         type_.capacity() + location_.capacity() * 4 + edge_off_.capacity() * 8 +
         edges_.capacity() * 4 + bucket_.capacity() * 4 + roots_.capacity() * sizeof(GraphRoot);
}

ObjectGraph ObjectGraph::build(std::vector<GraphCollector*> collectors) {
  ObjectGraph g;
  g.locations_.intern("");
  const size_t nc = collectors.size();

  // Global ids for the collectors' local types, locations and root kinds.
  std::vector<std::vector<uint32_t>> type_map(nc);
  std::vector<std::vector<uint32_t>> loc_map(nc);
  std::vector<std::vector<uint32_t>> kind_map(nc);
  uint64_t total = 0;
  for (size_t c = 0; c < nc; ++c) {
    GraphCollector::State& s = *collectors[c]->state_;
    for (uint32_t i = 0; i < s.types.size(); ++i) type_map[c].push_back(g.type_names_.intern(s.types.get(i)));
    for (size_t i = 0; i < s.locations.size(); ++i) {
      loc_map[c].push_back(g.locations_.intern(s.locations.get(static_cast<uint32_t>(i))));
    }
    for (uint32_t i = 0; i < s.root_kinds.size(); ++i) kind_map[c].push_back(g.root_kinds_.intern(s.root_kinds.get(i)));
    total += s.objects.size();
    g.stats_.bad_references += s.bad_references;
  }
  // Type ids are in order of first sight per collector, which depends on
  // the split; only names are ever shown, so that is harmless.
  for (uint32_t id = 0; id < g.type_names_.size(); ++id) {
    auto [type, imemo] = type_parts(g.type_names_.get(id));
    g.type_part_.push_back(std::move(type));
    g.imemo_part_.push_back(std::move(imemo));
  }

  // Sort every object by address: (address, collector << 40 | index).
  struct Key {
    uint64_t address;
    uint64_t source;
  };
  std::vector<Key> keys;
  keys.reserve(total);
  for (size_t c = 0; c < nc; ++c) {
    GraphCollector::State& s = *collectors[c]->state_;
    uint64_t off = 0;
    for (size_t i = 0; i < s.objects.size(); ++i) {
      Pending& p = s.objects[i];
      keys.push_back({p.address, (uint64_t{c} << 40) | i});
      p.address = off;  // the key keeps the address
      off += p.ref_count & kRefCountMask;
    }
  }
  auto pending = [&](uint64_t source) -> const Pending& {
    return collectors[source >> 40]->state_->objects[source & ((uint64_t{1} << 40) - 1)];
  };
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.address != b.address) return a.address < b.address;
    // Same address twice (never in a sound dump): order by content so the
    // kept one does not depend on the thread count.
    const Pending& pa = pending(a.source);
    const Pending& pb = pending(b.source);
    return std::memcmp(&pa.class_address, &pb.class_address, sizeof(Pending) - 8) < 0;
  });
  {
    size_t w = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (w > 0 && keys[w - 1].address == keys[i].address) {
        ++g.stats_.duplicate_addresses;
        continue;
      }
      keys[w++] = keys[i];
    }
    keys.resize(w);
  }
  const size_t n = keys.size();
  if (n >= kNoNode) throw std::length_error("more than 4 billion objects");

  g.address_.resize(n);
  g.class_.resize(n);
  g.memsize_.resize(n);
  g.type_.resize(n);
  g.location_.resize(n);
  g.edge_off_.resize(n + 1);
  constexpr uint64_t kIndexMask = (uint64_t{1} << 40) - 1;
  uint64_t class_links = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t c = keys[i].source >> 40;
    const uint64_t index = keys[i].source & kIndexMask;
    const GraphCollector::State& cs = *collectors[c]->state_;
    const Pending& p = pending(keys[i].source);
    g.address_[i] = keys[i].address;
    g.class_[i] = p.class_address;
    const uint64_t packed_memsize = p.memsize_type & kMemsizeMask;
    g.memsize_[i] = packed_memsize == kWideMemsize ? wide_value(cs.wide_memsizes, index) : packed_memsize;
    g.total_bytes_.add(g.memsize_[i]);
    const auto local_type = static_cast<uint32_t>(p.memsize_type >> 56);
    const uint32_t type =
        type_map[c][local_type == kWideLocalType ? wide_value(cs.wide_types, index) : local_type];
    if (type < kWideType) {
      g.type_[i] = static_cast<uint8_t>(type);
    } else {
      g.type_[i] = kWideType;
      g.wide_types_.emplace_back(static_cast<uint32_t>(i), type);
    }
    g.location_[i] = loc_map[c][p.location];
    // The raw count (and class flag), until the edges are resolved.
    g.edge_off_[i + 1] = (p.ref_count & kRefCountMask) |
                         ((p.ref_count & kClassEdge) != 0 ? kRawClassEdge : 0);
    if ((p.ref_count & kClassEdge) != 0) ++class_links;
    // From here on `source` names the object's first reference.
    keys[i].source = (uint64_t{c} << 40) | p.address;
  }
  // The pending objects are no longer needed.
  for (GraphCollector* c : collectors) c->state_->objects.clear();

  // Address index: about one bucket per four nodes.
  if (n > 0) {
    g.base_ = g.address_.front();
    const uint64_t span = g.address_.back() - g.base_;
    uint64_t buckets = 1;
    while (buckets < n / 4 + 1) buckets <<= 1;
    g.shift_ = 0;
    while ((span >> g.shift_) >= buckets) ++g.shift_;
    const uint64_t used = (span >> g.shift_) + 1;
    g.bucket_.assign(used + 1, 0);
    size_t i = 0;
    for (uint64_t b = 0; b <= used; ++b) {
      while (i < n && ((g.address_[i] - g.base_) >> g.shift_) < b) ++i;
      g.bucket_[b] = static_cast<uint32_t>(i);
    }
  }

  // Edges, resolved in node order; references to missing objects dropped.
  // Then the class, when it is an edge, is in the dump and was not already
  // referenced: a class outside the dump (0x8, nil, in a cref) is neither
  // an edge nor a dangling reference.
  uint64_t raw_edges = class_links;
  for (size_t c = 0; c < nc; ++c) raw_edges += collectors[c]->state_->refs.size();
  g.edges_.reserve(raw_edges);
  uint64_t raw_count = n > 0 ? g.edge_off_[1] : 0;
  for (size_t i = 0; i < n; ++i) {
    const bool class_edge = (raw_count & kRawClassEdge) != 0;
    const uint64_t count = raw_count & ~kRawClassEdge;
    if (i + 1 < n) raw_count = g.edge_off_[i + 2];
    g.edge_off_[i] = g.edges_.size();
    const auto& refs = collectors[keys[i].source >> 40]->state_->refs;
    const uint64_t first = keys[i].source & kIndexMask;
    for (uint64_t k = 0; k < count; ++k) {
      const uint32_t to = g.find(refs[first + k]);
      if (to == kNoNode) {
        ++g.stats_.dangling_references;
      } else {
        g.edges_.push_back(to);
      }
    }
    if (class_edge) {
      const uint32_t to = g.find(g.class_[i]);
      const auto first_edge = g.edges_.begin() + static_cast<ptrdiff_t>(g.edge_off_[i]);
      if (to != kNoNode && std::find(first_edge, g.edges_.end(), to) == g.edges_.end()) {
        g.edges_.push_back(to);
        ++g.stats_.class_edges;
      }
    }
  }
  g.edge_off_[n] = g.edges_.size();
  g.stats_.edges = g.edges_.size();
  if (g.edges_.capacity() > g.edges_.size() + g.edges_.size() / 8) g.edges_.shrink_to_fit();
  release(&keys);
  for (GraphCollector* c : collectors) c->state_->refs.clear();

  // Roots, in file order.
  struct RootSource {
    uint64_t order;
    size_t collector;
    size_t index;
  };
  std::vector<RootSource> root_sources;
  for (size_t c = 0; c < nc; ++c) {
    const auto& roots = collectors[c]->state_->roots;
    for (size_t i = 0; i < roots.size(); ++i) root_sources.push_back({roots[i].order, c, i});
  }
  std::sort(root_sources.begin(), root_sources.end(),
            [](const RootSource& a, const RootSource& b) { return a.order < b.order; });
  for (const RootSource& rs : root_sources) {
    const GraphCollector::State& s = *collectors[rs.collector]->state_;
    const PendingRoot& pr = s.roots[rs.index];
    const uint32_t kind = kind_map[rs.collector][pr.kind];
    for (uint64_t k = 0; k < pr.ref_count; ++k) {
      const uint32_t node = g.find(s.root_refs[pr.ref_begin + k]);
      if (node == kNoNode) {
        ++g.stats_.dangling_root_references;
      } else {
        g.roots_.push_back({node, kind});
      }
    }
  }
  g.stats_.root_references = g.roots_.size();
  g.stats_.root_records = root_sources.size();
  for (GraphCollector* c : collectors) {
    for (uint64_t a : c->state_->tracers) {
      const uint32_t node = g.find(a);
      if (node != kNoNode) g.tracers_.push_back(node);
    }
  }
  std::sort(g.tracers_.begin(), g.tracers_.end());
  g.tracers_.erase(std::unique(g.tracers_.begin(), g.tracers_.end()), g.tracers_.end());
  for (GraphCollector* c : collectors) c->state_ = std::make_unique<GraphCollector::State>();
  return g;
}

}  // namespace heapdump
