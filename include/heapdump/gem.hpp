// Which gem (or Ruby itself, or the app) an allocation file belongs to.
#pragma once

#include <string>
#include <string_view>

namespace heapdump {

/// The group name of an allocation `file` for `--by gem`, first rule that applies:
///  - "<internal:NAME>": "ruby/internal"; "<internal:/PATH>" (RubyGems' require
///    wrapper): the group of PATH.
///  - a pseudo file such as "(eval)", "(eval at x.rb:3)" or "(irb)": "(eval)",
///    "(irb)": the text up to the first space or ")", closed with ")".
///  - a path with "/gems/NAME-VERSION/" (the last such directory):
///    "NAME-VERSION", e.g. "rack-2.2.4" (also Bundler's git checkouts
///    ".../bundler/gems/NAME-REVISION/"); likewise RubyGems' compiled
///    extensions ".../extensions/PLATFORM/ABI/NAME-VERSION/..." and gem
///    specifications ".../specifications/NAME-VERSION.gemspec".
///  - Ruby's standard library, a path with "/ruby/X.Y.Z/" (e.g.
///    /usr/lib/ruby/3.1.0/set.rb, /usr/lib/x86_64-linux-gnu/ruby/3.1.0/socket.so,
///    ~/.rbenv/versions/3.3.0/lib/ruby/3.3.0/json.rb): "ruby/lib", whatever
///    the version.
///  - ".../vendor_ruby/NAME..." and ".../site_ruby/[X.Y.Z/]NAME...": libraries
///    installed outside RubyGems (Debian's ruby-* packages, RubyGems itself):
///    "vendor_ruby/NAME" / "site_ruby/NAME", NAME without ".rb" or ".so".
///  - anything else is the application's own code: "app".
std::string gem_of(std::string_view file);

/// The group of objects that have no allocation file.
inline constexpr std::string_view kNoFileGroup = "(no file)";

}  // namespace heapdump
