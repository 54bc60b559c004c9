// How --help reads: `heapdump` in usage lines, a short metavariable per
// option (`--lines N`, `--format text|json|csv`) instead of CLI11's parser
// types, defaults in the description, and text wrapped to the terminal.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

namespace heapdump {

/// Width help is wrapped to: stdout's terminal width, or 80 when stdout is
/// not a terminal (clamped to 40..200).
size_t help_width();

/// Wraps `text` at spaces so that no line is longer than `width` (a word
/// longer than that gets a line of its own). The first line is taken to
/// start at column `indent` (after a left column the caller wrote); later
/// lines are indented by `indent` spaces. Newlines in `text` are kept.
std::string wrap_words(const std::string& text, size_t width, size_t indent);

/// The metavariable an option shows in help: its option_text() if set,
/// else from its type: N for numbers, a|b|c for a fixed set, SECONDS for
/// a type named TEXT:SECONDS, else the option's long name in capitals.
std::string option_metavar(const CLI::Option& opt);

class HelpFormatter final : public CLI::Formatter {
 public:
  explicit HelpFormatter(size_t width);
  std::string make_option(const CLI::Option* opt, bool is_positional) const override;
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_description(const CLI::App* app) const override;

 private:
  std::string two_columns(const std::string& left, const std::string& right) const;
  size_t width_;
};

/// The option of `app` (or of its parents) whose name is nearest to
/// `typed` (such as --lines for --line), or "" if none is close.
std::string nearest_option(const CLI::App& app, const std::string& typed);

}  // namespace heapdump
