// The small containers on the hot path: a leader's window of proposals in
// flight (paxos/slot_window.hpp) and the simulator's per-disk queues
// (sim/fifo.hpp), each checked against the standard container it replaces.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "paxos/slot_window.hpp"
#include "sim/fifo.hpp"

namespace {

template <class T>
std::vector<std::pair<paxsim::Slot, T>> items(const paxsim::SlotWindow<T>& w) {
  std::vector<std::pair<paxsim::Slot, T>> out;
  w.for_each([&](paxsim::Slot s, const T& v) { out.emplace_back(s, v); });
  return out;
}

template <class T>
std::vector<std::pair<paxsim::Slot, T>> items(const std::map<paxsim::Slot, T>& m) {
  return {m.begin(), m.end()};
}

}  // namespace

TEST_CASE("slot window: behaves as a map of slots added in increasing order, erased in any") {
  paxsim::SlotWindow<std::string> w;
  std::map<paxsim::Slot, std::string> m;
  std::uint64_t x = 12345;
  auto next = [&x] { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
  paxsim::Slot top = 7;
  for (int round = 0; round < 3000; ++round) {
    const std::uint64_t r = next() >> 33;
    if (r % 3 != 0 || m.empty()) {
      top += 1 + (r >> 8) % 3;  // sometimes skips slots
      w.add(top) = "v" + std::to_string(top);
      m[top] = "v" + std::to_string(top);
    } else {
      auto it = m.begin();
      std::advance(it, static_cast<long>((r >> 4) % m.size()));
      w.erase(it->first);
      m.erase(it);
    }
    REQUIRE(w.size() == m.size());
    if (round % 97 == 0) {
      CHECK(items(w) == items(m));
      for (paxsim::Slot s = top > 40 ? top - 40 : 0; s <= top + 2; ++s) {
        const std::string* f = w.find(s);
        auto it = m.find(s);
        REQUIRE((f != nullptr) == (it != m.end()));
        if (f) CHECK(*f == it->second);
      }
    }
    if (round == 1500) {  // emptied, then refilled from far above
      w.clear();
      m.clear();
      top += 1000;
      CHECK(w.empty());
      CHECK(w.find(top - 1000) == nullptr);
    }
  }
  CHECK(items(w) == items(m));
}

TEST_CASE("slot window: a slot added again is the same element, and a new one reuses its cell") {
  paxsim::SlotWindow<std::vector<int>> w;
  w.add(5).push_back(1);
  w.add(5).push_back(2);  // present: returned as it is
  CHECK(w.size() == 1);
  CHECK(*w.find(5) == std::vector<int>{1, 2});
  w.erase(5);
  CHECK(w.empty());
  CHECK(w.find(5) == nullptr);
  w.add(6);  // not below the lowest present slot: fine after emptying
  CHECK(w.size() == 1);
  CHECK(w.find(6) != nullptr);
}

TEST_CASE("fifo: first in, first out across growth and wrap-around") {
  paxsim::sim::Fifo<std::string> f;
  std::deque<std::string> d;
  int n = 0;
  for (int round = 0; round < 500; ++round) {
    const int pushes = round % 7 == 0 ? 40 : 3;
    for (int i = 0; i < pushes; ++i) {
      f.push() = std::to_string(n);
      d.push_back(std::to_string(n));
      ++n;
    }
    for (int i = 0; i < 4 && !d.empty(); ++i) {
      REQUIRE(f.front() == d.front());
      f.pop_front();
      d.pop_front();
    }
    REQUIRE(f.size() == d.size());
    if (!d.empty()) CHECK(f.back() == d.back());
  }
  std::vector<std::string> seen;
  f.for_each([&](const std::string& s) { seen.push_back(s); });
  CHECK(seen == std::vector<std::string>(d.begin(), d.end()));
  f.clear();
  CHECK(f.empty());
  f.push() = "again";
  CHECK(f.front() == "again");
  CHECK(f.size() == 1);
}
