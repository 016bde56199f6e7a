// The proposer role on its own: phase 1 and 2 quorums, the choice of the
// highest-ballot value (P2c), duplicate answers, preemption and backoff,
// ballots that stay unique across restarts, and its bug switches.
#include <doctest/doctest.h>

#include <optional>

#include "helpers.hpp"
#include "paxos/proposer.hpp"

using namespace paxsim;
using namespace paxsim::test;

namespace {

// The proposer is n2 (index 1) of five nodes: quorum 3.
constexpr NodeId k_self = 1;
constexpr std::uint32_t k_nodes = 5;

// A proposer that has started proposing `v`; returns the effects of the start.
Effects start(Proposer& p, const NodeConfig& cfg, const Value& v, Ballot promised = {}) {
  Effects e;
  p.propose(cfg, v, promised, e);
  REQUIRE(p.phase() == Proposer::Phase::preparing);
  return e;
}

// Feeds promises for the proposer's current ballot from `acceptors`, each
// with no acceptance; returns the effects of the last one.
Effects promise_from(Proposer& p, const NodeConfig& cfg, std::initializer_list<NodeId> acceptors) {
  Effects e;
  for (NodeId a : acceptors) {
    e.clear();
    p.on_promise(cfg, promise(a, k_self, p.ballot()), e);
  }
  return e;
}

// Drives a proposer through phase 1 with a quorum of empty promises.
void reach_phase2(Proposer& p, const NodeConfig& cfg, const Value& v) {
  start(p, cfg, v);
  promise_from(p, cfg, {0, 2, 3});
  REQUIRE(p.phase() == Proposer::Phase::accepting);
}

// The value the proposer asks acceptors to accept (all accept messages agree).
Value proposed_value(const Effects& e) {
  const auto acc = sends_of(e, MsgKind::accept);
  REQUIRE(!acc.empty());
  for (const Outgoing& o : acc) CHECK(o.msg.value == acc.front().msg.value);
  return acc.front().msg.value;
}

// Phase 1 with three promises reporting acceptances at different ballots,
// the highest not first; returns the value proposed in phase 2.
Value value_after_mixed_promises(const NodeConfig& cfg) {
  Proposer p;
  start(p, cfg, "own", ballot(9, 4));  // our round goes above 9
  const Ballot b = p.ballot();
  Effects e;
  p.on_promise(cfg, promise(0, k_self, b, ballot(2, 0), "X"), e);
  p.on_promise(cfg, promise(2, k_self, b, ballot(5, 2), "Y"), e);  // the highest
  p.on_promise(cfg, promise(3, k_self, b, ballot(3, 3), "Z"), e);
  REQUIRE(p.phase() == Proposer::Phase::accepting);
  return proposed_value(e);
}

}  // namespace

// A proposal first makes its round durable, then prepares at every node and
// arms the round's timeout.
TEST_CASE("proposer: a proposal persists its round and prepares at all N nodes") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  const Effects e = start(p, cfg, "A");

  CHECK(p.ballot() == ballot(1, k_self));
  const auto rounds = records_of(e, RecordKind::proposer_round);
  REQUIRE(rounds.size() == 1);
  CHECK(rounds[0].ballot.round == 1);

  CHECK(destinations(e, MsgKind::prepare) == all_nodes(k_nodes));
  for (const Outgoing& o : sends_of(e, MsgKind::prepare)) {
    CHECK(o.after_durable);  // the round is durable before any ballot of it is seen
    CHECK(o.msg.from == k_self);
    CHECK(o.msg.ballot == ballot(1, k_self));
  }
  const auto retry = timers_of(e, TimerKind::retry);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].backoff == 0);
}

// The first round starts above what the node's own acceptor already promised.
TEST_CASE("proposer: the first round is above the local acceptor's promise") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  start(p, cfg, "A", ballot(7, 3));
  CHECK(p.ballot() == ballot(8, k_self));
}

// A second proposal while one is under way does not start another round.
TEST_CASE("proposer: proposing again during a round sends nothing") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  start(p, cfg, "A");
  Effects e;
  p.propose(cfg, "B", {}, e);
  CHECK(e.send.empty());
  CHECK(e.persist.empty());
  CHECK(p.ballot() == ballot(1, k_self));
}

// floor(N/2)+1 promises move the proposer to phase 2, and not one fewer; it
// reports the quorum it acted on and sends accept to all N nodes.
TEST_CASE("proposer: a quorum of promises starts phase 2 with accept to all") {
  const NodeConfig cfg = config(k_self, k_nodes);
  REQUIRE(cfg.quorum() == 3);
  Proposer p;
  start(p, cfg, "A");

  Effects two = promise_from(p, cfg, {0, 2});
  CHECK(p.phase() == Proposer::Phase::preparing);
  CHECK(sends_of(two, MsgKind::accept).empty());

  Effects third;
  p.on_promise(cfg, promise(4, k_self, p.ballot()), third);
  CHECK(p.phase() == Proposer::Phase::accepting);
  CHECK(p.leads());
  CHECK(destinations(third, MsgKind::accept) == all_nodes(k_nodes));
  for (const Outgoing& o : sends_of(third, MsgKind::accept)) CHECK(o.msg.ballot == ballot(1, k_self));
  CHECK(proposed_value(third) == "A");  // nobody had accepted anything: our own value

  REQUIRE(third.quorums.size() == 1);
  const QuorumUse& q = third.quorums[0];
  CHECK(q.phase == QuorumUse::Phase::promise);
  CHECK(q.ballot == ballot(1, k_self));
  CHECK(q.members == std::vector<NodeId>{0, 2, 4});
}

// Promises for another ballot (stale rounds) are not counted.
TEST_CASE("proposer: promises for another ballot are ignored") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  start(p, cfg, "A");
  Effects e;
  for (NodeId a : {0u, 2u, 3u}) p.on_promise(cfg, promise(a, k_self, ballot(1, 4)), e);
  CHECK(p.phase() == Proposer::Phase::preparing);
  CHECK(e.send.empty());
}

// P2c: among the promises, the value of the highest-ballot acceptance wins,
// even when it arrives after a lower one.
TEST_CASE("proposer: phase 2 uses the value of the highest-ballot acceptance among the promises") {
  CHECK(value_after_mixed_promises(config(k_self, k_nodes)) == "Y");
}

// A promise that reports an acceptance makes the proposer give up its own value.
TEST_CASE("proposer: a single reported acceptance replaces the proposer's own value") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  start(p, cfg, "own");
  Effects e;
  p.on_promise(cfg, promise(0, k_self, p.ballot()), e);
  p.on_promise(cfg, promise(2, k_self, p.ballot()), e);
  p.on_promise(cfg, promise(3, k_self, p.ballot(), ballot(1, 3), "theirs"), e);
  CHECK(proposed_value(e) == "theirs");
}

// A duplicated promise (the network duplicates) counts once: the phase does not advance.
TEST_CASE("proposer: duplicate promises from one acceptor count once") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  start(p, cfg, "A");
  Effects e = promise_from(p, cfg, {0, 2, 2, 0, 2});
  CHECK(p.phase() == Proposer::Phase::preparing);
  CHECK(e.send.empty());
  CHECK(e.quorums.empty());

  Effects third = promise_from(p, cfg, {3});
  CHECK(p.phase() == Proposer::Phase::accepting);
  REQUIRE(third.quorums.size() == 1);
  CHECK(third.quorums[0].members == std::vector<NodeId>{0, 2, 3});
}

// A quorum of acknowledgements of our (ballot, value) returns the chosen value
// and reports the quorum; duplicates and foreign acks do not count.
TEST_CASE("proposer: a quorum of accepted acks returns the chosen value") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  reach_phase2(p, cfg, "A");
  const Ballot b = p.ballot();
  Effects e;
  CHECK_FALSE(p.on_accepted(cfg, accepted(0, k_self, b, "A"), e));
  CHECK_FALSE(p.on_accepted(cfg, accepted(0, k_self, b, "A"), e));           // duplicate
  CHECK_FALSE(p.on_accepted(cfg, accepted(3, k_self, ballot(9, 4), "A"), e));  // another ballot
  CHECK_FALSE(p.on_accepted(cfg, accepted(4, k_self, b, "other"), e));        // another value
  CHECK_FALSE(p.on_accepted(cfg, accepted(2, k_self, b, "A"), e));  // only {n1, n3} count so far
  CHECK(e.quorums.empty());

  const std::optional<Value> chosen = p.on_accepted(cfg, accepted(4, k_self, b, "A"), e);
  REQUIRE(chosen);
  CHECK(*chosen == "A");
  CHECK(p.phase() == Proposer::Phase::done);
  REQUIRE(e.quorums.size() == 1);
  CHECK(e.quorums[0].phase == QuorumUse::Phase::accepted);
  CHECK(e.quorums[0].ballot == b);
  CHECK(e.quorums[0].members == std::vector<NodeId>{0, 2, 4});
}

// Preemption: a nack with a higher ballot makes the proposer back off for
// longer each time, and its next round goes above the nack's round.
TEST_CASE("proposer: a nack with a higher ballot backs off and the next round is above it") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  const Effects first = start(p, cfg, "A");
  const std::uint32_t initial_backoff = timers_of(first, TimerKind::retry).at(0).backoff;

  Effects e;
  p.on_nack(cfg, nack(3, k_self, ballot(7, 3)), e);
  CHECK(p.phase() == Proposer::Phase::backing_off);
  const auto retry = timers_of(e, TimerKind::retry);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].backoff > initial_backoff);
  CHECK(e.send.empty());

  Effects again;
  p.on_retry(cfg, retry[0].token, {}, again);
  CHECK(p.phase() == Proposer::Phase::preparing);
  CHECK(p.ballot().round > 7);
  CHECK(p.ballot().node == k_self);
  CHECK(records_of(again, RecordKind::proposer_round).at(0).ballot.round == p.ballot().round);
  CHECK(destinations(again, MsgKind::prepare) == all_nodes(k_nodes));

  // Preempted again in phase 2 this time: the backoff keeps growing.
  promise_from(p, cfg, {0, 2, 3});
  REQUIRE(p.phase() == Proposer::Phase::accepting);
  Effects second;
  p.on_nack(cfg, nack(0, k_self, ballot(20, 0)), second);
  const auto retry2 = timers_of(second, TimerKind::retry);
  REQUIRE(retry2.size() == 1);
  CHECK(retry2[0].backoff > retry[0].backoff);
}

// A nack that is not above our ballot (a stale one) changes nothing; a retry
// timer with a stale token is ignored.
TEST_CASE("proposer: stale nacks and stale retry tokens are ignored") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  const Effects first = start(p, cfg, "A", ballot(4, 0));  // our ballot (5,n2)
  const std::uint64_t round_token = timers_of(first, TimerKind::retry).at(0).token;

  Effects e;
  p.on_nack(cfg, nack(0, k_self, ballot(5, 0)), e);  // (5,n1) < (5,n2)
  CHECK(p.phase() == Proposer::Phase::preparing);
  CHECK(e.timers.empty());

  p.on_nack(cfg, nack(0, k_self, ballot(6, 0)), e);
  const std::uint64_t backoff_token = timers_of(e, TimerKind::retry).at(0).token;
  REQUIRE(backoff_token != round_token);
  Effects stale;
  p.on_retry(cfg, round_token, {}, stale);
  CHECK(stale.send.empty());
  CHECK(p.phase() == Proposer::Phase::backing_off);
}

// A round that times out (no quorum) starts the next round on its own.
TEST_CASE("proposer: a round timeout starts a higher round") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  const Effects first = start(p, cfg, "A");
  Effects e;
  p.on_retry(cfg, timers_of(first, TimerKind::retry).at(0).token, {}, e);
  CHECK(p.ballot() == ballot(2, k_self));
  CHECK(destinations(e, MsgKind::prepare) == all_nodes(k_nodes));
  CHECK(timers_of(e, TimerKind::retry).at(0).backoff > timers_of(first, TimerKind::retry).at(0).backoff);
}

// Ballots are never reused across restarts: after recovery from a
// proposer_round record, the next round is above the recorded one.
TEST_CASE("proposer: recovery from a proposer_round record never reuses a ballot") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer before;
  Effects e1 = start(before, cfg, "A");
  before.on_retry(cfg, timers_of(e1, TimerKind::retry).at(0).token, {}, e1);  // round 2
  const Ballot used = before.ballot();
  REQUIRE(used.round == 2);

  Proposer after;  // rebuilt from the disk only
  after.recover(e1.persist);
  start(after, cfg, "B");
  CHECK(after.ballot().round > used.round);

  Proposer from_record;
  const std::vector<Record> disk = {round_record(ballot(9, k_self)), round_record(ballot(4, k_self))};
  from_record.recover(disk);
  start(from_record, cfg, "C");
  CHECK(from_record.ballot() == ballot(10, k_self));
}

// A finished proposer ignores everything that would start a new round.
TEST_CASE("proposer: once done it neither proposes nor retries") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Proposer p;
  const Effects first = start(p, cfg, "A");
  p.finish();
  Effects e;
  p.propose(cfg, "B", {}, e);
  p.on_retry(cfg, timers_of(first, TimerKind::retry).at(0).token, {}, e);
  p.on_nack(cfg, nack(0, k_self, ballot(9, 0)), e);
  CHECK(e.send.empty());
  CHECK(e.persist.empty());
  CHECK(e.timers.empty());
}

// Bug switches: each changes only what its name says.

// ignore-promised-value: P2c skipped, the proposer's own value is used.
TEST_CASE("proposer bug ignore-promised-value: proposes its own value despite reported acceptances") {
  CHECK(value_after_mixed_promises(config(k_self, k_nodes, LearningMode::decide, {Bug::ignore_promised_value})) ==
        "own");
}

// first-promise-value: the first reported acceptance wins, not the highest.
TEST_CASE("proposer bug first-promise-value: takes the first reported value, not the highest") {
  CHECK(value_after_mixed_promises(config(k_self, k_nodes, LearningMode::decide, {Bug::first_promise_value})) == "X");
}

// count-duplicate-acks: one acceptor's duplicates fill a quorum, in both phases.
TEST_CASE("proposer bug count-duplicate-acks: a duplicate promise or ack counts twice") {
  const NodeConfig cfg = config(k_self, k_nodes, LearningMode::decide, {Bug::count_duplicate_acks});
  Proposer p;
  start(p, cfg, "A");
  Effects e = promise_from(p, cfg, {0, 0, 0});
  CHECK(p.phase() == Proposer::Phase::accepting);  // one acceptor made a "quorum"
  REQUIRE(e.quorums.size() == 1);
  CHECK(e.quorums[0].members == std::vector<NodeId>{0, 0, 0});

  const Ballot b = p.ballot();
  Effects a;
  CHECK_FALSE(p.on_accepted(cfg, accepted(2, k_self, b, "A"), a));
  CHECK_FALSE(p.on_accepted(cfg, accepted(2, k_self, b, "A"), a));
  CHECK(p.on_accepted(cfg, accepted(2, k_self, b, "A"), a) == std::optional<Value>("A"));
}

// round-only-ballots: the node is left out of the ballot, so ballots collide.
TEST_CASE("proposer bug round-only-ballots: two proposers can share a ballot") {
  const Bug bug = Bug::round_only_ballots;
  Proposer p1, p2;
  start(p1, config(1, k_nodes, LearningMode::decide, {bug}), "A");
  start(p2, config(3, k_nodes, LearningMode::decide, {bug}), "B");
  CHECK(p1.ballot() == p2.ballot());

  Proposer q1, q2;  // the baseline: ballots differ in their node
  start(q1, config(1, k_nodes), "A");
  start(q2, config(3, k_nodes), "B");
  CHECK(q1.ballot() != q2.ballot());
}

// minority-quorum: floor(N/2) is taken for a quorum, so quorums need not overlap.
TEST_CASE("proposer bug minority-quorum: floor(N/2) answers are taken for a quorum") {
  const NodeConfig cfg = config(k_self, k_nodes, LearningMode::decide, {Bug::minority_quorum});
  CHECK(cfg.quorum() == 2);
  CHECK(config(0, 4, LearningMode::decide, {Bug::minority_quorum}).quorum() == 2);
  CHECK(config(0, 4).quorum() == 3);
  Proposer p;
  start(p, cfg, "A");
  Effects e = promise_from(p, cfg, {0, 2});
  CHECK(p.phase() == Proposer::Phase::accepting);
  REQUIRE(e.quorums.size() == 1);
  CHECK(e.quorums[0].members.size() == 2);
}

TEST_CASE("proposer: a node that lost phase 1 and learned the value elsewhere does not claim to lead") {
  // Found by the role tests: "leads" must mean "won phase 1", or the
  // "node": "leader" selector can pick a node that never led.
  auto node = make_synod_node(config(0, 3), {});
  Effects out;
  const Value a = "A";
  node->step(Input::propose(a), out);
  CHECK_FALSE(node->view().leads);
  out.clear();
  const Message d = decide(1, 0, ballot(5, 1), "B");
  node->step(Input::message(d), out);
  CHECK_FALSE(node->view().leads);
}
