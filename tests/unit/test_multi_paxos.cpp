// Multi-Paxos roles: the leader's recovery of a log with holes, no-op
// filling, the window, the replica's in-order apply, the kv state machine's
// at-most-once table, and the node's routing of clients.
#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "helpers.hpp"
#include "paxos/command_set.hpp"
#include "paxos/kv.hpp"
#include "paxos/leader.hpp"
#include "paxos/replica.hpp"

using namespace paxsim;
using namespace paxsim::test;

namespace {

NodeConfig multi_config(NodeId self, std::uint32_t nodes, std::uint32_t window = 8, std::initializer_list<Bug> bugs = {}) {
  NodeConfig cfg = config(self, nodes, LearningMode::decide, bugs);
  cfg.log = true;
  cfg.window = window;
  return cfg;
}

Message multi_promise(EndpointId from, EndpointId to, Ballot b, Slot from_slot, std::vector<LogEntry> entries) {
  Message m = message(MsgKind::promise, from, to, b);
  m.slot = from_slot;
  m.entries = std::move(entries);
  return m;
}

Value cmd(std::uint32_t client, std::uint64_t request, KvOpKind op, std::string key, std::string value = {}) {
  return encode(Command{client, request, op, std::move(key), std::move(value)});
}

// Elects node 0 of 3 as leader from commit point `from`, with the given promises from n2 and n3.
Leader elect(const NodeConfig& cfg, Slot from, std::vector<LogEntry> e2, std::vector<LogEntry> e3, Effects& out) {
  Leader l;
  l.start_election(cfg, Ballot{}, from, out);
  const Ballot b = l.ballot();
  out.clear();
  CHECK_FALSE(l.on_promise(cfg, multi_promise(1, 0, b, from, std::move(e2)), out));
  CHECK(l.on_promise(cfg, multi_promise(2, 0, b, from, std::move(e3)), out));
  return l;
}

std::map<Slot, Value> accepts_by_slot(const Effects& e) {
  std::map<Slot, Value> out;
  for (const Outgoing& o : e.send)
    if (o.msg.kind == MsgKind::accept && o.msg.to == 0) out[o.msg.slot] = o.msg.value;
  return out;
}

}  // namespace

TEST_CASE("multi-paxos leader: recovers a log with holes, highest ballot per slot, no-ops in the gaps") {
  const NodeConfig cfg = multi_config(0, 3);
  Effects out;
  // Slot 5: n2 accepted "old" at ballot 1, n3 accepted "new" at ballot 2 -> "new" wins.
  // Slot 7: only n3 accepted something. Slot 6: nobody -> no-op.
  Leader l = elect(cfg, 5, {{5, {1, 1}, "old"}}, {{5, {2, 2}, "new"}, {7, {2, 2}, "seven"}}, out);
  CHECK(l.role() == Leader::Role::leader);
  l.take_office(cfg, 0, [](Slot) { return false; }, out);
  const auto a = accepts_by_slot(out);
  REQUIRE(a.size() == 3);
  CHECK(a.at(5) == "new");
  CHECK(a.at(6) == k_noop_value);
  CHECK(a.at(7) == "seven");
  // A phase-1 quorum was reported, for the commit point.
  REQUIRE(out.quorums.size() == 1);
  CHECK(out.quorums[0].slot == 5);
  CHECK(out.quorums[0].members.size() == 2);

  // New commands go after the recovered slots.
  out.clear();
  l.submit(cfg, "cmd-a", out);
  const auto b = accepts_by_slot(out);
  REQUIRE(b.size() == 1);
  CHECK(b.begin()->first == 8);
}

TEST_CASE("multi-paxos leader: slots it already knows are decided are not proposed again") {
  const NodeConfig cfg = multi_config(0, 3);
  Effects out;
  Leader l = elect(cfg, 0, {{0, {1, 1}, "x"}, {1, {1, 1}, "y"}}, {}, out);
  l.take_office(cfg, 0, [](Slot s) { return s == 0; }, out);
  const auto a = accepts_by_slot(out);
  CHECK(a.size() == 1);
  CHECK(a.contains(1));
}

TEST_CASE("multi-paxos leader: the bugs no-recovery-above-commit and noop-over-accepted") {
  Effects out;
  {
    const NodeConfig cfg = multi_config(0, 3, 8, {Bug::no_recovery_above_commit});
    Leader l = elect(cfg, 3, {{3, {1, 1}, "chosen?"}}, {}, out);
    l.take_office(cfg, 0, [](Slot) { return false; }, out);
    CHECK(accepts_by_slot(out).empty());  // nothing recovered
    out.clear();
    l.submit(cfg, "new", out);
    CHECK(accepts_by_slot(out).at(3) == "new");  // over a slot that may hold a chosen value
  }
  {
    out.clear();
    const NodeConfig cfg = multi_config(0, 3, 8, {Bug::noop_over_accepted});
    Leader l = elect(cfg, 0, {{0, {1, 1}, "accepted"}}, {}, out);
    l.take_office(cfg, 0, [](Slot) { return false; }, out);
    CHECK(accepts_by_slot(out).at(0) == k_noop_value);
  }
}

TEST_CASE("multi-paxos leader: at most `window` slots in flight; a decided slot frees its place") {
  const NodeConfig cfg = multi_config(0, 3, 2);
  Effects out;
  Leader l = elect(cfg, 0, {}, {}, out);
  l.take_office(cfg, 0, [](Slot) { return false; }, out);
  out.clear();
  l.submit(cfg, "a", out);
  l.submit(cfg, "b", out);
  l.submit(cfg, "c", out);
  l.submit(cfg, "a", out);  // a retried duplicate is not queued twice
  CHECK(accepts_by_slot(out).size() == 2);
  CHECK(l.in_flight() == 2);
  out.clear();
  l.settled(0);
  l.fill_window(cfg, out);
  const auto a = accepts_by_slot(out);
  REQUIRE(a.size() == 1);
  CHECK(a.at(2) == "c");
}

TEST_CASE("multi-paxos leader: a quorum of distinct acceptances chooses; duplicates count once") {
  const NodeConfig cfg = multi_config(0, 3);
  Effects out;
  Leader l = elect(cfg, 0, {}, {}, out);
  l.take_office(cfg, 0, [](Slot) { return false; }, out);
  l.submit(cfg, "v", out);
  const Ballot b = l.ballot();
  Message ack = accepted(1, 0, b, "v");
  CHECK_FALSE(l.on_accepted(cfg, ack, out));
  CHECK_FALSE(l.on_accepted(cfg, ack, out));  // the same acceptor again
  Message other = accepted(2, 0, b, "v");
  CHECK(l.on_accepted(cfg, other, out));  // chosen: the slot's value, other's "v"
  REQUIRE(!out.quorums.empty());
  CHECK(out.quorums.back().phase == QuorumUse::Phase::accepted);
  CHECK(out.quorums.back().members == std::vector<NodeId>{1, 2});
}

TEST_CASE("multi-paxos leader: stepping down on a higher ballot drops its proposals") {
  const NodeConfig cfg = multi_config(0, 3);
  Effects out;
  Leader l = elect(cfg, 0, {}, {}, out);
  l.take_office(cfg, 0, [](Slot) { return false; }, out);
  l.submit(cfg, "v", out);
  l.step_down(Ballot{9, 2});
  CHECK(l.role() == Leader::Role::follower);
  CHECK(l.in_flight() == 0);
  out.clear();
  l.start_election(cfg, Ballot{}, 0, out);
  CHECK(l.ballot().round == 10);  // above the ballot that deposed it
}

TEST_CASE("replica: decisions arriving out of order are applied in log order, once") {
  const NodeConfig cfg = multi_config(1, 3);
  Replica r;
  Effects out;
  CHECK(r.learn(cfg, 1, cmd(0, 2, KvOpKind::append, "k", "b"), Ballot{1, 0}, out));
  CHECK(out.applied.empty());  // slot 0 missing: nothing applies yet
  CHECK(r.first_undecided() == 0);
  out.clear();
  CHECK(r.learn(cfg, 0, cmd(0, 1, KvOpKind::put, "k", "a"), Ballot{1, 0}, out));
  REQUIRE(out.applied.size() == 2);
  CHECK(out.applied[0].slot == 0);
  CHECK(out.applied[1].slot == 1);
  CHECK(r.first_undecided() == 2);
  CHECK(r.kv().peek("k").value == "ab");
  out.clear();
  CHECK_FALSE(r.learn(cfg, 0, cmd(0, 1, KvOpKind::put, "k", "a"), Ballot{1, 0}, out));
  CHECK(out.applied.empty());
}

TEST_CASE("replica: rebuilt from its decided records, it re-applies the log from the start") {
  const NodeConfig cfg = multi_config(1, 3);
  std::vector<Record> disk = {Record{RecordKind::decided, 0, {1, 0}, cmd(0, 1, KvOpKind::put, "k", "x")},
                              Record{RecordKind::decided, 1, {1, 0}, k_noop_value},
                              Record{RecordKind::decided, 3, {1, 0}, cmd(0, 2, KvOpKind::put, "k", "y")}};
  Replica r;
  r.recover(disk);
  Effects out;
  r.replay(cfg, out);
  REQUIRE(out.applied.size() == 2);  // 0 and 1; 3 waits for 2
  CHECK(r.kv().peek("k").value == "x");
  CHECK(r.first_undecided() == 2);
  CHECK(r.next_free() == 4);
}

TEST_CASE("kv: a retried request is executed once and answered with the remembered result") {
  KvStore kv;
  BugSet none;
  const Command put{0, 1, KvOpKind::append, "k", "a"};
  REQUIRE(kv.apply(put, none) != nullptr);
  REQUIRE(kv.apply(put, none) != nullptr);  // the retry, landed in a second slot
  CHECK(kv.peek("k").value == "a");
  CHECK(kv.applied_requests() == 1);
  const Command get{0, 2, KvOpKind::get, "k", ""};
  CHECK(kv.apply(get, none)->value == "a");
  CHECK(kv.apply(put, none) == nullptr);  // older than the client's latest: ignored
  CHECK(kv.cached(0, 2)->value == "a");
  CHECK(kv.cached(0, 1) == nullptr);
  const Command missing{1, 1, KvOpKind::get, "nope", ""};
  CHECK(kv.apply(missing, none)->absent);
  CHECK(kv.cached(1, 1)->absent);
  CHECK(kv.cached(5, 1) == nullptr);  // a client never seen
  // A put after a get: its result is empty, not the get's value.
  const Command put2{0, 3, KvOpKind::put, "k", "b"};
  const KvResult* r = kv.apply(put2, none);
  REQUIRE(r != nullptr);
  CHECK(r->value.empty());
  CHECK_FALSE(r->absent);
  // Client ids far from the simulated clients' (the lock service's own).
  const Command far{0xfffffff0u, 7, KvOpKind::get, "k", ""};
  CHECK(kv.apply(far, none)->value == "b");
  CHECK(kv.cached(0xfffffff0u, 7)->value == "b");
  CHECK(kv.apply(far, none)->value == "b");  // its retry
  CHECK(kv.applied_requests() == 5);
}

TEST_CASE("kv: with duplicate-execution a retried append is applied twice") {
  KvStore kv;
  BugSet bugs;
  bugs.enable(Bug::duplicate_execution);
  const Command put{0, 1, KvOpKind::append, "k", "a"};
  kv.apply(put, bugs);
  kv.apply(put, bugs);
  CHECK(kv.peek("k").value == "aa");
}

TEST_CASE("kv: commands round-trip through their log encoding, any bytes") {
  const Command c{41, 123456789, KvOpKind::append, std::string("k|1:\x00x", 6), "v|2:3"};
  const auto d = decode(encode(c));
  REQUIRE(d.has_value());
  CHECK(d->client == 41);
  CHECK(d->request == 123456789);
  CHECK(d->op == KvOpKind::append);
  CHECK(d->key == c.key);
  CHECK(d->value == c.value);
  CHECK_FALSE(decode("hello").has_value());
  CHECK_FALSE(decode(k_noop_value).has_value());
  CHECK_FALSE(decode(encode(c) + "x").has_value());
}

TEST_CASE("kv: an encoded value carries its command; the same text alone decodes to the same fields") {
  const Command c{7, 42, KvOpKind::put, "key", "value|with:bars"};
  const Value encoded = encode(c);
  const Value text(encoded.str());  // the same text, made without the command
  REQUIRE(encoded.command() != nullptr);
  CHECK(text.command() == nullptr);
  CHECK(encoded == text);
  CommandView scratch;
  const CommandView* carried = command_of(encoded, scratch);
  CHECK(carried == encoded.command());  // read, not parsed
  CHECK(carried->key.data() > encoded.data());  // a view into the value's own text
  CHECK(carried->key.data() < encoded.data() + encoded.size());
  const CommandView* parsed = command_of(text, scratch);
  REQUIRE(parsed == &scratch);
  for (const CommandView* d : {carried, parsed}) {
    CHECK(d->client == c.client);
    CHECK(d->request == c.request);
    CHECK(d->op == c.op);
    CHECK(d->key == c.key);
    CHECK(d->value == c.value);
  }
  CHECK(command_of(Value("hello"), scratch) == nullptr);
  CHECK(command_of(k_noop_value, scratch) == nullptr);
}

TEST_CASE("multi-paxos node: a follower redirects a client to the leader it knows") {
  const NodeConfig cfg = multi_config(1, 3);
  auto node = make_multi_paxos_node(cfg, {});
  Effects out;
  node->step(Input::start(), out);
  // A heartbeat from n3 makes it the known leader.
  Message hb = message(MsgKind::heartbeat, 2, 1, Ballot{1, 2});
  out.clear();
  node->step(Input::message(hb), out);
  Message req = message(MsgKind::client_request, 3, 1);
  req.request = 1;
  req.value = cmd(0, 1, KvOpKind::get, "k");
  out.clear();
  node->step(Input::message(req), out);
  const Message r = only_send(out, MsgKind::redirect);
  CHECK(r.to == 3);
  CHECK(r.leader_hint == 2);
  CHECK(r.request == 1);
}

TEST_CASE("multi-paxos node: a promise lists every acceptance from the prepare's slot on") {
  const NodeConfig cfg = multi_config(1, 3);
  std::vector<Record> disk = {Record{RecordKind::accept, 2, {1, 0}, "two"}, Record{RecordKind::accept, 5, {1, 0}, "five"},
                              Record{RecordKind::accept, 1, {1, 0}, "one"}};
  auto node = make_multi_paxos_node(cfg, disk);
  Effects out;
  Message p = prepare(0, 1, Ballot{2, 0});
  p.slot = 2;
  node->step(Input::message(p), out);
  const Message pr = only_send(out, MsgKind::promise);
  REQUIRE(pr.entries.size() == 2);
  CHECK(pr.entries[0].slot == 2);
  CHECK(pr.entries[0].value == "two");
  CHECK(pr.entries[1].slot == 5);
  CHECK(pr.slot == 2);
}

TEST_CASE("multi-paxos runs: four kv scenarios pass their own seed with every checker on (check runs them all)") {
  for (const char* name : {"progress.json", "partition-heal.json", "all-crash.json", "lossy-appends.json"}) {
    CAPTURE(name);
    const auto s = cli::load_scenario(std::string(PAXSIM_SOURCE_DIR) + "/scenarios/kv/" + name, {});
    const auto r = cli::run_scenario(s);
    CHECK_MESSAGE(r.pass, r.verdict_reason);
    CHECK(r.decided_slots > 0);
    CHECK(r.stats.client_ops_completed > 0);
  }
}

TEST_CASE("kv: append_decimal writes as std::to_string, zero-padded to the width asked") {
  std::string s = "x";
  append_decimal(s, 0);
  CHECK(s == "x0");
  append_decimal(s, 42, 4);
  CHECK(s == "x00042");
  append_decimal(s, 123456, 3);  // wider than asked: not cut
  CHECK(s == "x00042123456");
  std::string max;
  append_decimal(max, std::numeric_limits<std::uint64_t>::max(), 25);
  CHECK(max == "00000" + std::to_string(std::numeric_limits<std::uint64_t>::max()));
}

TEST_CASE("kv: decimal_ending_at writes backwards to the end given, and the pieces join") {
  char buf[48];
  char* const end = buf + sizeof buf;
  char* p = decimal_ending_at(end, 12, 7);
  CHECK(std::string(p, end) == "0000012");
  *--p = '-';
  p = decimal_ending_at(p, 3, 4);  // as kv clients build "c%04u-%07llu"
  *--p = 'c';
  CHECK(std::string(p, end) == "c0003-0000012");
  p = decimal_ending_at(end, 123456, 3);  // wider than asked: not cut
  CHECK(std::string(p, end) == "123456");
  p = decimal_ending_at(end, std::numeric_limits<std::uint64_t>::max());
  CHECK(std::string(p, end) == std::to_string(std::numeric_limits<std::uint64_t>::max()));
  p = decimal_ending_at(end, 0);
  CHECK(std::string(p, end) == "0");
}

// ---------------------------------------------------------------- check quorum, stickiness, deference

namespace {

// A multi-paxos node of `nodes`, started; its election timer's token is 1,
// and each firing re-arms it with the next token.
struct Driven {
  std::unique_ptr<Node> node;
  std::uint64_t election = 0;   // the live election token
  std::uint64_t heartbeat = 0;  // the latest heartbeat token (0: none yet)

  Driven(NodeId self, std::uint32_t nodes) : node(make_multi_paxos_node(multi_config(self, nodes), {})) {
    Effects out;
    node->step(Input::start(), out);
    election = timers_of(out, TimerKind::election).at(0).token;
  }
  Effects deliver(const Message& m) {
    Effects out;
    node->step(Input::message(m), out);
    for (const TimerRequest& t : timers_of(out, TimerKind::heartbeat)) heartbeat = t.token;
    return out;
  }
  Effects timeout() {
    Effects out;
    node->step(Input::fire(TimerKind::election, election), out);
    const auto t = timers_of(out, TimerKind::election);
    REQUIRE(t.size() == 1);
    election = t[0].token;
    return out;
  }
};

// n1 of 3 elected at its first timeout, with n2's promise; returns its ballot.
Ballot elect_n1(Driven& d) {
  const Message p = sends_of(d.timeout(), MsgKind::prepare).at(0).msg;
  d.deliver(multi_promise(0, 0, p.ballot, p.slot, {}));
  d.deliver(multi_promise(1, 0, p.ballot, p.slot, {}));
  REQUIRE(d.node->view().leads);
  return p.ballot;
}

}  // namespace

TEST_CASE("multi-paxos node: a follower answers a heartbeat it follows, and nacks a deposed leader's") {
  Driven f(1, 3);
  const Effects out = f.deliver(message(MsgKind::heartbeat, 0, 1, Ballot{2, 0}));
  const Message ack = only_send(out, MsgKind::heartbeat_ack);
  CHECK(ack.to == 0);
  CHECK(ack.ballot == Ballot{2, 0});
  // A prepare from the leader it follows is promised (a leader may re-run phase 1).
  CHECK(sends_of(f.deliver(prepare(0, 1, Ballot{3, 0})), MsgKind::promise).size() == 1);
  // The old ballot's heartbeat is now answered with a nack, not an ack.
  const Effects old = f.deliver(message(MsgKind::heartbeat, 0, 1, Ballot{2, 0}));
  CHECK(sends_of(old, MsgKind::heartbeat_ack).empty());
  CHECK(only_send(old, MsgKind::nack).ballot == Ballot{3, 0});
}

TEST_CASE("multi-paxos node: stickiness: a follower that heard the leader ignores a rival for two timeouts") {
  Driven f(1, 3);
  f.deliver(message(MsgKind::heartbeat, 0, 1, Ballot{1, 0}));
  const Message rival = prepare(2, 1, Ballot{5, 2});
  CHECK(f.deliver(rival).send.empty());  // heard the leader in this timeout
  CHECK(sends_of(f.timeout(), MsgKind::prepare).empty());  // heard it: no election of its own
  CHECK(f.deliver(rival).send.empty());  // heard it in the timeout before
  // A second timeout with no heartbeat: it starts an election of its own and
  // no longer sticks to n1, so the rival's higher ballot is promised.
  CHECK(sends_of(f.timeout(), MsgKind::prepare).size() == 3);
  CHECK(sends_of(f.deliver(prepare(2, 1, Ballot{9, 2})), MsgKind::promise).size() == 1);
}

TEST_CASE("multi-paxos node: deference: a rival's election holds a follower back for one timeout, not more") {
  Driven f(1, 3);
  // A candidate that never finishes (it hears nobody): each timeout, a new prepare.
  CHECK(sends_of(f.deliver(prepare(2, 1, Ballot{1, 2})), MsgKind::promise).size() == 1);
  CHECK(sends_of(f.timeout(), MsgKind::prepare).empty());  // defers once
  CHECK(sends_of(f.deliver(prepare(2, 1, Ballot{2, 2})), MsgKind::promise).size() == 1);
  CHECK(sends_of(f.timeout(), MsgKind::prepare).size() == 3);  // then runs for office itself
}

TEST_CASE("multi-paxos node: check quorum: a leader stays while a majority answers and steps down when none does") {
  Driven l(0, 3);
  const Ballot b = elect_n1(l);
  // A leader with a majority behind it ignores a rival's prepare.
  CHECK(l.deliver(prepare(2, 0, Ballot{b.round + 5, 2})).send.empty());
  CHECK(l.node->view().leads);
  // The first timeout in office starts the count; n2 answers before the next.
  {
    REQUIRE(l.heartbeat != 0);  // while leading, its heartbeat timer sends to both followers
    Effects hb;
    l.node->step(Input::fire(TimerKind::heartbeat, l.heartbeat), hb);
    CHECK(destinations(hb, MsgKind::heartbeat) == std::vector<EndpointId>{1, 2});
    for (const TimerRequest& t : timers_of(hb, TimerKind::heartbeat)) l.heartbeat = t.token;
  }
  l.timeout();
  l.deliver(message(MsgKind::heartbeat_ack, 1, 0, b));
  l.timeout();
  CHECK(l.node->view().leads);
  // A whole timeout with no answer (an answer under another ballot does not count).
  l.deliver(message(MsgKind::heartbeat_ack, 1, 0, Ballot{b.round - 1, 1}));
  l.timeout();
  CHECK_FALSE(l.node->view().leads);
  // Stepped down, it no longer sends heartbeats when its heartbeat timer fires.
  REQUIRE(l.heartbeat != 0);
  Effects hb;
  l.node->step(Input::fire(TimerKind::heartbeat, l.heartbeat), hb);
  CHECK(sends_of(hb, MsgKind::heartbeat).empty());
}

namespace {
// A client's put of `value` to key k, as it reaches n1 (clients are endpoints 3 on).
Message put_request(EndpointId client, std::uint64_t request, const char* value) {
  Message req = message(MsgKind::client_request, client, 0);
  req.request = request;
  req.value = encode(Command{client - 3, request, KvOpKind::put, "k", value});
  return req;
}
// n1, leading, proposes `req` and its own acceptor accepts; returns the accepts it sent.
std::vector<Outgoing> propose_and_accept_own(Driven& l, const Message& req) {
  const std::vector<Outgoing> accepts = sends_of(l.deliver(req), MsgKind::accept);
  REQUIRE(accepts.size() == 3);
  Message own = accepts.at(0).msg;
  own.to = 0;
  CHECK(sends_of(l.deliver(own), MsgKind::accepted).size() == 1);  // its own acceptor accepts
  return accepts;
}
}  // namespace

TEST_CASE("multi-paxos node: a leader's own accepts are no news of a leader: deposed, it promises a rival at once") {
  Driven l(0, 3);
  const Ballot b = elect_n1(l);
  l.timeout();  // the first timeout in office starts the count of answers
  propose_and_accept_own(l, put_request(3, 1, "v"));
  // Nobody answered for a whole timeout: check quorum deposes it. Its own
  // accept in that timeout was no heartbeat of a leader, so it is not
  // sticky to anyone: a rival's prepare is promised at once.
  l.timeout();
  REQUIRE_FALSE(l.node->view().leads);
  CHECK(sends_of(l.deliver(prepare(2, 0, Ballot{b.round + 1, 2})), MsgKind::promise).size() == 1);
}

TEST_CASE("multi-paxos node: a leader a majority follows, nacked by a rival, leads on and asks again at its next timeout") {
  Driven l(0, 3);
  const Ballot b = elect_n1(l);
  propose_and_accept_own(l, put_request(3, 1, "v"));
  const Ballot rival{b.round + 3, 1};
  // n2 promised itself a higher ballot (its prepare went unanswered): it nacks.
  CHECK(l.deliver(message(MsgKind::nack, 1, 0, rival)).send.empty());
  CHECK(l.node->view().leads);  // n3 still accepts: it leads on
  // It still proposes under its ballot.
  const std::vector<Outgoing> accepts = propose_and_accept_own(l, put_request(4, 2, "w"));
  CHECK(accepts[0].msg.ballot == b);
  // At its next election timeout it runs phase 1 again, above the rival.
  const std::vector<Outgoing> again = sends_of(l.timeout(), MsgKind::prepare);
  REQUIRE(again.size() == 3);
  CHECK(again[0].msg.ballot > rival);
  CHECK_FALSE(l.node->view().leads);
  // A nack with no majority behind the leader deposes it at once, as before:
  // a node that is only a candidate steps down for a higher ballot.
  Driven m(0, 3);
  const Ballot c = elect_n1(m);
  m.timeout();  // starts the count
  m.timeout();  // nobody answered: deposed by check quorum
  REQUIRE_FALSE(m.node->view().leads);
  CHECK(sends_of(m.timeout(), MsgKind::prepare).size() == 3);  // a candidate again, above c
  m.deliver(message(MsgKind::nack, 1, 0, Ballot{c.round + 7, 1}));
  CHECK_FALSE(m.node->view().leads);
  const std::vector<Outgoing> next = sends_of(m.timeout(), MsgKind::prepare);
  REQUIRE(next.size() == 3);
  CHECK(next[0].msg.ballot > Ballot{c.round + 7, 1});
}

TEST_CASE("multi-paxos node: a leader that passed over a rival's prepare, which a follower promised, promises it too") {
  // Five nodes, n4 and n5 out of reach. n1 leads (n2 and n3 promised it), but
  // n3 had promised n2's higher ballot first: n3's nack shows that the rival
  // holds two promises, and n1's own makes three.
  Driven l(0, 5);
  const Message p = sends_of(l.timeout(), MsgKind::prepare).at(0).msg;
  for (EndpointId from : {0, 1, 2}) l.deliver(multi_promise(from, 0, p.ballot, p.slot, {}));
  REQUIRE(l.node->view().leads);
  const Ballot rival{p.ballot.round, 1};  // n2's, above n1's in the same round
  REQUIRE(rival > p.ballot);
  CHECK(l.deliver(prepare(1, 0, rival)).send.empty());  // passed over: a majority follows n1
  // A nack from the rival itself changes nothing (the leader leads on) ...
  CHECK(l.deliver(message(MsgKind::nack, 1, 0, rival)).send.empty());
  CHECK(l.node->view().leads);
  // ... but one from n3, for the same ballot, does: n1 steps down and promises
  // the rival, durably before the promise leaves.
  const Effects out = l.deliver(message(MsgKind::nack, 2, 0, rival));
  CHECK_FALSE(l.node->view().leads);
  const std::vector<Outgoing> promises = sends_of(out, MsgKind::promise);
  REQUIRE(promises.size() == 1);
  CHECK(promises[0].msg.to == 1);
  CHECK(promises[0].msg.ballot == rival);
  CHECK(promises[0].after_durable);
  REQUIRE(out.persist.size() == 1);
  CHECK(out.persist[0].ballot == rival);
  CHECK(l.node->view().promised == rival);
  // A follower's nack for another ballot than the one passed over is the old
  // case: the leader leads on.
  Driven m(0, 5);
  const Message q = sends_of(m.timeout(), MsgKind::prepare).at(0).msg;
  for (EndpointId from : {0, 1, 2}) m.deliver(multi_promise(from, 0, q.ballot, q.slot, {}));
  REQUIRE(m.node->view().leads);
  m.deliver(prepare(1, 0, Ballot{q.ballot.round, 1}));
  const Ballot higher{q.ballot.round + 1, 4};  // n5's
  CHECK(m.deliver(message(MsgKind::nack, 2, 0, higher)).send.empty());
  CHECK(m.node->view().leads);
  // In the other order, the nack first, the prepare it speaks of joins at once.
  const std::vector<Outgoing> joined = sends_of(m.deliver(prepare(4, 0, higher)), MsgKind::promise);
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].msg.to == 4);
  CHECK(joined[0].msg.ballot == higher);
  CHECK_FALSE(m.node->view().leads);
}

TEST_CASE("multi-paxos leader: its set of queued commands compares texts, wherever a value sits") {
  CommandSet set;
  const Value a = encode(Command{1, 5, KvOpKind::put, "k", "v"});
  CHECK(set.insert(a));
  CHECK_FALSE(set.insert(a));
  CHECK_FALSE(set.insert(Value(a.str())));  // the same text, carrying no command
  CHECK_FALSE(set.insert(encode(Command{1, 5, KvOpKind::put, "k", "v"})));  // the same text, made again
  // A client's second command, while its first is queued.
  const Value b = encode(Command{1, 6, KvOpKind::get, "k", ""});
  CHECK(set.insert(b));
  CHECK_FALSE(set.insert(b));
  // Removed by an equal text: the first goes, the second stays.
  set.erase(Value(a.str()));
  CHECK(set.insert(a));
  CHECK_FALSE(set.insert(b));
  set.erase(a);
  set.erase(b);
  CHECK(set.insert(b));  // b alone now, in the client's cell
  CHECK(set.insert(a));
  CHECK_FALSE(set.insert(Value(b.str())));
  // Clients beyond the dense range, the lock service's own, and values that are no command.
  for (const Value& v : {encode(Command{5000, 1, KvOpKind::put, "k", "v"}), encode(lock_expire("l", 3)), Value("plain"),
                         k_noop_value}) {
    CHECK(set.insert(v));
    CHECK_FALSE(set.insert(Value(v.str())));
    set.erase(Value(v.str()));
    CHECK(set.insert(v));
  }
  set.clear();
  CHECK(set.insert(a));
  CHECK(set.insert(Value("plain")));
}
