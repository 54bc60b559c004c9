// Tables shaped like the aggregators' output, shared by the renderer tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "heapdump/table.hpp"

namespace heapdump::test {

/// An empty table with a text column and a number column of `kind`.
inline Table two_columns(std::string name, std::string text_column, std::string number_column,
                         Column::Kind kind) {
  Table t;
  t.name = std::move(name);
  t.columns = {{std::move(text_column), Column::Kind::kText}, {std::move(number_column), kind}};
  return t;
}

/// `read FILE`'s "generations" table: the nil generation and generation 1.
inline Table summary_table() {
  Table t;
  t.name = "generations";
  t.columns = {{"generation", Column::Kind::kInteger},
               {"objects", Column::Kind::kCount},
               {"bytes", Column::Kind::kBytes}};
  t.rows = {{Cell{}, uint64_t{6579}, uint64_t{831897}}, {uint64_t{1}, uint64_t{32}, uint64_t{1536}}};
  t.totals = {{"objects", 6611}, {"bytes", 833433}, {"generations", 2}};
  return t;
}

/// `diff`'s table: one row with a location, one with a null file and line.
inline Table diff_table() {
  Table t;
  t.name = "diff";
  t.columns = {{"type", Column::Kind::kText},
               {"objects", Column::Kind::kCount},
               {"bytes", Column::Kind::kBytes},
               {"file", Column::Kind::kText},
               {"line", Column::Kind::kInteger}};
  t.rows = {{std::string("STRING"), uint64_t{360}, uint64_t{14400}, std::string("gen/leak.rb"), uint64_t{79}},
            {std::string("DATA"), uint64_t{1}, uint64_t{8}, Cell{}, Cell{}}};
  t.totals = {{"objects", 361}, {"bytes", 14408}};
  return t;
}

}  // namespace heapdump::test
