// The leader's count of acknowledgements two ways: whole (count_accepted),
// and as a Multi-Paxos node counts them, its usual case in line
// (Leader::add_vote) and the rest whole. Both must reach every quorum at the
// same acknowledgement, with the same members, and end in the same state,
// whatever the acknowledgements carry: the proposal's own value handle, the
// same text in another handle, another text, a voter seen before, with and
// without the count-duplicate-acks bug.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "paxos/leader.hpp"
#include "paxos/state_hash.hpp"

using namespace paxsim;
using namespace paxsim::test;

namespace {

NodeConfig leader_config(std::uint32_t nodes, bool duplicates) {
  NodeConfig cfg = config(0, nodes, LearningMode::decide, duplicates ? std::initializer_list<Bug>{Bug::count_duplicate_acks}
                                                                     : std::initializer_list<Bug>{});
  cfg.log = true;
  cfg.window = 4;
  return cfg;
}

// A leader of ballot (1, 0) in office, every other node having promised.
Leader elected(const NodeConfig& cfg) {
  Effects out;
  Leader l;
  l.start_election(cfg, Ballot{}, 0, out);
  for (NodeId n = 1; n < cfg.nodes && l.role() != Leader::Role::leader; ++n) {
    Message p = message(MsgKind::promise, n, 0, l.ballot());
    p.slot = 0;
    l.on_promise(cfg, p, out);
  }
  REQUIRE(l.role() == Leader::Role::leader);
  l.take_office(cfg, 0, [](Slot) { return false; }, out);
  return l;
}

std::vector<std::uint64_t> state_of(const Leader& l) {
  std::vector<std::uint64_t> words;
  StateHasher h(&words, false);
  l.hash_state(h);
  return words;
}

}  // namespace

TEST_CASE("leader: a vote counted in line (add_vote) ends as one counted whole") {
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  const auto draw = [&x](std::uint64_t n) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (x >> 33) % n;
  };
  for (const std::uint32_t nodes : {3u, 5u, 9u, 13u}) {
    for (const bool duplicates : {false, true}) {
      const NodeConfig cfg = leader_config(nodes, duplicates);
      Leader whole = elected(cfg);
      Leader usual = elected(cfg);
      std::vector<Value> values;  // the value proposed in each slot, by slot
      Effects out_whole, out_usual;
      int chosen = 0, in_line = 0;
      for (int round = 0; round < 400; ++round) {
        // Keep the window full: each submit proposes at once while it has room.
        while (whole.in_flight() < cfg.window) {
          const Value v("cmd-" + std::to_string(values.size()));
          whole.submit(cfg, v, out_whole);
          usual.submit(cfg, v, out_usual);
          values.push_back(v);
        }
        // One of the window's slots, now and then one below it (settled) or
        // one past the last (never proposed).
        const Slot low = values.size() > cfg.window ? values.size() - cfg.window - 1 : 0;
        const Slot s = low + draw(values.size() - low + 1);
        Value carried;
        switch (draw(4)) {
          case 0: carried = Value("other"); break;                                           // another text
          case 1: carried = s < values.size() ? Value(values[s].str()) : Value("x"); break;  // the same text elsewhere
          default: carried = s < values.size() ? values[s] : Value("x"); break;              // the proposal's own handle
        }
        Message m = accepted(static_cast<NodeId>(draw(nodes)), 0, whole.ballot(), carried);
        m.slot = s;
        out_whole.clear();
        out_usual.clear();
        const bool chosen_whole = whole.count_accepted(cfg, m, out_whole);
        bool chosen_usual = false;
        if (Leader::Proposal* p = usual.proposal(m.slot)) {
          if (Leader::add_vote(cfg.quorum(), *p, m)) ++in_line;
          else chosen_usual = usual.count_accepted(cfg, *p, m, out_usual);
        }
        REQUIRE(chosen_whole == chosen_usual);
        REQUIRE(out_whole.quorums.size() == out_usual.quorums.size());
        for (std::size_t i = 0; i < out_whole.quorums.size(); ++i)
          CHECK(out_whole.quorums[i].members == out_usual.quorums[i].members);
        if (chosen_whole) {
          ++chosen;
          whole.settled(m.slot);
          usual.settled(m.slot);
        }
        REQUIRE(state_of(whole) == state_of(usual));
      }
      CHECK(chosen > 10);  // the runs reach quorums, and count votes both ways
      CHECK(in_line > 10);
    }
  }
}
