// The acceptor role on its own: promise rules, accept rules, what it persists
// and when its replies may leave, recovery from disk, and its bug switches.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "paxos/acceptor.hpp"

using namespace paxsim;
using namespace paxsim::test;

namespace {

// Node n1 (index 0) of a cluster of three, decide mode unless told.
constexpr NodeId k_self = 0;
constexpr std::uint32_t k_nodes = 3;

// An acceptor that has already promised `b` (its promise record discarded).
Acceptor promised_to(const NodeConfig& cfg, Ballot b) {
  Acceptor a;
  Effects e;
  a.on_prepare(cfg, prepare(b.node, k_self, b), e);
  REQUIRE(a.promised() == b);
  return a;
}

}  // namespace

// A prepare above the promise is promised, persisted as a promise record, and
// the reply waits for that record to be durable.
TEST_CASE("acceptor: a higher prepare is promised, persisted, and answered after durable") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a;
  Effects e;
  a.on_prepare(cfg, prepare(2, k_self, ballot(4, 2)), e);

  CHECK(a.promised() == ballot(4, 2));
  REQUIRE(e.persist.size() == 1);
  CHECK(e.persist[0].kind == RecordKind::promise);
  CHECK(e.persist[0].ballot == ballot(4, 2));

  REQUIRE(e.send.size() == 1);
  const Outgoing& reply = e.send[0];
  CHECK(reply.after_durable);
  CHECK(reply.msg.kind == MsgKind::promise);
  CHECK(reply.msg.from == k_self);
  CHECK(reply.msg.to == 2);
  CHECK(reply.msg.ballot == ballot(4, 2));
  CHECK(reply.msg.accepted_ballot.is_null());  // nothing accepted yet
}

// A duplicate prepare (same ballot) is answered again, covered by the first
// record: no second record is written.
TEST_CASE("acceptor: an equal ballot is answered again without a new record") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a = promised_to(cfg, ballot(4, 2));
  Effects e;
  a.on_prepare(cfg, prepare(2, k_self, ballot(4, 2)), e);

  CHECK(e.persist.empty());
  const Message reply = only_send(e, MsgKind::promise);
  CHECK(reply.ballot == ballot(4, 2));
  CHECK(a.promised() == ballot(4, 2));
}

// A prepare below the promise gets a nack naming the promised ballot, so the
// proposer can pick a higher round; the promise does not move.
TEST_CASE("acceptor: a lower prepare gets a nack carrying the promised ballot") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a = promised_to(cfg, ballot(4, 2));

  SUBCASE("lower round") {
    Effects e;
    a.on_prepare(cfg, prepare(1, k_self, ballot(3, 1)), e);
    CHECK(e.persist.empty());
    CHECK(sends_of(e, MsgKind::promise).empty());
    const Message n = only_send(e, MsgKind::nack);
    CHECK(n.to == 1);
    CHECK(n.from == k_self);
    CHECK(n.ballot == ballot(4, 2));
  }
  SUBCASE("same round, lower node: ballots compare lexicographically") {
    Effects e;
    a.on_prepare(cfg, prepare(1, k_self, ballot(4, 1)), e);
    CHECK(only_send(e, MsgKind::nack).ballot == ballot(4, 2));
  }
  CHECK(a.promised() == ballot(4, 2));
}

// An accept below the promise is refused: a nack, nothing persisted, nothing accepted.
TEST_CASE("acceptor: an accept below the promise is rejected and nothing is persisted") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a = promised_to(cfg, ballot(4, 2));
  Effects e;
  a.on_accept(cfg, accept(1, k_self, ballot(3, 1), "A"), e);

  CHECK(e.persist.empty());
  CHECK(sends_of(e, MsgKind::accepted).empty());
  const Message n = only_send(e, MsgKind::nack);
  CHECK(n.to == 1);
  CHECK(n.ballot == ballot(4, 2));
  CHECK(a.accepted(0) == nullptr);
  CHECK(a.promised() == ballot(4, 2));
}

// Accepting at (or above) the promise persists an accept record and, in
// decide mode, acknowledges to the proposer only, after the record is durable.
TEST_CASE("acceptor: an accept is persisted and acknowledged to the proposer in decide mode") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a = promised_to(cfg, ballot(4, 2));
  Effects e;
  a.on_accept(cfg, accept(2, k_self, ballot(4, 2), "A"), e);

  REQUIRE(e.persist.size() == 1);
  CHECK(e.persist[0].kind == RecordKind::accept);
  CHECK(e.persist[0].ballot == ballot(4, 2));
  CHECK(e.persist[0].value == "A");
  REQUIRE(a.accepted(0) != nullptr);
  CHECK(a.accepted(0)->ballot == ballot(4, 2));
  CHECK(a.accepted(0)->value == "A");

  REQUIRE(e.send.size() == 1);
  CHECK(e.send[0].after_durable);
  CHECK(e.send[0].msg.kind == MsgKind::accepted);
  CHECK(e.send[0].msg.to == 2);
  CHECK(e.send[0].msg.from == k_self);
  CHECK(e.send[0].msg.ballot == ballot(4, 2));
  CHECK(e.send[0].msg.value == "A");
}

// Accepting a ballot above the promise also promises it: a later prepare
// between the two ballots is refused.
TEST_CASE("acceptor: accepting a higher ballot raises the promise") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a = promised_to(cfg, ballot(2, 1));
  Effects e;
  a.on_accept(cfg, accept(2, k_self, ballot(5, 2), "A"), e);
  CHECK(a.promised() == ballot(5, 2));

  Effects e2;
  a.on_prepare(cfg, prepare(1, k_self, ballot(4, 1)), e2);
  CHECK(only_send(e2, MsgKind::nack).ballot == ballot(5, 2));
}

// A duplicate accept is acknowledged again but not persisted again.
TEST_CASE("acceptor: a duplicate accept is re-acknowledged without a new record") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a;
  Effects e1, e2;
  a.on_accept(cfg, accept(1, k_self, ballot(1, 1), "A"), e1);
  a.on_accept(cfg, accept(1, k_self, ballot(1, 1), "A"), e2);
  CHECK(e1.persist.size() == 1);
  CHECK(e2.persist.empty());
  CHECK(only_send(e2, MsgKind::accepted).value == "A");
}

// In all-to-all mode every node is a learner, so the acknowledgement goes to
// every node (the acceptor itself included), each after durable.
TEST_CASE("acceptor: all-to-all mode acknowledges to every node") {
  const NodeConfig cfg = config(k_self, 5, LearningMode::all_to_all);
  Acceptor a;
  Effects e;
  a.on_accept(cfg, accept(3, k_self, ballot(1, 3), "V"), e);

  CHECK(e.persist.size() == 1);
  CHECK(destinations(e, MsgKind::accepted) == all_nodes(5));
  for (const Outgoing& o : e.send) {
    CHECK(o.after_durable);
    CHECK(o.msg.ballot == ballot(1, 3));
    CHECK(o.msg.value == "V");
  }
}

// P1b: the promise reports the acceptor's highest acceptance, so the new
// proposer can adopt its value.
TEST_CASE("acceptor: a promise carries the highest accepted ballot and value") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a;
  Effects e;
  a.on_accept(cfg, accept(1, k_self, ballot(1, 1), "old"), e);
  a.on_accept(cfg, accept(2, k_self, ballot(3, 2), "new"), e);
  a.on_accept(cfg, accept(1, k_self, ballot(2, 1), "stale"), e);  // below the promise: refused

  Effects p;
  a.on_prepare(cfg, prepare(1, k_self, ballot(7, 1)), p);
  const Message reply = only_send(p, MsgKind::promise);
  CHECK(reply.ballot == ballot(7, 1));
  CHECK(reply.accepted_ballot == ballot(3, 2));
  CHECK(reply.value == "new");
}

// A restarted acceptor rebuilds its promise and acceptance from its records
// and keeps honouring them.
TEST_CASE("acceptor: recovery restores the promise and the acceptance") {
  const NodeConfig cfg = config(k_self, k_nodes);
  const std::vector<Record> disk = {promise_record(ballot(2, 1)), accept_record(ballot(2, 1), "A"),
                                    promise_record(ballot(6, 2))};
  Acceptor a;
  a.recover(cfg, disk);
  CHECK(a.promised() == ballot(6, 2));
  REQUIRE(a.accepted(0) != nullptr);
  CHECK(a.accepted(0)->ballot == ballot(2, 1));
  CHECK(a.accepted(0)->value == "A");

  Effects low;
  a.on_prepare(cfg, prepare(1, k_self, ballot(5, 1)), low);
  CHECK(only_send(low, MsgKind::nack).ballot == ballot(6, 2));

  Effects high;
  a.on_prepare(cfg, prepare(1, k_self, ballot(8, 1)), high);
  const Message reply = only_send(high, MsgKind::promise);
  CHECK(reply.accepted_ballot == ballot(2, 1));
  CHECK(reply.value == "A");
}

// An accept record alone implies a promise of its ballot.
TEST_CASE("acceptor: recovery from an accept record alone restores the promise") {
  const NodeConfig cfg = config(k_self, k_nodes);
  const std::vector<Record> disk = {accept_record(ballot(5, 2), "B")};
  Acceptor a;
  a.recover(cfg, disk);
  CHECK(a.promised() == ballot(5, 2));
  Effects e;
  a.on_accept(cfg, accept(1, k_self, ballot(4, 1), "C"), e);
  CHECK(sends_of(e, MsgKind::nack).size() == 1);
  CHECK(e.persist.empty());
}

// Bug switches: each changes only what its name says.

// promise-before-durable: the promise reply stops waiting for its record.
TEST_CASE("acceptor bug promise-before-durable: the promise leaves before its record is durable") {
  const NodeConfig cfg = config(k_self, k_nodes, LearningMode::decide, {Bug::promise_before_durable});
  Acceptor a;
  Effects e;
  a.on_prepare(cfg, prepare(1, k_self, ballot(1, 1)), e);
  CHECK(records_of(e, RecordKind::promise).size() == 1);  // still written ...
  const auto p = sends_of(e, MsgKind::promise);
  REQUIRE(p.size() == 1);
  CHECK_FALSE(p[0].after_durable);  // ... but not waited for

  Effects acc;
  a.on_accept(cfg, accept(1, k_self, ballot(1, 1), "A"), acc);
  REQUIRE(acc.send.size() == 1);
  CHECK(acc.send[0].after_durable);  // acknowledgements are unaffected
}

// ack-before-durable: the accepted reply stops waiting for its record.
TEST_CASE("acceptor bug ack-before-durable: the acknowledgement leaves before its record is durable") {
  const NodeConfig cfg = config(k_self, k_nodes, LearningMode::decide, {Bug::ack_before_durable});
  Acceptor a;
  Effects p;
  a.on_prepare(cfg, prepare(1, k_self, ballot(1, 1)), p);
  REQUIRE(p.send.size() == 1);
  CHECK(p.send[0].after_durable);  // promises are unaffected

  Effects e;
  a.on_accept(cfg, accept(1, k_self, ballot(1, 1), "A"), e);
  CHECK(records_of(e, RecordKind::accept).size() == 1);
  REQUIRE(e.send.size() == 1);
  CHECK(e.send[0].msg.kind == MsgKind::accepted);
  CHECK_FALSE(e.send[0].after_durable);
}

// volatile-promise: no promise record is written or read back.
TEST_CASE("acceptor bug volatile-promise: the promise holds in memory but is never persisted nor recovered") {
  const NodeConfig cfg = config(k_self, k_nodes, LearningMode::decide, {Bug::volatile_promise});
  Acceptor a;
  Effects e;
  a.on_prepare(cfg, prepare(2, k_self, ballot(4, 2)), e);
  CHECK(e.persist.empty());
  CHECK(sends_of(e, MsgKind::promise).size() == 1);

  Effects low;
  a.on_prepare(cfg, prepare(1, k_self, ballot(3, 1)), low);
  CHECK(sends_of(low, MsgKind::nack).size() == 1);  // kept while the node lives

  Acceptor restarted;
  const std::vector<Record> disk = {promise_record(ballot(4, 2))};
  restarted.recover(cfg, disk);
  CHECK(restarted.promised().is_null());  // and forgotten across a restart

  Acceptor with_accept;
  const std::vector<Record> disk2 = {accept_record(ballot(3, 1), "A")};
  with_accept.recover(cfg, disk2);
  CHECK(with_accept.promised() == ballot(3, 1));  // acceptances still imply promises
}

// accept-below-promise: the accept handler skips its promise check.
TEST_CASE("acceptor bug accept-below-promise: an accept below the promise is accepted and persisted") {
  const NodeConfig cfg = config(k_self, k_nodes, LearningMode::decide, {Bug::accept_below_promise});
  Acceptor a = promised_to(cfg, ballot(4, 2));
  Effects e;
  a.on_accept(cfg, accept(1, k_self, ballot(3, 1), "A"), e);
  CHECK(records_of(e, RecordKind::accept).size() == 1);
  CHECK(sends_of(e, MsgKind::nack).empty());
  CHECK(only_send(e, MsgKind::accepted).ballot == ballot(3, 1));
  REQUIRE(a.accepted(0) != nullptr);
  CHECK(a.accepted(0)->value == "A");
  CHECK(a.promised() == ballot(4, 2));  // the promise itself does not go back

  Effects low;
  a.on_prepare(cfg, prepare(1, k_self, ballot(3, 1)), low);
  CHECK(sends_of(low, MsgKind::nack).size() == 1);  // prepares are unaffected
}

// Without any switch, the same inputs behave correctly (the baseline the bug tests differ from).
TEST_CASE("acceptor: with no bug switch replies wait for durability and promises are recovered") {
  const NodeConfig cfg = config(k_self, k_nodes);
  Acceptor a;
  Effects e;
  a.on_prepare(cfg, prepare(1, k_self, ballot(1, 1)), e);
  a.on_accept(cfg, accept(1, k_self, ballot(1, 1), "A"), e);
  REQUIRE(e.send.size() == 2);  // the promise and the acceptance
  for (const Outgoing& o : e.send) CHECK(o.after_durable);

  Acceptor restarted;
  const std::vector<Record> disk = {promise_record(ballot(4, 2))};
  restarted.recover(cfg, disk);
  CHECK(restarted.promised() == ballot(4, 2));
}
