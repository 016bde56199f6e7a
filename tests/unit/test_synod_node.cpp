// Whole Synod nodes, driven by hand through their one door (Node::step) with
// a tiny in-test message pump instead of the simulator: every node learns the
// same value, and a node rebuilt from another incarnation's records keeps
// that incarnation's promises, acceptances and ballots.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "helpers.hpp"
#include "paxos/node.hpp"

using namespace paxsim;
using namespace paxsim::test;

namespace {

// A cluster with a perfect disk (every write durable at once) and a network
// that delivers in FIFO or LIFO order. Messages to a crashed node are lost.
class Pump {
 public:
  enum class Order { fifo, lifo };
  static constexpr std::size_t k_deliveries_max = 10'000;

  Pump(std::uint32_t n, LearningMode mode = LearningMode::decide, Order order = Order::fifo)
      : n_(n), mode_(mode), order_(order), nodes_(n), disks_(n), learned_(n), timers_(n) {
    for (NodeId i = 0; i < n_; ++i) restart(i);
  }

  void propose(NodeId n, const Value& v) { run(n, Input::propose(v)); }

  void crash(NodeId n) {
    nodes_[n].reset();
    timers_[n].clear();  // timers die with the incarnation
  }
  void restart(NodeId n) {
    nodes_[n] = make_synod_node(config(n, n_, mode_), disks_[n]);
    run(n, Input::start());
  }

  // Delivers messages until `done()` holds or nothing is in flight.
  void pump_until(const std::function<bool()>& done) {
    std::size_t delivered = 0;
    while (!inbox_.empty() && !done()) {
      REQUIRE(++delivered < k_deliveries_max);
      Message m;
      if (order_ == Order::fifo) {
        m = std::move(inbox_.front());
        inbox_.pop_front();
      } else {
        m = std::move(inbox_.back());
        inbox_.pop_back();
      }
      if (nodes_[m.to]) run(m.to, Input::message(m));
    }
  }
  void pump() { pump_until([] { return false; }); }

  // Fires, once, every timer of `kind` that is pending on a running node.
  void fire(TimerKind kind) {
    for (NodeId n = 0; n < n_; ++n) {
      std::vector<TimerRequest> due;
      std::erase_if(timers_[n], [&](const TimerRequest& t) {
        if (t.kind != kind) return false;
        due.push_back(t);
        return true;
      });
      for (const TimerRequest& t : due)
        if (nodes_[n]) run(n, Input::fire(t.kind, t.token));
    }
  }

  // Pumps, then fires retry and catch-up timers, until every node has learned.
  void settle() {
    for (int round = 0; round < 50 && !all_learned(); ++round) {
      pump();
      fire(TimerKind::retry);
      pump();
      fire(TimerKind::catchup);
      pump();
    }
  }

  bool all_learned() const {
    for (NodeId n = 0; n < n_; ++n)
      if (!nodes_[n] || !nodes_[n]->has_learned(0)) return false;
    return true;
  }
  const Node& node(NodeId n) const { return *nodes_[n]; }
  const std::vector<Record>& disk(NodeId n) const { return disks_[n]; }
  const std::vector<Value>& learned(NodeId n) const { return learned_[n]; }  // Learned effects, in order
  bool has_record(NodeId n, RecordKind k) const {
    for (const Record& r : disks_[n])
      if (r.kind == k) return true;
    return false;
  }

 private:
  void run(NodeId n, const Input& in) {
    Effects e;
    nodes_[n]->step(in, e);
    for (const Record& r : e.persist) disks_[n].push_back(r);
    for (const Outgoing& o : e.send) inbox_.push_back(o.msg);
    for (const TimerRequest& t : e.timers) timers_[n].push_back(t);
    for (const Learned& l : e.learned) learned_[n].push_back(l.value);
  }

  std::uint32_t n_;
  LearningMode mode_;
  Order order_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::vector<Record>> disks_;
  std::vector<std::vector<Value>> learned_;
  std::vector<std::vector<TimerRequest>> timers_;
  std::deque<Message> inbox_;
};

// Every node learned exactly once, and all learned `expected` (or, when not
// given, one common value).
void check_agreement(const Pump& p, std::uint32_t n, const std::optional<Value>& expected = std::nullopt) {
  REQUIRE(p.all_learned());
  const Value v = expected ? *expected : *p.node(0).learned(0);
  for (NodeId i = 0; i < n; ++i) {
    CAPTURE(i);
    CHECK(p.node(i).learned(0) == std::optional<Value>(v));
    REQUIRE(p.learned(i).size() == 1);
    CHECK(p.learned(i)[0] == v);
  }
}

}  // namespace

// One proposer, no faults: every node learns its value, in both learning modes.
TEST_CASE("synod node: three nodes driven by hand all learn the proposed value") {
  SUBCASE("decide mode") {
    Pump p(3, LearningMode::decide);
    p.propose(0, "A");
    p.pump();
    check_agreement(p, 3, "A");
    CHECK(p.node(0).view().leads);
  }
  SUBCASE("all-to-all mode") {
    Pump p(3, LearningMode::all_to_all);
    p.propose(0, "A");
    p.pump();
    check_agreement(p, 3, "A");
  }
}

// Two proposers at once, in two delivery orders: ballots preempt each other,
// retries run, and still every node learns one common value.
TEST_CASE("synod node: dueling proposers by hand agree on one value") {
  for (const auto order : {Pump::Order::fifo, Pump::Order::lifo}) {
    for (const auto mode : {LearningMode::decide, LearningMode::all_to_all}) {
      CAPTURE(static_cast<int>(order));
      CAPTURE(static_cast<int>(mode));
      Pump p(3, mode, order);
      p.propose(0, "A");
      p.propose(2, "C");
      p.settle();
      check_agreement(p, 3);
      const Value v = *p.node(0).learned(0);
      CHECK((v == "A" || v == "C"));
    }
  }
}

// P2c end to end: "A" is accepted by a majority but its proposer crashes
// before it learns so; a new proposer must adopt "A", and the restarted node
// catches up to it.
TEST_CASE("synod node: a value accepted by a majority survives its proposer's crash") {
  Pump p(3);
  p.propose(0, "A");
  p.pump_until([&] { return p.has_record(1, RecordKind::accept) && p.has_record(2, RecordKind::accept); });
  REQUIRE_FALSE(p.node(0).has_learned(0));
  p.crash(0);  // the acknowledgements in flight to n1 are lost

  p.propose(2, "C");
  p.pump();
  CHECK(p.node(2).learned(0) == std::optional<Value>("A"));
  CHECK(p.node(1).learned(0) == std::optional<Value>("A"));

  p.restart(0);
  p.settle();
  CHECK(p.node(0).learned(0) == std::optional<Value>("A"));
}

// A node rebuilt from another incarnation's durable records keeps its
// promise: a lower prepare or accept is refused with a nack naming it.
TEST_CASE("synod node: a node rebuilt from durable records keeps its promise") {
  const NodeConfig cfg = config(1, 3);
  auto first = make_synod_node(cfg, {});
  Effects e;
  first->step(Input::message(prepare(2, 1, ballot(5, 2))), e);
  REQUIRE(sends_of(e, MsgKind::promise).size() == 1);
  const std::vector<Record> disk = e.persist;
  first.reset();  // crash: only the disk remains

  auto rebuilt = make_synod_node(cfg, disk);
  CHECK(rebuilt->view().promised == ballot(5, 2));
  Effects low;
  rebuilt->step(Input::message(prepare(0, 1, ballot(4, 0))), low);
  CHECK(sends_of(low, MsgKind::promise).empty());
  CHECK(only_send(low, MsgKind::nack).ballot == ballot(5, 2));

  Effects acc;
  rebuilt->step(Input::message(accept(0, 1, ballot(4, 0), "X")), acc);
  CHECK(acc.persist.empty());
  CHECK(only_send(acc, MsgKind::nack).ballot == ballot(5, 2));
}

// ... and its acceptance: the next promise reports it, so it cannot be lost.
TEST_CASE("synod node: a node rebuilt from durable records reports its acceptance") {
  const NodeConfig cfg = config(1, 3);
  auto first = make_synod_node(cfg, {});
  Effects e;
  first->step(Input::message(accept(2, 1, ballot(3, 2), "B")), e);
  auto rebuilt = make_synod_node(cfg, e.persist);
  CHECK(rebuilt->view().accepted_ballot == ballot(3, 2));
  CHECK(rebuilt->view().accepted_value == "B");

  Effects p;
  rebuilt->step(Input::message(prepare(0, 1, ballot(4, 0))), p);
  const Message reply = only_send(p, MsgKind::promise);
  CHECK(reply.accepted_ballot == ballot(3, 2));
  CHECK(reply.value == "B");
}

// ... and its proposer's rounds: the next proposal uses a higher ballot.
TEST_CASE("synod node: a rebuilt node never reuses a ballot it proposed with") {
  const NodeConfig cfg = config(0, 3);
  auto first = make_synod_node(cfg, {});
  Effects e;
  first->step(Input::propose("A"), e);
  const Ballot used = sends_of(e, MsgKind::prepare).at(0).msg.ballot;

  auto rebuilt = make_synod_node(cfg, e.persist);
  Effects again;
  rebuilt->step(Input::propose("B"), again);
  const auto prepares = sends_of(again, MsgKind::prepare);
  REQUIRE(!prepares.empty());
  CHECK(prepares[0].msg.ballot > used);
}

// A node that knows the outcome answers a proposal at once and arms no
// catch-up timer; one that does not arms it at start.
TEST_CASE("synod node: start and propose on a decided node") {
  const NodeConfig cfg = config(0, 3);
  auto fresh = make_synod_node(cfg, {});
  Effects start;
  fresh->step(Input::start(), start);
  CHECK(timers_of(start, TimerKind::catchup).size() == 1);

  const std::vector<Record> disk = {decided_record(ballot(1, 1), "A")};
  auto decided = make_synod_node(cfg, disk);
  Effects s2;
  decided->step(Input::start(), s2);
  CHECK(s2.timers.empty());

  Effects prop;
  decided->step(Input::propose("B"), prop);
  CHECK(prop.send.empty());
  REQUIRE(prop.learned.size() == 1);
  CHECK(prop.learned[0].value == "A");

  Effects ask;
  decided->step(Input::message(learn_request(2, 0)), ask);
  CHECK(only_send(ask, MsgKind::decide).value == "A");
}

// A decide message teaches the value and stops the local proposer.
TEST_CASE("synod node: a decide is learned once and ends the local proposal") {
  const NodeConfig cfg = config(0, 3);
  auto n = make_synod_node(cfg, {});
  Effects prop;
  n->step(Input::propose("A"), prop);
  const auto retry = timers_of(prop, TimerKind::retry);
  REQUIRE(retry.size() == 1);

  Effects d1, d2;
  n->step(Input::message(decide(1, 0, ballot(2, 1), "B")), d1);
  n->step(Input::message(decide(2, 0, ballot(2, 1), "B")), d2);
  REQUIRE(d1.learned.size() == 1);
  CHECK(d1.learned[0].value == "B");
  CHECK(d2.learned.empty());

  Effects fired;
  n->step(Input::fire(TimerKind::retry, retry[0].token), fired);
  CHECK(fired.send.empty());  // no new round after the decision

  // Late answers to the abandoned round start nothing either: no phase 2, no backoff.
  const Ballot mine = ballot(1, 0);
  Effects late;
  for (NodeId a : {0u, 1u, 2u}) n->step(Input::message(promise(a, 0, mine)), late);
  n->step(Input::message(nack(1, 0, ballot(9, 1))), late);
  CHECK(late.send.empty());
  CHECK(late.timers.empty());
}

// A value may be accepted by a majority with nobody left to finish the round.
// A node that has accepted a value and whose catch-up requests go unanswered
// drives a round itself, proposing the value it accepted; answered or not,
// a decided node never does.
TEST_CASE("synod node: unanswered catch-ups make a node re-propose its own acceptance") {
  const NodeConfig cfg = config(1, 3);
  auto n = make_synod_node(cfg, {});
  Effects boot;
  n->step(Input::start(), boot);
  Effects acc;
  n->step(Input::message(accept(0, 1, ballot(1, 0), "A")), acc);

  std::uint64_t token = timers_of(boot, TimerKind::catchup).at(0).token;
  Effects e;
  for (int tick = 0; tick < 5 && sends_of(e, MsgKind::prepare).empty(); ++tick) {
    e.clear();
    n->step(Input::fire(TimerKind::catchup, token), e);
    CHECK(destinations(e, MsgKind::learn_request) == all_nodes(3, 1));
    token = timers_of(e, TimerKind::catchup).at(0).token;
  }
  const auto prepares = sends_of(e, MsgKind::prepare);
  REQUIRE(prepares.size() == 3);
  CHECK(prepares[0].msg.ballot > ballot(1, 0));  // above what it promised

  // The value it proposes is its acceptance: even a quorum of promises that
  // report nothing (its own promise not in it) leads to an accept of "A".
  const Ballot b = prepares[0].msg.ballot;
  Effects p2;
  n->step(Input::message(promise(0, 1, b)), p2);
  n->step(Input::message(promise(2, 1, b)), p2);
  const auto accepts = sends_of(p2, MsgKind::accept);
  REQUIRE(accepts.size() == 3);
  CHECK(accepts[0].msg.value == "A");
}

// Without an acceptance there is nothing to re-propose: catch-up only asks.
TEST_CASE("synod node: a node with no acceptance only keeps asking") {
  const NodeConfig cfg = config(1, 3);
  auto n = make_synod_node(cfg, {});
  Effects boot;
  n->step(Input::start(), boot);
  std::uint64_t token = timers_of(boot, TimerKind::catchup).at(0).token;
  for (int tick = 0; tick < 5; ++tick) {
    Effects e;
    n->step(Input::fire(TimerKind::catchup, token), e);
    CHECK(sends_of(e, MsgKind::prepare).empty());
    CHECK(e.persist.empty());
    token = timers_of(e, TimerKind::catchup).at(0).token;
  }
}
