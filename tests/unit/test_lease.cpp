// Clocks and leader leases: local clocks with offset and drift, timers in
// local time, the lease arithmetic with its drift margin, the follower's
// grants, the leader's rounds, and a node that answers gets locally only
// while its lease runs.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "paxos/kv.hpp"
#include "paxos/lease.hpp"
#include "sim/clock.hpp"

using namespace paxsim;
using namespace paxsim::test;

TEST_CASE("clock: local = true x (1 + drift) + offset, one piece per clock action") {
  sim::LocalClock c;
  CHECK(c.is_true_time());
  CHECK(c.local_at(1'000'000) == 1'000'000);
  CHECK(c.true_duration(5'000) == 5'000);

  // At time 0 the action gives exactly the spec's formula.
  c.set(0, 10.0, 100'000);  // +10 ms, 10% fast
  CHECK(c.local_at(0) == 10'000);
  CHECK(c.local_at(1'000'000) == 1'110'000);
  CHECK(c.true_duration(110'000) == 100'000);  // a local 110 ms lasts 100 true ms

  // A later action re-bases the clock where it stands: no jump from the rate change.
  c.set(1'000'000, std::nullopt, -500'000);  // half speed from 1 s on
  CHECK(c.local_at(1'000'000) == 1'110'000);
  CHECK(c.local_at(1'200'000) == 1'210'000);
  CHECK(c.true_duration(50'000) == 100'000);
  CHECK(c.drift_ppm() == doctest::Approx(-500'000));

  // An offset alone is a step; the rate stays.
  c.set(1'200'000, -210.0, std::nullopt);
  CHECK(c.local_at(1'200'000) == 1'000'000);
  CHECK(c.local_at(1'400'000) == 1'100'000);
}

TEST_CASE("clock: timers of at least 1 µs; rounding up keeps a timer from firing early") {
  sim::LocalClock c;
  c.set(0, std::nullopt, 300'000);  // 30% fast
  CHECK(c.true_duration(1) == 1);
  CHECK(c.true_duration(0) == 0);
  // 100 µs local at 1.3x is 76.9 µs true: rounded up to 77, never down.
  CHECK(c.true_duration(100) == 77);
  CHECK(c.local_at(77) >= 100);
}

TEST_CASE("lease arithmetic: the holder's lease is L (1 - d) / (1 + d)") {
  CHECK(lease_safety_factor(0) == doctest::Approx(1.0));
  CHECK(lease_safety_factor(200) == doctest::Approx((1 - 200e-6) / (1 + 200e-6)));
  CHECK(lease_safety_factor(100'000) == doctest::Approx(0.9 / 1.1));
  CHECK(lease_safety_factor(1'000'000) == 0);
  CHECK(holder_lease_us(100'000, 0) == 100'000);
  CHECK(holder_lease_us(100'000, 200) == 99'960);      // floor(100000 x 0.99960008)
  CHECK(holder_lease_us(400'000, 100'000) == 327'272);  // floor(400000 x 0.818181...)
}

TEST_CASE("lease arithmetic: with any drifts within the bound, the holder's lease ends first in true time") {
  // A follower grants L at true time S + delay on a clock running at rate rf;
  // the holder counts L_h from S on a clock at rate rh. Both rates in [1-d, 1+d].
  const double d = 0.05;
  const Time_us lease = 200'000;
  const Time_us held = holder_lease_us(lease, d * 1e6);
  for (double rh : {1 - d, 1.0, 1 + d})
    for (double rf : {1 - d, 1.0, 1 + d}) {
      CAPTURE(rh);
      CAPTURE(rf);
      const double holder_end = static_cast<double>(held) / rh;
      const double grant_end = static_cast<double>(lease) / rf;  // with a zero delay: the worst case
      CHECK(holder_end <= grant_end + 1e-6);
    }
  // Without the margin (the holder counting the whole lease), a slow holder
  // and a fast follower disagree: the holder's lease outlives the grant.
  const double unmargined_end = static_cast<double>(lease) / (1 - d);  // holder at rate 1 - d
  const double fast_grant_end = static_cast<double>(lease) / (1 + d);  // follower at rate 1 + d
  CHECK(unmargined_end > fast_grant_end + 1e-6);
  CHECK(held < lease);  // the margin is what holder_lease_us takes off
  CHECK(static_cast<double>(held) / (1 - d) <= fast_grant_end + 1e-6);
}

TEST_CASE("lease grantor: refuses other candidates while a grant runs, and everyone for a lease after a start") {
  LeaseGrantor g;
  g.on_start(1'000, 100'000);
  CHECK(g.refuses(1, 50'000));  // just restarted: it may have granted something it forgot
  CHECK_FALSE(g.refuses(1, 101'000));
  g.grant(2, 200'000, 100'000);  // to n3, until 300 ms by our clock
  CHECK(g.refuses(1, 250'000));
  CHECK_FALSE(g.refuses(2, 250'000));  // the grantee itself may run again
  CHECK_FALSE(g.refuses(1, 300'000));
  // A newer grant to another leader: both run until they expire.
  g.grant(0, 280'000, 100'000);
  CHECK(g.refuses(1, 290'000));
  CHECK(g.refuses(2, 350'000));
  CHECK_FALSE(g.refuses(0, 350'000));
}

TEST_CASE("lease holder: a majority-acknowledged round earns a lease from its send time") {
  NodeConfig cfg = config(0, 5);
  cfg.leader_lease_us = 100'000;
  cfg.max_drift_ppm = 0;
  LeaseHolder h;
  const Ballot b{3, 0};
  const std::uint64_t r1 = h.start_round(cfg, b, 10'000);
  CHECK_FALSE(h.holds(b, 10'000));
  h.on_ack(cfg, 1, b, r1);
  h.on_ack(cfg, 1, b, r1);  // a duplicate ack counts once
  CHECK_FALSE(h.holds(b, 20'000));
  h.on_ack(cfg, 2, Ballot{2, 2}, r1);  // for another ballot: ignored
  CHECK_FALSE(h.holds(b, 20'000));
  h.on_ack(cfg, 2, b, r1);  // with us, 3 of 5
  CHECK(h.holds(b, 20'000));
  CHECK(h.holds(b, 109'999));
  CHECK_FALSE(h.holds(b, 110'000));  // from the send time, not the ack's
  CHECK_FALSE(h.holds(Ballot{4, 0}, 20'000));

  // A new ballot starts afresh.
  const std::uint64_t r2 = h.start_round(cfg, Ballot{4, 0}, 50'000);
  CHECK(r2 != r1);
  CHECK_FALSE(h.holds(Ballot{4, 0}, 60'000));
}

TEST_CASE("lease holder: the drift margin, and the bug switch that drops it") {
  NodeConfig cfg = config(0, 3);
  cfg.leader_lease_us = 100'000;
  cfg.max_drift_ppm = 100'000;
  const Ballot b{1, 0};
  LeaseHolder h;
  h.on_ack(cfg, 1, b, h.start_round(cfg, b, 0));
  CHECK(h.until() == holder_lease_us(100'000, 100'000));

  cfg.bugs.enable(Bug::lease_without_drift_margin);
  LeaseHolder buggy;
  buggy.on_ack(cfg, 1, b, buggy.start_round(cfg, b, 0));
  CHECK(buggy.until() == 100'000);
}

TEST_CASE("lease holder: a one-node cluster holds its lease at once") {
  NodeConfig cfg = config(0, 1);
  cfg.leader_lease_us = 50'000;
  LeaseHolder h;
  h.start_round(cfg, Ballot{1, 0}, 0);
  CHECK(h.holds(Ballot{1, 0}, 1));
}

namespace {

Input at(Input in, Time_us local) {
  in.local_us = local;
  return in;
}

// Runs a 3-node multi-paxos node n1 with leases to leadership: it wins an
// election and sends its first heartbeat round at local time 300 ms.
struct LeaseLeader {
  NodeConfig cfg;
  std::unique_ptr<Node> node;
  Ballot ballot;
  std::uint64_t round = 0;

  LeaseLeader() {
    cfg = config(0, 3);
    cfg.log = true;
    cfg.leader_lease_us = 100'000;
    cfg.max_drift_ppm = 0;
    node = make_multi_paxos_node(cfg, {});
    Effects out;
    node->step(at(Input::start(), 0), out);
    const auto election = timers_of(out, TimerKind::election);
    REQUIRE(election.size() == 1);
    out.clear();
    node->step(at(Input::fire(TimerKind::election, election[0].token), 200'000), out);
    const Message p = sends_of(out, MsgKind::prepare).at(0).msg;
    ballot = p.ballot;
    for (NodeId from : {0u, 1u}) {
      Message promise = message(MsgKind::promise, from, 0, ballot);
      promise.slot = p.slot;
      out.clear();
      node->step(at(Input::message(promise), 300'000), out);
    }
    REQUIRE(node->view().leads);
    const auto hb = sends_of(out, MsgKind::heartbeat);
    REQUIRE(!hb.empty());
    round = hb[0].msg.request;
    CHECK(round != 0);
  }

  Effects get(Time_us local) {
    Message m = message(MsgKind::client_request, 3, 0);
    m.request = 1;
    m.value = encode(Command{0, 1, KvOpKind::get, "k", {}});
    Effects out;
    node->step(at(Input::message(m), local), out);
    return out;
  }
};

}  // namespace

TEST_CASE("lease node: a restarted node refuses promises for a whole lease") {
  NodeConfig cfg = config(1, 3);
  cfg.log = true;
  cfg.leader_lease_us = 100'000;
  auto node = make_multi_paxos_node(cfg, {});
  Effects out;
  node->step(at(Input::start(), 5'000), out);
  out.clear();
  node->step(at(Input::message(prepare(0, 1, Ballot{1, 0})), 50'000), out);
  CHECK(sends_of(out, MsgKind::promise).empty());
  CHECK(out.persist.empty());
  out.clear();
  node->step(at(Input::message(prepare(0, 1, Ballot{1, 0})), 105'000), out);
  CHECK(sends_of(out, MsgKind::promise).size() == 1);
}

TEST_CASE("lease node: a follower grants with each heartbeat, acks it, and refuses a rival while the grant runs") {
  NodeConfig cfg = config(1, 3);
  cfg.log = true;
  cfg.leader_lease_us = 100'000;
  auto node = make_multi_paxos_node(cfg, {});
  Effects out;
  node->step(at(Input::start(), 0), out);
  Message hb = message(MsgKind::heartbeat, 0, 1, Ballot{1, 0});
  hb.request = 7;
  out.clear();
  node->step(at(Input::message(hb), 200'000), out);
  const Message ack = only_send(out, MsgKind::lease_ack);
  CHECK(ack.to == 0);
  CHECK(ack.request == 7);
  CHECK(ack.ballot == Ballot{1, 0});
  out.clear();
  // Two election timeouts without n1: the follower no longer sticks to it
  // (the lease, not stickiness, is what this test is about).
  node->step(at(Input::fire(TimerKind::election, 1), 250'000), out);
  node->step(at(Input::fire(TimerKind::election, 2), 280'000), out);
  out.clear();
  node->step(at(Input::message(prepare(2, 1, Ballot{2, 2})), 299'999), out);
  CHECK(out.send.empty());  // n3 is refused until the grant to n1 ends
  out.clear();
  node->step(at(Input::message(prepare(2, 1, Ballot{2, 2})), 300'000), out);
  CHECK(sends_of(out, MsgKind::promise).size() == 1);
}

TEST_CASE("lease node: the leader reads locally only while a majority-acked round's lease runs") {
  LeaseLeader l;
  // No ack yet: the get goes through the log (accepts, no reply).
  Effects out = l.get(310'000);
  CHECK(sends_of(out, MsgKind::client_reply).empty());
  CHECK(!sends_of(out, MsgKind::accept).empty());

  // n2 acks the first round: with the leader, a majority.
  Message ack = message(MsgKind::lease_ack, 1, 0, l.ballot);
  ack.request = l.round;
  out.clear();
  l.node->step(at(Input::message(ack), 305'000), out);
  // The lease runs, but the recovered no-op... nothing was recovered here, so reads are served at once.
  out = l.get(320'000);
  const Message reply = only_send(out, MsgKind::client_reply);
  CHECK(reply.to == 3);
  CHECK((reply.flags & k_absent) != 0);
  CHECK(sends_of(out, MsgKind::accept).empty());

  // After send time + lease (300 + 100 ms by our clock), no more local reads.
  out = l.get(400'000);
  CHECK(sends_of(out, MsgKind::client_reply).empty());
}

TEST_CASE("lease node: leases off, heartbeats carry no round and nobody acks") {
  NodeConfig cfg = config(1, 3);
  cfg.log = true;
  auto node = make_multi_paxos_node(cfg, {});
  Effects out;
  node->step(at(Input::start(), 0), out);
  out.clear();
  node->step(at(Input::message(message(MsgKind::heartbeat, 0, 1, Ballot{1, 0})), 1'000), out);
  CHECK(sends_of(out, MsgKind::lease_ack).empty());
  // It still answers the heartbeat, for check quorum, with a plain ack.
  const std::vector<Outgoing> acks = sends_of(out, MsgKind::heartbeat_ack);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].msg.to == 0);
  CHECK(acks[0].msg.request == 0);
  // And a leader without leases sends heartbeats that carry no lease round.
  NodeConfig lcfg = config(0, 3);
  lcfg.log = true;
  auto leader = make_multi_paxos_node(lcfg, {});
  Effects lo;
  leader->step(at(Input::start(), 0), lo);
  const std::uint64_t election = timers_of(lo, TimerKind::election).at(0).token;
  lo.clear();
  leader->step(at(Input::fire(TimerKind::election, election), 300'000), lo);
  const Message p = sends_of(lo, MsgKind::prepare).at(0).msg;
  for (NodeId from : {0u, 1u}) {
    Message promise = message(MsgKind::promise, from, 0, p.ballot);
    promise.slot = p.slot;
    lo.clear();
    leader->step(at(Input::message(promise), 301'000), lo);
  }
  REQUIRE(leader->view().leads);
  const std::vector<Outgoing> beats = sends_of(lo, MsgKind::heartbeat);
  REQUIRE(beats.size() == 2);
  for (const Outgoing& h : beats) CHECK(h.msg.request == 0);
}
