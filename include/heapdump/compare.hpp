// `compare A B --by KEY`: per group, A, B and the difference (no object identity).
#pragma once

#include <cstdint>
#include <vector>

#include "heapdump/group_by.hpp"
#include "heapdump/names.hpp"
#include "heapdump/table.hpp"

namespace heapdump {

/// Joins the groups of dump A and dump B by name. Table "compare_by_KEY":
/// KEY (text), objects_a, bytes_a, objects_b, bytes_b (count/bytes; 0 where
/// the group is absent), objects_delta (count_delta), bytes_delta
/// (bytes_delta) = B - A, status (text: "NEW" if only in B, "GONE" if only
/// in A, null otherwise). Sorted by growth: bytes_delta descending, then
/// objects_delta descending, then first appearance in B, then (groups only
/// in A) first appearance in A. Cut to `top_n` rows. Totals: objects_a,
/// bytes_a, objects_b, bytes_b over all objects of each dump.
///
/// For the class key, groups named by an address (is_address_kind: the
/// instances of one anonymous class, of one singleton class of an unnamed
/// object) are summed first into one group per kind, kAnonymousClassesGroup
/// and kUnnamedSingletonsGroup (heapdump/names.hpp): the two dumps may come
/// from different processes, where one address means nothing to the other.
/// Totals address_groups_a and address_groups_b say how many were summed.
Table compare_groups(GroupKey key, std::vector<Group> a, std::vector<Group> b, uint64_t top_n);

}  // namespace heapdump
