// What the parsing threads of one read share to keep string values small.
#pragma once

#include <memory>

namespace heapdump {

/// The first sighting of every string value an aggregator family (the
/// per-thread DrillDowns of one read, merged into one at the end) selects,
/// as a 128-bit fingerprint of the value with the byte offset and location
/// of that sighting, and never the value's text. A value's text is copied
/// by the aggregator that sees it a second time, in whichever thread, so
/// every value seen at least twice has its text in exactly the aggregators
/// that saw it after its first sighting, and a value seen once costs 32
/// bytes of this table instead of its text. Safe to use from every parsing
/// thread at once. (Defined in src/analyze/sighting_table.hpp.)
class ValueSightings;
/// The same for StringReport, which also keeps the first sighting's
/// memsize (40 bytes a value).
class StringSightings;

/// New, empty tables, each to be passed to every aggregator of one family.
std::shared_ptr<ValueSightings> make_value_sightings();
std::shared_ptr<StringSightings> make_string_sightings();

}  // namespace heapdump
