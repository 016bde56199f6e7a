// The lock service: its state machine (grants, fencing tokens, renewals,
// releases, expiries), its commands as log values, the per-replica lease
// watch that tells the leader when to expire a grant, and the `lock` checker
// with and without fencing.
#include <doctest/doctest.h>

#include "checkers/lock.hpp"
#include "helpers.hpp"
#include "paxos/kv.hpp"
#include "paxos/lock_service.hpp"

using namespace paxsim;
using namespace paxsim::test;

TEST_CASE("lock table: grants to one client at a time, a new token per grant") {
  LockTable t;
  CHECK(t.apply(0, LockOp::acquire, "l", "100000") == "G1");
  CHECK(t.apply(1, LockOp::acquire, "l", "100000") == "B");
  const LockState* s = t.find("l");
  REQUIRE(s);
  CHECK(s->holder == 0);
  CHECK(s->token == 1);
  CHECK(s->lease_us == 100'000);
  CHECK(t.apply(0, LockOp::release, "l", "1") == "R");
  CHECK(t.apply(1, LockOp::acquire, "l", "50000") == "G2");
  // The holder asking again gets a fresh token (it believes it lost the lock).
  CHECK(t.apply(1, LockOp::acquire, "l", "50000") == "G3");
  // Other locks have their own holders but share the token counter.
  CHECK(t.apply(0, LockOp::acquire, "m", "1000") == "G4");
  CHECK(t.last_token() == 4);
}

TEST_CASE("lock table: renew and release need the current token; a stale holder has lost it") {
  LockTable t;
  t.apply(0, LockOp::acquire, "l", "100");
  const std::uint64_t g1 = t.find("l")->generation;
  CHECK(t.apply(0, LockOp::renew, "l", "1") == "G1");
  CHECK(t.find("l")->generation == g1 + 1);
  CHECK(t.apply(1, LockOp::renew, "l", "1") == "L");  // not the holder
  CHECK(t.apply(0, LockOp::renew, "l", "7") == "L");  // not its token
  CHECK(t.apply(1, LockOp::release, "l", "1") == "L");
  CHECK(t.apply(0, LockOp::release, "l", "1") == "R");
  CHECK(t.apply(0, LockOp::release, "l", "1") == "L");  // released already
}

TEST_CASE("lock table: an expiry frees the lock only if nothing happened since its generation") {
  LockTable t;
  t.apply(0, LockOp::acquire, "l", "100");
  const std::uint64_t g = t.find("l")->generation;
  t.apply(0, LockOp::renew, "l", "1");  // the renewal raced the expiry: the expiry is stale
  CHECK(t.apply(k_lock_service_client, LockOp::expire, "l", std::to_string(g)) == "-");
  CHECK(t.find("l")->holder == 0);
  CHECK(t.apply(k_lock_service_client, LockOp::expire, "l", std::to_string(g + 1)) == "E");
  CHECK(t.find("l")->holder == k_no_holder);
  CHECK(t.apply(1, LockOp::acquire, "l", "100") == "G2");
  CHECK(t.apply(0, LockOp::renew, "l", "1") == "L");  // the old holder lost it
}

TEST_CASE("lock table: what an acquire would get now (the grant-before-commit bug answers with it)") {
  LockTable t;
  CHECK(t.would_acquire(0, "l") == "G1");
  CHECK(t.would_acquire(1, "l") == "G1");  // the same token: that is the bug's danger
  t.apply(0, LockOp::acquire, "l", "100");
  CHECK(t.would_acquire(1, "l") == "B");
  CHECK(t.would_acquire(0, "l") == "G2");
}

TEST_CASE("lock commands: encoded as log values; applied through the kv store with at-most-once") {
  const Command a = lock_acquire(2, 5, "lock", 80'000);
  const auto d = decode(encode(a));
  REQUIRE(d);
  CHECK(d->op == KvOpKind::acquire);
  CHECK(d->client == 2);
  CHECK(d->request == 5);
  CHECK(d->key == "lock");
  CHECK(d->value == "80000");
  CHECK(is_lock_op(d->op));
  CHECK_FALSE(is_lock_op(KvOpKind::append));
  CHECK(decode(encode(lock_expire("lock", 9)))->op == KvOpKind::expire);

  KvStore kv;
  const BugSet none;
  CHECK(kv.apply(a, none)->value == "G1");
  CHECK(kv.apply(a, none)->value == "G1");  // a retry: the remembered answer, not a second grant
  CHECK(kv.locks().last_token() == 1);
  CHECK(kv.apply(lock_acquire(3, 1, "lock", 80'000), none)->value == "B");
  CHECK(kv.apply(lock_release(2, 6, "lock", 1), none)->value == "R");
  CHECK(kv.cached(2, 6)->value == "R");
}

TEST_CASE("lock replies parse") {
  CHECK(parse_lock_reply("G42")->kind == LockReply::Kind::granted);
  CHECK(parse_lock_reply("G42")->token == 42);
  CHECK(parse_lock_reply("B")->kind == LockReply::Kind::busy);
  CHECK(parse_lock_reply("L")->kind == LockReply::Kind::lost);
  CHECK(parse_lock_reply("R")->kind == LockReply::Kind::released);
  CHECK(parse_lock_reply("E")->kind == LockReply::Kind::expired);
  CHECK(parse_lock_reply("-")->kind == LockReply::Kind::stale);
  CHECK_FALSE(parse_lock_reply(""));
  CHECK_FALSE(parse_lock_reply("G"));
  CHECK_FALSE(parse_lock_reply("Bx"));
}

TEST_CASE("lock lease watch: the leader expires a grant a full lease after this replica applied it") {
  LockTable t;
  LockLeaseWatch w;
  t.apply(0, LockOp::acquire, "l", "100000");
  w.observe(t, 5'000);  // applied at 5 ms by this replica's clock
  CHECK(w.due(104'999).empty());
  const auto due = w.due(105'000);
  REQUIRE(due.size() == 1);
  const auto c = decode(due[0]);
  REQUIRE(c);
  CHECK(c->op == KvOpKind::expire);
  CHECK(c->client == k_lock_service_client);
  CHECK(c->value == std::to_string(t.find("l")->generation));

  // A renewal applied later restarts the count; observing again without a change does not.
  t.apply(0, LockOp::renew, "l", "1");
  w.observe(t, 90'000);
  w.observe(t, 150'000);
  CHECK(w.due(189'999).empty());
  CHECK(w.due(190'000).size() == 1);
  // Released: nothing to expire.
  t.apply(0, LockOp::release, "l", "1");
  w.observe(t, 200'000);
  CHECK(w.due(1'000'000).empty());
}

namespace {

sim::Scenario lock_scenario(bool fencing) {
  sim::Scenario s = scenario_with_nodes(3);
  s.workload.type = sim::Workload::Type::lock;
  s.workload.clients = 3;
  s.workload.fencing = fencing;
  return s;
}

sim::LockEvent act(std::uint32_t client, std::uint64_t token, bool accepted = true) {
  return sim::LockEvent{sim::LockEvent::Kind::act, client, token, accepted};
}
sim::LockEvent end(std::uint32_t client, std::uint64_t token) {
  return sim::LockEvent{sim::LockEvent::Kind::end, client, token, true};
}

}  // namespace

TEST_CASE("lock checker: holders that take turns are fine") {
  const sim::Scenario s = lock_scenario(false);
  checkers::ViolationSink sink;
  checkers::LockChecker c(s, sink);
  c.on_lock_event(1, act(0, 1));
  c.on_lock_event(2, act(0, 1));
  c.on_lock_event(3, end(0, 1));
  c.on_lock_event(4, act(1, 2));
  c.on_lock_event(5, end(1, 2));
  c.on_lock_event(6, act(0, 3));
  CHECK_FALSE(sink.any());
  CHECK(c.tenures() == 3);
}

TEST_CASE("lock checker: without fencing, acting while another holder has not stopped is a violation") {
  const sim::Scenario s = lock_scenario(false);
  checkers::ViolationSink sink;
  checkers::LockChecker c(s, sink);
  c.on_lock_event(1'000, act(0, 1));
  c.on_lock_event(2'000, act(1, 2));  // c1 never ended its hold
  const checkers::Violation* v = violation_of(sink, "lock");
  REQUIRE(v);
  CHECK(contains(v->message, "c2 acted under the lock (token 2)"));
  CHECK(contains(v->message, "while c1 still held it (token 1)"));
}

TEST_CASE("lock checker: with fencing, a higher token ends older holds; stale actions are rejected, not counted") {
  const sim::Scenario s = lock_scenario(true);
  checkers::ViolationSink sink;
  checkers::LockChecker c(s, sink);
  c.on_lock_event(1'000, act(0, 1));
  c.on_lock_event(2'000, act(1, 2));         // the resource moved on to token 2
  c.on_lock_event(3'000, act(0, 1, false));  // c1's stale write: rejected
  c.on_lock_event(4'000, act(1, 2));
  CHECK_FALSE(sink.any());
  // Two holders with the same token defeat fencing.
  c.on_lock_event(5'000, act(2, 2));
  CHECK(reported(sink, "lock"));
  CHECK(contains(all_text(*violation_of(sink, "lock")), "the same token"));
}
