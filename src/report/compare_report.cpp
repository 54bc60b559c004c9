#include "heapdump/compare_report.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "heapdump/compare.hpp"
#include "report/group_work.hpp"

namespace heapdump {

std::vector<Table> compare_tables(const std::vector<GroupKey>& keys, const GroupWork& a,
                                  const GroupWork& b, uint64_t lines) {
  std::vector<Table> tables;
  for (size_t i = 0; i < keys.size(); ++i) {
    tables.push_back(compare_groups(keys[i], a.groups[i]->groups(a.names),
                                    b.groups[i]->groups(b.names), lines));
    // What Ruby's allocation tracer holds in each dump, counted or not.
    tables.back().totals.emplace_back("allocation_tracer_bytes_a", a.tracer.bytes());
    tables.back().totals.emplace_back("allocation_tracer_bytes_b", b.tracer.bytes());
  }
  return tables;
}

Status build_compare_report(const CompareOptions& o, ReadListener& listener, Report* report) {
  std::vector<GroupKey> keys;
  std::string by_text;  // the keys as given, for the report's parameters
  for (const std::string& name : o.by) {
    GroupKey key = GroupKey::kClass;
    parse_group_key(name, &key);  // the CLI checked the names
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    keys.push_back(key);
    if (!by_text.empty()) by_text += ',';
    by_text += name;
  }
  if (keys.empty()) {
    keys.push_back(GroupKey::kClass);
    by_text = "class";
  }
  PerThread<GroupWork> work_a(o.read.threads, keys, !o.include_tracer, false);
  ReadPipeline read_a(o.read);
  read_a.add(work_a.sinks());
  Status s = read_a.run(o.a, listener);
  if (!s.ok()) return s;
  const GroupWork& a = work_a.merged();
  PerThread<GroupWork> work_b(o.read.threads, keys, !o.include_tracer, false);
  ReadPipeline read_b(o.read);
  read_b.add(work_b.sinks());
  s = read_b.run(o.b, listener);
  if (!s.ok()) return s;

  *report = Report{"compare",
                   {{"a", o.a},
                    {"b", o.b},
                    {"by", by_text},
                    {"lines", o.lines},
                    {"include_tracer", uint64_t{o.include_tracer ? 1u : 0u}}},
                   compare_tables(keys, a, work_b.merged(), o.lines)};
  return s;
}

}  // namespace heapdump
