// The learner role on its own: counting acceptances in all-to-all mode,
// idempotent learning, catch-up, and answering peers that ask.
#include <doctest/doctest.h>

#include <optional>

#include "helpers.hpp"
#include "paxos/learner.hpp"

using namespace paxsim;
using namespace paxsim::test;

namespace {

// The learner is n1 (index 0) of five nodes: quorum 3.
constexpr NodeId k_self = 0;
constexpr std::uint32_t k_nodes = 5;

struct Ack {
  NodeId from;
  Ballot b;
  Value v;
};

// Feeds `acks` to the learner in order; returns the first value any of them
// made it learn (nullopt: none did).
std::optional<Value> feed(Learner& l, const NodeConfig& cfg, std::initializer_list<Ack> acks, Effects& e) {
  std::optional<Value> first;
  for (const Ack& a : acks) {
    std::optional<Value> v = l.on_accepted(cfg, accepted(a.from, k_self, a.b, a.v), e);
    if (v && !first) first = std::move(v);
  }
  return first;
}

NodeConfig all_to_all(std::initializer_list<Bug> bugs = {}) {
  return config(k_self, k_nodes, LearningMode::all_to_all, bugs);
}

}  // namespace

// A value is learned once a quorum of distinct acceptors accepted it in one
// ballot, and the learner reports the quorum it acted on.
TEST_CASE("learner: all-to-all learning needs a quorum in one ballot") {
  const NodeConfig cfg = all_to_all();
  Learner l;
  Effects e;
  const Ballot b = ballot(2, 1);
  CHECK_FALSE(feed(l, cfg, {{1, b, "A"}, {3, b, "A"}}, e));
  CHECK(e.quorums.empty());

  CHECK(feed(l, cfg, {{4, b, "A"}}, e) == std::optional<Value>("A"));
  REQUIRE(e.quorums.size() == 1);
  CHECK(e.quorums[0].phase == QuorumUse::Phase::accepted);
  CHECK(e.quorums[0].ballot == b);
  CHECK(e.quorums[0].members == std::vector<NodeId>{1, 3, 4});
}

// Acceptances of different values in one ballot are counted apart (a broken
// proposer could send both); neither reaches a quorum here.
TEST_CASE("learner: acceptances of different values are not combined") {
  const NodeConfig cfg = all_to_all();
  Learner l;
  Effects e;
  const Ballot b = ballot(2, 1);
  CHECK_FALSE(feed(l, cfg, {{1, b, "A"}, {2, b, "B"}, {3, b, "A"}, {4, b, "B"}}, e));
  CHECK(e.quorums.empty());
}

// The network duplicates messages: one acceptor counts once.
TEST_CASE("learner: duplicate acceptances count once") {
  const NodeConfig cfg = all_to_all();
  Learner l;
  Effects e;
  const Ballot b = ballot(1, 2);
  CHECK_FALSE(feed(l, cfg, {{1, b, "A"}, {1, b, "A"}, {2, b, "A"}, {1, b, "A"}, {2, b, "A"}}, e));
  CHECK(feed(l, cfg, {{3, b, "A"}}, e) == std::optional<Value>("A"));
}

// count-duplicate-acks: the learner's tally counts one acceptor many times.
TEST_CASE("learner bug count-duplicate-acks: one acceptor's duplicates make a quorum") {
  const NodeConfig cfg = all_to_all({Bug::count_duplicate_acks});
  Learner l;
  Effects e;
  const Ballot b = ballot(1, 2);
  CHECK(feed(l, cfg, {{1, b, "A"}, {1, b, "A"}, {1, b, "A"}}, e) == std::optional<Value>("A"));
  REQUIRE(e.quorums.size() == 1);
  CHECK(e.quorums[0].members == std::vector<NodeId>{1, 1, 1});
}

// Acceptances of one value in different ballots are not a quorum: a value
// is chosen only when a majority accepted it in the same ballot.
TEST_CASE("learner: acceptances from different ballots are not combined") {
  const NodeConfig cfg = all_to_all();
  Learner l;
  Effects e;
  CHECK_FALSE(feed(l, cfg, {{1, ballot(1, 1), "A"}, {2, ballot(1, 1), "A"}, {3, ballot(2, 3), "A"}}, e));
  CHECK(e.quorums.empty());
}

// mixed-ballot-learning: the tally ignores the ballot.
TEST_CASE("learner bug mixed-ballot-learning: acceptances from different ballots are combined") {
  const NodeConfig cfg = all_to_all({Bug::mixed_ballot_learning});
  Learner l;
  Effects e;
  CHECK(feed(l, cfg, {{1, ballot(1, 1), "A"}, {2, ballot(1, 1), "A"}, {3, ballot(2, 3), "A"}}, e) ==
        std::optional<Value>("A"));
}

// Learning is idempotent: the first learn records and reports the value, a
// second (even of another value) changes nothing and emits nothing.
TEST_CASE("learner: learn is idempotent and emits one Learned") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Learner l;
  Effects e;
  CHECK(l.learn(cfg, 0, "A", ballot(3, 1), e));
  CHECK_FALSE(l.learn(cfg, 0, "A", ballot(3, 1), e));
  CHECK_FALSE(l.learn(cfg, 0, "B", ballot(4, 2), e));

  REQUIRE(e.learned.size() == 1);
  CHECK(e.learned[0].value == "A");
  CHECK(e.learned[0].slot == 0);
  const auto decided = records_of(e, RecordKind::decided);
  REQUIRE(decided.size() == 1);
  CHECK(decided[0].value == "A");
  CHECK(decided[0].ballot == ballot(3, 1));
  REQUIRE(l.decided());
  CHECK(*l.decided() == "A");
}

// Once decided, further acceptances are not counted (nothing more to learn).
TEST_CASE("learner: a decided learner stops counting") {
  const NodeConfig cfg = all_to_all();
  Learner l;
  Effects e;
  l.learn(cfg, 0, "A", ballot(1, 1), e);
  e.clear();
  CHECK_FALSE(feed(l, cfg, {{1, ballot(2, 1), "A"}, {2, ballot(2, 1), "A"}, {3, ballot(2, 1), "A"}}, e));
  CHECK(e.quorums.empty());
}

// An undecided learner asks every peer (not itself) on each catch-up tick and
// re-arms the timer; stale tokens and a decided learner send nothing.
TEST_CASE("learner: the catch-up timer asks peers only while undecided") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Learner l;
  Effects armed;
  l.arm_catchup(armed);
  const auto t = timers_of(armed, TimerKind::catchup);
  REQUIRE(t.size() == 1);

  Effects tick;
  CHECK(l.on_catchup(cfg, t[0].token, tick));
  CHECK(destinations(tick, MsgKind::learn_request) == all_nodes(k_nodes, k_self));
  for (const Outgoing& o : tick.send) CHECK(o.msg.from == k_self);
  const auto next = timers_of(tick, TimerKind::catchup);
  REQUIRE(next.size() == 1);
  CHECK(next[0].token != t[0].token);

  Effects stale;
  CHECK_FALSE(l.on_catchup(cfg, t[0].token, stale));
  CHECK(stale.send.empty());
  CHECK(stale.timers.empty());

  Effects learned;
  l.learn(cfg, 0, "A", ballot(1, 1), learned);
  Effects after;
  CHECK_FALSE(l.on_catchup(cfg, next[0].token, after));
  CHECK(after.send.empty());
  CHECK(after.timers.empty());  // the timer dies once the value is known
}

// A decided learner answers a learn_request with a decide to the asker; an
// undecided one stays silent.
TEST_CASE("learner: a decided learner answers learn_request with decide") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Learner l;
  Effects quiet;
  l.on_learn_request(cfg, learn_request(3, k_self), quiet);
  CHECK(quiet.send.empty());

  Effects e;
  l.learn(cfg, 0, "A", ballot(2, 4), e);
  Effects answer;
  l.on_learn_request(cfg, learn_request(3, k_self), answer);
  const Message d = only_send(answer, MsgKind::decide);
  CHECK(d.to == 3);
  CHECK(d.from == k_self);
  CHECK(d.value == "A");
  CHECK(d.ballot == ballot(2, 4));
}

// Decide mode: the learner tells every peer, not itself.
TEST_CASE("learner: broadcast_decide tells every peer") {
  const NodeConfig cfg = config(2, k_nodes);
  Learner l;
  Effects e;
  l.learn(cfg, 0, "A", ballot(1, 2), e);
  Effects b;
  l.broadcast_decide(cfg, 0, b);
  CHECK(destinations(b, MsgKind::decide) == all_nodes(k_nodes, 2));
  for (const Outgoing& o : b.send) CHECK(o.msg.value == "A");
}

// A restarted learner knows what it learned from its decided record.
TEST_CASE("learner: recovery from a decided record") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Learner l;
  const std::vector<Record> disk = {promise_record(ballot(1, 1)), decided_record(ballot(1, 1), "A")};
  l.recover(disk);
  REQUIRE(l.decided());
  CHECK(*l.decided() == "A");
  Effects e;
  CHECK_FALSE(l.learn(cfg, 0, "B", ballot(2, 2), e));
  CHECK(e.learned.empty());
}
