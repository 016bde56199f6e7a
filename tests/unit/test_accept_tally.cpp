// The all-to-all learner's tally (paxos/accept_tally.hpp), checked against
// the std::map it replaced: the same keys in the same order, each with the
// same voters in the same order, through random counts and learned slots.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "paxos/accept_tally.hpp"
#include "paxos/value.hpp"

namespace {

using paxsim::AcceptTally;
using paxsim::Ballot;
using paxsim::NodeId;
using paxsim::Slot;
using paxsim::Value;
using Plain = std::map<std::tuple<Slot, Ballot, Value>, std::vector<NodeId>>;

void check_same(const AcceptTally& t, const Plain& plain) {
  std::vector<std::tuple<Slot, Ballot, Value, std::vector<NodeId>>> seen;
  t.for_each([&](Slot s, Ballot b, const Value& v, std::span<const NodeId> voters) {
    seen.emplace_back(s, b, v, std::vector<NodeId>(voters.begin(), voters.end()));
  });
  REQUIRE(seen.size() == plain.size());
  std::size_t i = 0;
  for (const auto& [k, voters] : plain) {
    CHECK(std::get<0>(seen[i]) == std::get<0>(k));
    CHECK(std::get<1>(seen[i]) == std::get<1>(k));
    CHECK(std::get<2>(seen[i]) == std::get<2>(k));
    CHECK(std::get<3>(seen[i]) == voters);
    ++i;
  }
  CHECK(t.empty() == plain.empty());
}

}  // namespace

TEST_CASE("accept tally: keys and voters as a map keyed by (slot, ballot, value)") {
  for (const std::uint32_t nodes : {3u, 5u, 13u}) {  // 13: a majority of 7 voters spills out of line
    AcceptTally t;
    Plain plain;
    std::uint64_t x = 0x2545f4914f6cdd1dull + nodes;
    const auto below = [&x](std::uint64_t n) {  // a fixed xorshift stream: the test is the same every run
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x % n;
    };
    const std::vector<Value> values{"a", "b", "ccccccccccccccccc"};
    Slot low = 0;  // slots learned in order below this, as a replica's first undecided slot moves
    for (int step = 0; step < 20000; ++step) {
      const std::uint64_t what = below(10);
      if (what < 7) {  // count an acceptance, mostly for the newest slots
        const Slot s = low + (below(4) == 0 ? below(40) : below(6));
        const Ballot b{1 + below(3), static_cast<NodeId>(below(nodes))};
        const Value& v = values[below(values.size())];
        const NodeId from = static_cast<NodeId>(below(nodes));
        AcceptTally::Voters& voters = t.at(s, b, v);
        std::vector<NodeId>& want = plain[{s, b, v}];
        REQUIRE(voters.size() == want.size());
        CHECK(voters.contains(from) == (std::find(want.begin(), want.end(), from) != want.end()));
        if (voters.size() < nodes) {  // the caller learns the slot once a majority is in
          voters.push_back(from);
          want.push_back(from);
        }
      } else {  // a slot learned: the lowest usually, sometimes one above
        const Slot s = what < 9 ? low++ : low + below(40);
        t.erase_slot(s);
        plain.erase(plain.lower_bound({s, Ballot{}, Value{}}), plain.lower_bound({s + 1, Ballot{}, Value{}}));
      }
      if (step % 97 == 0) check_same(t, plain);
    }
    check_same(t, plain);
    t.clear();
    CHECK(t.empty());
  }
}
