// A leader's table of who waits for which reply (paxos/waiters.hpp),
// checked against the sorted map it stands for: the same entries, in the
// same order, through random requests noted and answered, with clients that
// keep several requests open and client ids beyond the table's.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "paxos/waiters.hpp"

namespace {

using paxsim::EndpointId;
using paxsim::Waiters;
using Plain = std::map<std::pair<std::uint32_t, std::uint64_t>, EndpointId>;

void check_same(const Waiters& w, const Plain& plain) {
  std::vector<std::tuple<std::uint32_t, std::uint64_t, EndpointId>> seen;
  w.for_each([&](std::uint32_t c, std::uint64_t r, EndpointId who) { seen.emplace_back(c, r, who); });
  REQUIRE(seen.size() == plain.size());
  CHECK(w.size() == plain.size());
  CHECK(w.empty() == plain.empty());
  std::size_t i = 0;
  for (const auto& [k, who] : plain) {
    CHECK(seen[i] == std::make_tuple(k.first, k.second, who));
    ++i;
  }
}

}  // namespace

TEST_CASE("waiters: entries and order as a map keyed by (client, request)") {
  Waiters w;
  Plain plain;
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  const auto below = [&x](std::uint64_t n) {  // a fixed xorshift stream: the test is the same every run
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
  };
  const std::vector<std::uint32_t> clients{0, 1, 2, 7, 4095, 4096, 0xfffffff0u};
  for (int step = 0; step < 20000; ++step) {
    const std::uint32_t c = clients[below(clients.size())];
    const std::uint64_t r = 1 + below(4);  // few requests per client: repeats, and several open at once
    const EndpointId who = static_cast<EndpointId>(below(20));
    if (below(2) == 0) {
      w.wait(c, r, who);
      plain[{c, r}] = who;
    } else {
      EndpointId got = 0;
      const auto it = plain.find({c, r});
      REQUIRE(w.take(c, r, got) == (it != plain.end()));
      if (it != plain.end()) {
        CHECK(got == it->second);
        plain.erase(it);
      }
    }
    if (step % 97 == 0) check_same(w, plain);
  }
  check_same(w, plain);
}
