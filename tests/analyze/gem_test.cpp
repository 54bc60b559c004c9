#include <catch2/catch.hpp>

#include "heapdump/gem.hpp"

using namespace heapdump;

TEST_CASE("gem_of: gems by NAME-VERSION, real paths from fixtures/boot_sinatra.json.gz") {
  CHECK(gem_of("/usr/share/rubygems-integration/all/gems/rack-2.2.22/lib/rack/utils.rb") ==
        "rack-2.2.22");
  CHECK(gem_of("/usr/share/rubygems-integration/all/gems/rack-protection-3.0.5/lib/rack/"
               "protection/base.rb") == "rack-protection-3.0.5");
  CHECK(gem_of("/usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/gems/json-2.6.3/lib/json/"
               "common.rb") == "json-2.6.3");
  CHECK(gem_of("/usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/extensions/x86_64-linux/"
               "3.1.0/json-2.6.3/json/ext/generator.so") == "json-2.6.3");
  CHECK(gem_of("/usr/share/rubygems-integration/all/specifications/sinatra-3.0.5.gemspec") ==
        "sinatra-3.0.5");
  // Bundler: the innermost /gems/ directory; git checkouts; platform gems.
  CHECK(gem_of("/app/vendor/bundle/ruby/3.1.0/gems/zeitwerk-2.6.6/lib/zeitwerk/loader.rb") ==
        "zeitwerk-2.6.6");
  CHECK(gem_of("/usr/local/bundle/bundler/gems/rails-8a3b2c1d/activesupport/lib/x.rb") ==
        "rails-8a3b2c1d");
  CHECK(gem_of("/usr/local/lib/ruby/gems/3.3.0/gems/nokogiri-1.15.4-x86_64-linux/lib/n.rb") ==
        "nokogiri-1.15.4-x86_64-linux");
}

TEST_CASE("gem_of: Ruby itself, vendor/site libraries, internal and eval, the app") {
  CHECK(gem_of("/usr/lib/ruby/3.1.0/uri/generic.rb") == "ruby/lib");
  CHECK(gem_of("/usr/lib/x86_64-linux-gnu/ruby/3.1.0/openssl.so") == "ruby/lib");
  CHECK(gem_of("/home/me/.rbenv/versions/3.3.0/lib/ruby/3.3.0/set.rb") == "ruby/lib");
  CHECK(gem_of("/opt/ruby/lib/ruby/2.7.0/x86_64-linux/socket.so") == "ruby/lib");
  CHECK(gem_of("/usr/lib/ruby/vendor_ruby/rubygems/specification.rb") == "vendor_ruby/rubygems");
  CHECK(gem_of("/usr/lib/ruby/vendor_ruby/rubygems.rb") == "vendor_ruby/rubygems");
  CHECK(gem_of("/usr/lib/ruby/vendor_ruby/tilt/mapping.rb") == "vendor_ruby/tilt");
  CHECK(gem_of("/usr/local/lib/site_ruby/3.1.0/foo/bar.rb") == "site_ruby/foo");
  CHECK(gem_of("<internal:timev>") == "ruby/internal");
  CHECK(gem_of("<internal:/usr/lib/ruby/vendor_ruby/rubygems/core_ext/kernel_require.rb>") ==
        "vendor_ruby/rubygems");
  CHECK(gem_of("(eval)") == "(eval)");
  CHECK(gem_of("(eval at /app/x.rb:3)") == "(eval)");
  CHECK(gem_of("(irb)") == "(irb)");
  CHECK(gem_of("gen/sinatra_app.rb") == "app");
  CHECK(gem_of("/app/app/models/user.rb") == "app");
  CHECK(gem_of("/srv/gems/readme.rb") == "app");      // /gems/ without NAME-VERSION
  CHECK(gem_of("/srv/gems/foo-1.0") == "app");        // not a directory
  CHECK(gem_of("/usr/lib/ruby/3.1.0") == "app");      // the version dir must hold the file
  CHECK(gem_of("") == "app");
}
