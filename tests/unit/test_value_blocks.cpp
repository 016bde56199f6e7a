// Value blocks (paxos/value.hpp): a freed value's block is reused by the
// next value of its size class on the same thread, and values made on one
// thread and released on another (fuzz -j), after their maker ended, stay
// whole. The sanitizer build runs these too, for leaks and misuse.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "paxos/value.hpp"

using paxsim::Value;

TEST_CASE("value blocks: a freed block serves the next value of its size class") {
  const char* first = nullptr;
  {
    const Value a(std::string(40, 'a'));
    first = a.data();
  }
  const Value b(std::string(41, 'b'));  // the same 16-byte class
  CHECK(b.data() == first);
  CHECK(b.view() == std::string(41, 'b'));
  const Value big(std::string(1000, 'c'));  // beyond the classes kept: operator new and delete
  CHECK(big.size() == 1000);
}

TEST_CASE("value blocks: values made on one thread and released on others") {
  std::vector<Value> made;
  std::thread maker([&made] {
    for (int i = 0; i < 5000; ++i) made.emplace_back(std::string(static_cast<std::size_t>(1 + i % 300), 'x'));
  });
  maker.join();  // the maker ended; its values (in its slabs) live on
  // Each taker holds the last handles on half of them, and releases them
  // on its own thread, into its own free lists, and makes values of its own.
  std::vector<std::vector<Value>> halves(2);
  for (std::size_t i = 0; i < made.size(); ++i) halves[i % 2].push_back(made[i]);
  std::vector<Value> kept(made.begin(), made.begin() + 100);  // these are released here, last
  made.clear();
  std::vector<std::thread> takers;
  for (std::vector<Value>& half : halves) {
    takers.emplace_back([&half] {
      for (int i = 0; i < 3000; ++i) half.emplace_back(std::string(static_cast<std::size_t>(1 + i % 200), 'y'));
      half.clear();
    });
  }
  for (std::thread& t : takers) t.join();
  CHECK(kept[7].size() == 8);
  kept.clear();
  const Value after("after");
  CHECK(after.view() == "after");
}
