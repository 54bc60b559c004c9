#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "analyze/prefetch_queue.hpp"

using namespace heapdump;

TEST_CASE("PrefetchQueue applies each item N pushes later, oldest first") {
  PrefetchQueue<int, 3> queue;
  std::vector<int> applied;
  auto apply = [&](const int& v) { applied.push_back(v); };
  for (int i = 0; i < 10; ++i) {
    queue.push(apply) = i;
    // Item k is applied by the push of item k + 3.
    std::vector<int> expected;
    for (int k = 0; k + 3 <= i; ++k) expected.push_back(k);
    CHECK(applied == expected);
    CHECK(queue.size() == static_cast<size_t>(std::min(i + 1, 3)));
  }
  queue.drain(apply);
  CHECK(applied == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(queue.size() == 0);
  queue.drain(apply);  // empty: nothing more
  CHECK(applied.size() == 10);
}

TEST_CASE("PrefetchQueue: drain before it is full, then go on; the slot is filled in place") {
  PrefetchQueue<std::string, 4> queue;
  std::string seen;
  auto apply = [&](const std::string& s) { seen += s + ","; };
  queue.push(apply) = "a";
  queue.push(apply) += "b";  // a slot filled in place (default-constructed at first)
  queue.drain(apply);
  CHECK(seen == "a,b,");
  // After a drain the order is still first in, first out, across the wrap.
  for (const char* s : {"c", "d", "e", "f", "g", "h"}) queue.push(apply).assign(s);
  CHECK(seen == "a,b,c,d,");
  queue.drain(apply);
  CHECK(seen == "a,b,c,d,e,f,g,h,");
}

TEST_CASE("PrefetchQueue of one item applies the previous item on every push") {
  PrefetchQueue<int, 1> queue;
  std::vector<int> applied;
  auto apply = [&](const int& v) { applied.push_back(v); };
  queue.push(apply) = 7;
  CHECK(applied.empty());
  queue.push(apply) = 8;
  CHECK(applied == std::vector<int>{7});
  queue.drain(apply);
  CHECK(applied == std::vector<int>{7, 8});
}
