// The object graph of one dump: dense node ids, CSR edges, GC roots.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analyze/string_pool.hpp"
#include "heapdump/allocation_tracer.hpp"
#include "heapdump/byte_sum.hpp"
#include "heapdump/names.hpp"
#include "heapdump/sink.hpp"

namespace heapdump {

/// Frees a container's memory now (`v = {}` keeps the capacity). The graph
/// builders use it to drop scratch arrays as soon as a phase is done.
template <typename V>
void release(V* v) {
  V().swap(*v);
}

/// "No node": an address that is not in the dump, an unreachable node, ...
inline constexpr uint32_t kNoNode = UINT32_MAX;

/// One reference from a ROOT record, resolved to a node.
struct GraphRoot {
  uint32_t node;
  uint32_t kind;  ///< index into ObjectGraph::root_kind()
};

/// What building the graph found besides nodes and edges.
struct GraphStats {
  uint64_t edges = 0;                ///< resolved references (duplicates kept) + class edges
  uint64_t class_edges = 0;          ///< edges from an object to its class (see class_slot_is_edge)
  uint64_t dangling_references = 0;  ///< object references to addresses not in the dump
  uint64_t root_references = 0;      ///< resolved ROOT references (duplicates kept)
  uint64_t dangling_root_references = 0;  ///< ROOT references to addresses not in the dump
  uint64_t duplicate_addresses = 0;  ///< objects dropped because an earlier one had the address
  uint64_t root_records = 0;         ///< ROOT records, with or without references
  uint64_t bad_references = 0;       ///< "references" entries that are not addresses
};

/// Whether an object's "class" slot is an edge of the graph. Ruby writes the
/// class as "class", never in "references", but the GC marks it (for an IMEMO
/// the slot holds another field: an env's iseq, a cref's class, a method
/// entry's defined class, a constant cache's value), except for FLOAT, BIGNUM
/// and SYMBOL objects, whose class is not marked, and IMEMO callcaches, whose
/// class slot is a weak reference (gc.c, gc_mark_children/gc_mark_imemo).
/// A class address that is not in the dump is never an edge (ObjectGraph::build).
bool class_slot_is_edge(std::string_view type, std::string_view imemo_type);

/// Collects what one parsing thread sees. Feed it records (or call
/// add_object/add_root directly), then hand every collector to
/// ObjectGraph::build(). Strings are copied.
class GraphCollector final : public RecordSink {
 public:
  GraphCollector();
  ~GraphCollector() override;
  void on_record(const ObjectRecord& record) override;

  /// An object. `file` empty and line 0 mean "no allocation info".
  /// `class_is_edge`: the class (when it is in the dump) is an edge too
  /// (class_slot_is_edge() for a record).
  void add_object(uint64_t address, std::string_view type, uint64_t class_address,
                  bool class_is_edge, uint64_t memsize, std::string_view file, bool has_file, uint64_t line,
                  bool has_line, const uint64_t* refs, size_t ref_count,
                  std::string_view imemo_type = {});
  /// A ROOT record; `order` sorts roots (the byte offset in a real read).
  void add_root(std::string_view name, uint64_t order, const uint64_t* refs, size_t ref_count);

 private:
  friend class ObjectGraph;
  struct State;
  std::unique_ptr<State> state_;
};

/// Nodes are numbered 0..size()-1 in address order. Per node: address,
/// class address, memsize, type id (one byte, see type_), location id and
/// an edge offset (37 bytes), plus ~1.5 bytes of address index; 4 bytes per edge.
class ObjectGraph {
 public:
  ObjectGraph() = default;
  ObjectGraph(ObjectGraph&&) = default;
  ObjectGraph& operator=(ObjectGraph&&) = default;

  /// Merges the collectors (emptying them) into a graph. Deterministic:
  /// the result does not depend on how records were spread over collectors.
  static ObjectGraph build(std::vector<GraphCollector*> collectors);

  uint32_t size() const { return static_cast<uint32_t>(address_.size()); }
  uint64_t address(uint32_t n) const { return address_[n]; }
  uint64_t class_address(uint32_t n) const { return class_[n]; }
  uint64_t memsize(uint32_t n) const { return memsize_[n]; }
  /// Starts loading memsize(n) (for a loop that reads nodes at random).
  void prefetch_memsize(uint32_t n) const { __builtin_prefetch(&memsize_[n]); }
  /// The type's id (in order of first sight: any number of distinct names).
  uint32_t type_id(uint32_t n) const {
    if (type_[n] != kWideType) return type_[n];
    auto it = std::lower_bound(wide_types_.begin(), wide_types_.end(), std::make_pair(n, uint32_t{0}));
    return it->second;
  }
  std::string_view type(uint32_t n) const { return type_part_[type_id(n)]; }
  /// An IMEMO's "imemo_type" ("" for other objects). Type ids tell IMEMO
  /// types apart: objects of one type id have one type and imemo_type.
  std::string_view imemo_type(uint32_t n) const { return imemo_part_[type_id(n)]; }
  /// "file:line" ("file:" without a line), or "" without allocation info.
  std::string_view location(uint32_t n) const { return locations_.get(location_[n]); }
  uint32_t location_id(uint32_t n) const { return location_[n]; }
  size_t location_count() const { return locations_.size(); }
  std::string_view location_name(uint32_t id) const { return locations_.get(id); }

  const uint32_t* edges_begin(uint32_t n) const { return edges_.data() + edge_off_[n]; }
  const uint32_t* edges_end(uint32_t n) const { return edges_.data() + edge_off_[n + 1]; }
  uint64_t edge_count() const { return edges_.size(); }

  /// Ruby's allocation tracer: the objects is_allocation_tracer() says are
  /// (heapdump/allocation_tracer.hpp), in node order.
  const std::vector<uint32_t>& tracers() const { return tracers_; }
  bool is_tracer(uint32_t n) const;

  /// ROOT references in file order (a node may appear several times).
  const std::vector<GraphRoot>& roots() const { return roots_; }
  std::string root_kind(uint32_t kind) const { return std::string(root_kinds_.get(kind)); }

  /// The node at `address`, or kNoNode.
  uint32_t find(uint64_t address) const;

  const GraphStats& stats() const { return stats_; }
  /// Sum of every node's memsize.
  uint128 total_bytes() const { return total_bytes_.value(); }
  /// Bytes held by the graph's arrays (capacity, not counting strings).
  size_t memory_bytes() const;

 private:
  std::vector<uint64_t> address_;
  std::vector<uint64_t> class_;
  std::vector<uint64_t> memsize_;
  /// Type ids below kWideType, one byte a node; a node of a later type
  /// (only in made-up dumps: Ruby has about 20) holds kWideType and its id
  /// is in wide_types_, (node, id) by node.
  static constexpr uint8_t kWideType = 255;
  std::vector<uint8_t> type_;
  std::vector<std::pair<uint32_t, uint32_t>> wide_types_;
  std::vector<uint32_t> location_;
  std::vector<uint64_t> edge_off_;  // size()+1
  std::vector<uint32_t> edges_;
  // find(): bucket b holds the nodes whose (address - base_) >> shift_ == b.
  std::vector<uint32_t> bucket_;  // buckets+1 start indexes
  uint64_t base_ = 0;
  unsigned shift_ = 0;

  StringPool type_names_;  // keys: type_key() of (type, imemo_type)
  std::vector<std::string> type_part_, imemo_part_;  // per type id
  StringPool locations_;  // id 0 is ""
  std::vector<GraphRoot> roots_;
  std::vector<uint32_t> tracers_;
  StringPool root_kinds_;
  GraphStats stats_;
  ByteSum total_bytes_;  // exact: memsizes can add up past 2^64
};

}  // namespace heapdump
