#include <catch2/catch.hpp>

#include <string>

#include "heapdump/names.hpp"
#include "test_util.hpp"

using namespace heapdump;
using namespace heapdump::test;

namespace {

// Classes as Ruby 3.1 writes them (singleton classes marked), by hand:
//  0xc0 Class, its singleton 0xd0 (whose class is itself, and also the class
//       of 0xd1: Ruby makes a class's singleton an instance of #<Class:Class>);
//  0xc1 Foo, its singleton 0xd1;
//  0xc2 Bar, its singleton 0xd5, whose singleton is 0xd4;
//  0xd2 the singleton of the plain object 0x5;
//  0xc9 an anonymous class;
//  0xd6 a singleton with two plain classes claiming it (not Ruby): ambiguous;
//  0xd7 and 0xd8 singletons of each other (not Ruby): a loop;
//  0xc7 a class Ruby 2.5 named by its address.
const std::string kClasses =
    "{\"address\":\"0xc0\", \"type\":\"CLASS\", \"class\":\"0xd0\", \"name\":\"Class\"}\n"
    "{\"address\":\"0xd0\", \"type\":\"CLASS\", \"class\":\"0xd0\", \"singleton\":true}\n"
    "{\"address\":\"0xc1\", \"type\":\"CLASS\", \"class\":\"0xd1\", \"name\":\"Foo\"}\n"
    "{\"address\":\"0xd1\", \"type\":\"CLASS\", \"class\":\"0xd0\", \"singleton\":true}\n"
    "{\"address\":\"0xc2\", \"type\":\"MODULE\", \"class\":\"0xd5\", \"name\":\"Bar\"}\n"
    "{\"address\":\"0xd5\", \"type\":\"CLASS\", \"class\":\"0xd4\", \"singleton\":true}\n"
    "{\"address\":\"0xd4\", \"type\":\"CLASS\", \"class\":\"0xd0\", \"singleton\":true}\n"
    "{\"address\":\"0xd2\", \"type\":\"CLASS\", \"class\":\"0xd0\", \"singleton\":true}\n"
    "{\"address\":\"0xc9\", \"type\":\"CLASS\", \"class\":\"0xc0\"}\n"
    "{\"address\":\"0xd6\", \"type\":\"CLASS\", \"class\":\"0xd0\", \"singleton\":true}\n"
    "{\"address\":\"0xe1\", \"type\":\"CLASS\", \"class\":\"0xd6\", \"name\":\"E1\"}\n"
    "{\"address\":\"0xe2\", \"type\":\"CLASS\", \"class\":\"0xd6\", \"name\":\"E2\"}\n"
    "{\"address\":\"0xd7\", \"type\":\"CLASS\", \"class\":\"0xd8\", \"singleton\":true}\n"
    "{\"address\":\"0xd8\", \"type\":\"CLASS\", \"class\":\"0xd7\", \"singleton\":true}\n"
    "{\"address\":\"0xc7\", \"type\":\"CLASS\", \"class\":\"0xc0\", \"name\":\"#<Class:0xc7>\"}\n";

ObjectName name_of_class(const ObjectNamer& namer, uint64_t address) {
  return namer.name("OBJECT", "", false, true, address);
}

}  // namespace

TEST_CASE("ObjectNamer: classes, singleton classes, objects without a class") {
  ClassNames classes;
  CollectingReporter rep;
  read_string(kClasses, classes, rep);
  const ObjectNamer namer(classes);
  auto text = [&](uint64_t a) { return name_of_class(namer, a).text; };
  auto kind = [&](uint64_t a) { return name_of_class(namer, a).kind; };

  CHECK(text(0xc1) == "Foo");
  CHECK(kind(0xc1) == NameKind::kClass);
  CHECK(text(0xd1) == "#<Class:Foo>");
  CHECK(kind(0xd1) == NameKind::kClass);
  // #<Class:Class> has Class and the singletons 0xd1, 0xd4, 0xd2, 0xd6 (and
  // itself) as instances: Class is the one that is not a singleton class.
  CHECK(text(0xd0) == "#<Class:Class>");
  CHECK(text(0xd5) == "#<Class:Bar>");
  CHECK(text(0xd4) == "#<Class:#<Class:Bar>>");
  // No CLASS/MODULE claims 0xd2 (its object is a plain OBJECT).
  CHECK(text(0xd2) == "#<Class:0xd2>");
  CHECK(kind(0xd2) == NameKind::kUnnamedSingleton);
  CHECK(text(0xc9) == "#<Class:0xc9>");
  CHECK(kind(0xc9) == NameKind::kAnonymousClass);
  CHECK(text(0xd6) == "#<Class:0xd6>");
  CHECK(kind(0xd6) == NameKind::kUnnamedSingleton);
  CHECK(text(0xd7) == "#<Class:0xd7>");  // the loop ends
  CHECK(text(0xd8) == "#<Class:0xd8>");
  CHECK(text(0xc7) == "#<Class:0xc7>");
  CHECK(kind(0xc7) == NameKind::kAnonymousClass);

  // Objects without a class in the dump.
  CHECK(text(0x8) == "(OBJECT)");
  CHECK(kind(0x8) == NameKind::kNoClass);
  CHECK(namer.name("STRING", "", false, false, 0).text == "(STRING)");
  // IMEMO and ICLASS "class" slots are not their class.
  CHECK(namer.name("IMEMO", "env", false, true, 0xc1).text == "<env> (IMEMO)");
  CHECK(namer.name("IMEMO", "", false, true, 0xc1).text == "(IMEMO)");
  CHECK(namer.name("ICLASS", "", false, true, 0xc2).text == "(ICLASS)");
  const ObjectName tracer = namer.name("DATA", "", true, true, 0xc1);
  CHECK(tracer.text == "(allocation tracer)");
  CHECK(tracer.kind == NameKind::kTracer);
  CHECK(namer.name("DATA", "", false, true, 0xc1).text == "Foo");

  ObjectName out;
  CHECK_FALSE(namer.class_name(0x8, &out));
  REQUIRE(namer.class_name(0xd1, &out));
  CHECK(out.text == "#<Class:Foo>");
}

TEST_CASE("ObjectNamer: the same names for any split of the read") {
  for (size_t chunk : {size_t{1}, size_t{64}, size_t{300}}) {
    CollectingReporter rep;
    // read_string with a small chunk, one ClassNames per chunk, then merged.
    ClassNames merged;
    size_t start = 0;
    while (start < kClasses.size()) {
      size_t end = kClasses.find('\n', std::min(kClasses.size() - 1, start + chunk));
      end = end == std::string::npos ? kClasses.size() : end + 1;
      ClassNames part;
      read_string(kClasses.substr(start, end - start), part, rep);
      merged.merge(part);
      start = end;
    }
    const ObjectNamer namer(merged);
    CHECK(name_of_class(namer, 0xd0).text == "#<Class:Class>");
    CHECK(name_of_class(namer, 0xd4).text == "#<Class:#<Class:Bar>>");
    CHECK(name_of_class(namer, 0xd2).text == "#<Class:0xd2>");
  }
}

TEST_CASE("close_names: case, containment and small typos, closest first") {
  const std::vector<std::string> names = {"String", "StringIO", "Hash", "Proc", "<env> (IMEMO)",
                                          "#<Class:Foo>"};
  CHECK(close_names("string", names, 8) == std::vector<std::string>{"String", "StringIO"});
  CHECK(close_names("Hsah", names, 8) == std::vector<std::string>{"Hash"});
  CHECK(close_names("env", names, 8) == std::vector<std::string>{"<env> (IMEMO)"});
  CHECK(close_names("Foo", names, 8) == std::vector<std::string>{"#<Class:Foo>"});
  CHECK(close_names("Zebra", names, 8).empty());
  CHECK(close_names("String", names, 1) == std::vector<std::string>{"String"});
}

TEST_CASE("names: an allocation site is FILE:LINE, or FILE: without a line") {
  CHECK(location_name("app/a.rb", true, 12) == "app/a.rb:12");
  CHECK(location_name("app/a.rb", true, 0) == "app/a.rb:0");
  CHECK(location_name("app/a.rb", false, 12) == "app/a.rb:");
  CHECK(location_name("", true, UINT64_MAX) == ":18446744073709551615");
  std::string out = "x ";
  append_location_name("c:/b.rb", true, 7, &out);
  CHECK(out == "x c:/b.rb:7");
  CHECK(location_file(location_name("c:/b.rb", true, 7)) == "c:/b.rb");
  CHECK(format_address(0x7f3a1c2b4d50) == "0x7f3a1c2b4d50");
}
