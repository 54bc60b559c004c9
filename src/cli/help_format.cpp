#include "cli/help_format.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "heapdump/names.hpp"

namespace heapdump {

size_t help_width() {
  struct winsize ws {};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return std::clamp<size_t>(ws.ws_col, 40, 200);
  }
  return 80;
}

std::string wrap_words(const std::string& text, size_t width, size_t indent) {
  std::string out;
  size_t column = indent;  // the first line starts at the indent too (after a left column)
  bool line_start = true;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\n') {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
      line_start = true;
      ++i;
      continue;
    }
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\n') ++end;
    const size_t word = end - i;
    if (!line_start && column + 1 + word > width) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
      line_start = true;
    }
    if (!line_start) {
      out += ' ';
      ++column;
    }
    out.append(text, i, word);
    column += word;
    line_start = false;
    i = end;
  }
  return out;
}

std::string option_metavar(const CLI::Option& opt) {
  if (!opt.get_option_text().empty()) return opt.get_option_text();
  const std::string type = opt.get_type_name();
  std::vector<std::string> parts;
  std::stringstream in(type);
  for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
  if (parts.empty()) return "VALUE";
  if (parts[0] == "UINT" || parts[0] == "INT" || parts[0] == "FLOAT") return "N";
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      std::string set = p.substr(1, p.size() - 2);
      std::replace(set.begin(), set.end(), ',', '|');
      return set;
    }
    if (!p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return p;
    }
  }
  if (parts[0] != "TEXT") return parts[0];
  // Free text: the option's own name (--class CLASS, --dir DIR).
  if (opt.get_lnames().empty()) return "VALUE";
  std::string name = opt.get_lnames()[0];
  for (char& c : name) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return name;
}

HelpFormatter::HelpFormatter(size_t width) : width_(width) {
  column_width(28);
  label("Subcommands", "Commands");
  label("SUBCOMMAND", "COMMAND");
}

std::string HelpFormatter::two_columns(const std::string& left, const std::string& right) const {
  std::string out = "  " + left;
  if (!right.empty()) {
    const size_t column = get_column_width();
    if (out.size() + 1 > column) {
      out += '\n';
      out.append(column, ' ');
    } else {
      out.append(column - out.size(), ' ');
    }
    const size_t room = width_ > column + 20 ? width_ : column + 20;
    out += wrap_words(right, room, column);
  }
  out += '\n';
  return out;
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  if (opt->get_type_size() == 0 || opt->get_type_name().empty()) return "";  // a flag
  std::string out = " " + option_metavar(*opt);
  if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
  return out;
}

std::string HelpFormatter::make_option(const CLI::Option* opt, bool is_positional) const {
  std::string left = is_positional ? opt->get_name(true, false) : opt->get_name(false, true);
  if (is_positional) {
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) left += " ...";
  } else {
    left += make_option_opts(opt);
  }
  std::string desc = opt->get_description();
  if (!opt->get_default_str().empty() && desc.find("(default") == std::string::npos) {
    desc += " (default " + opt->get_default_str() + ")";
  }
  return two_columns(left, desc);
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
  return two_columns(sub->get_display_name(true), sub->get_description());
}

std::string HelpFormatter::make_description(const CLI::App* app) const {
  const std::string desc = app->get_description();
  return desc.empty() ? std::string() : wrap_words(desc, width_, 0) + "\n";
}

std::string nearest_option(const CLI::App& app, const std::string& typed) {
  std::string best;
  size_t best_distance = 0;
  const bool long_form = typed.rfind("--", 0) == 0;
  const std::string bare = typed.substr(long_form ? 2 : 1);
  if (bare.empty()) return "";
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      for (const std::string& name : opt->get_lnames()) {
        size_t d = edit_distance(bare, name);
        // A prefix (--thread for --threads) is as close as one edit.
        if (name.rfind(bare, 0) == 0 && bare.size() >= 3) d = std::min<size_t>(d, 1);
        const size_t allowed = name.size() <= 4 ? 1 : 2;
        if (d <= allowed && (best.empty() || d < best_distance)) {
          best = "--" + name;
          best_distance = d;
        }
      }
    }
    if (!best.empty()) break;  // the command's own options first
  }
  return best;
}

}  // namespace heapdump
