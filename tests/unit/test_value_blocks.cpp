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

namespace {

// The slabs taken so far, process-wide.
std::size_t value_slabs() {
  std::size_t n = 0;
  for (void* s = paxsim::detail::g_value_slabs.load(); s != nullptr; s = *static_cast<void**>(s)) ++n;
  return n;
}

}  // namespace

TEST_CASE("value blocks: a thread that ends hands its blocks to the next thread that runs out") {
  // 20,000 values of one class (about 3 MB of blocks): made and freed on a
  // thread that then ends, then made again on a new thread, which takes the
  // ended thread's blocks instead of new slabs.
  const auto make_and_free = [] {
    std::vector<Value> v;
    v.reserve(20000);
    for (int i = 0; i < 20000; ++i) v.emplace_back(std::string(100, static_cast<char>('a' + i % 26)));
    CHECK(v[12345].view() == std::string(100, static_cast<char>('a' + 12345 % 26)));
  };
  std::thread(make_and_free).join();
  const std::size_t after_first = value_slabs();
  std::thread(make_and_free).join();
  CHECK(value_slabs() == after_first);
  // The same for the unused rest of an ended thread's newest slab: fifty
  // threads, one after another, each make ten small values (kept alive
  // here, so only the rests of slabs are free). Each would take a slab of
  // its own for them; they share one or two.
  std::vector<Value> kept;
  const std::size_t before_rests = value_slabs();
  for (int t = 0; t < 50; ++t) {
    std::thread([&kept] {
      for (int i = 0; i < 10; ++i) kept.emplace_back(std::string(20, 'r'));
    }).join();
  }
  CHECK(value_slabs() - before_rests <= 2);
  CHECK(kept.size() == 500);
  CHECK(kept[321].view() == std::string(20, 'r'));
}
