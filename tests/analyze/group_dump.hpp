// The dump group_by_test.cpp and generation_groups_test.cpp count by hand.
// 0xc1 is named "Foo" at the end; 0xc2 and 0xc3 are both "Dup"; 0xc9 has no
// name. 0x7 has no file (before tracing). Generations: nil 0x7, 0xc1, 0xc3;
// 1: 0x1, 0x2, 0x5; 2: 0x3, 0x6; 3: 0x4; 4: 0xc2.
#pragma once

#include <string>

namespace heapdump::test {

inline const std::string kGroupDump =
    "{\"type\":\"ROOT\", \"root\":\"vm\", \"references\":[\"0x1\"]}\n"
    "{\"address\":\"0x1\", \"type\":\"STRING\", \"class\":\"0xc2\", \"value\":\"x\", \"file\":\"/g/gems/rack-2.2.4/lib/r.rb\", \"line\":2, \"method\":\"call\", \"generation\":1, \"memsize\":10}\n"
    "{\"address\":\"0x2\", \"type\":\"STRING\", \"class\":\"0xc1\", \"value\":\"x\", \"file\":\"a.rb\", \"line\":1, \"method\":\"go\", \"generation\":1, \"memsize\":30}\n"
    "{\"address\":\"0x3\", \"type\":\"ARRAY\", \"class\":\"0xc9\", \"file\":\"a.rb\", \"line\":1, \"method\":\"go\", \"generation\":2, \"memsize\":20}\n"
    "{\"address\":\"0x4\", \"type\":\"STRING\", \"class\":\"0xc3\", \"value\":\"y\", \"file\":\"/usr/lib/ruby/3.1.0/set.rb\", \"generation\":3, \"memsize\":30}\n"
    "{\"address\":\"0x5\", \"type\":\"IMEMO\", \"class\":\"0xc2\", \"imemo_type\":\"env\", \"file\":\"a.rb\", \"line\":2, \"generation\":1, \"memsize\":5}\n"
    "{\"address\":\"0x6\", \"type\":\"DATA\", \"class\":\"0xc1\", \"struct\":\"proc\", \"file\":\"a.rb\", \"line\":1, \"generation\":2, \"memsize\":7}\n"
    "{\"address\":\"0x7\", \"type\":\"NODE\", \"memsize\":100}\n"
    "{\"address\":\"0xc1\", \"type\":\"CLASS\", \"name\":\"Foo\", \"memsize\":0}\n"
    "{\"address\":\"0xc2\", \"type\":\"CLASS\", \"name\":\"Dup\", \"file\":\"a.rb\", \"line\":9, \"generation\":4, \"memsize\":0}\n"
    "{\"address\":\"0xc3\", \"type\":\"CLASS\", \"name\":\"Dup\", \"memsize\":0}\n";

}  // namespace heapdump::test
