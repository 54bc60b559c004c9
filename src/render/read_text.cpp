#include <string>
#include <vector>

#include "heapdump/read_report.hpp"
#include "heapdump/render.hpp"

namespace heapdump {
namespace {

/// Ensures the text ends in exactly one blank line before the next section.
void section_gap(std::string* out) {
  if (out->size() >= 2 && out->compare(out->size() - 2, 2, "\n\n") == 0) return;
  *out += '\n';
}

}  // namespace

void render_read_text(const ReadReport& built, std::string* out) {
  const std::vector<Table>& tables = built.report.tables;
  if (built.summary) {
    render_summary_text(tables[0], out);
    return;
  }
  const auto groups = tables.begin() + static_cast<std::ptrdiff_t>(built.drill_tables);
  const auto strings = groups + static_cast<std::ptrdiff_t>(built.group_tables);
  if (built.drill_tables > 0) {
    render_drill_down_text(built.label, std::vector<Table>(tables.begin(), groups), out);
  } else {
    render_analyzing_title(
        built.label.empty() ? std::string("all objects") : "Generation: " + built.label, out);
  }
  bool first_section = built.drill_tables == 0;
  for (auto t = groups; t != strings; ++t) {
    if (!first_section) section_gap(out);
    render_groups_text(*t, out);
    first_section = false;
  }
  if (strings != tables.end()) {
    if (!first_section) section_gap(out);
    render_strings_text(std::vector<Table>(strings, tables.end()), out);
  }
}

}  // namespace heapdump
