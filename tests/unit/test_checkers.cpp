// The safety checkers. First fed by hand through the Observer interface (each
// invariant's violation is found, and the legal neighbour of each case is
// not), then end to end: whole simulations with deliberately broken acceptor
// doubles swapped in through RunOptions::factory must end in a violation,
// while the same scenario with real nodes passes.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "checkers/chosen.hpp"
#include "checkers/log.hpp"
#include "checkers/promises.hpp"
#include "checkers/quorums.hpp"
#include "helpers.hpp"
#include "sim/simulation.hpp"

using namespace paxsim;
using namespace paxsim::test;
using checkers::ChosenTracker;
using checkers::LogChecker;
using checkers::PromiseChecker;
using checkers::QuorumChecker;
using checkers::ViolationSink;

namespace {

constexpr Time_us k_t = 1000;

// A ChosenTracker over three acceptors with every invariant on, and its sink.
struct Tracker {
  explicit Tracker(bool stability = true)
      : scenario(scenario_with_nodes(3)), chosen(scenario, sink, true, true, stability) {}
  void propose(const Value& v) { chosen.on_propose(k_t, 0, v); }
  void durably_accept(NodeId n, Ballot b, const Value& v) { chosen.on_durable(k_t, n, accept_record(b, v)); }

  sim::Scenario scenario;
  ViolationSink sink;
  ChosenTracker chosen;
};

// A PromiseChecker over three nodes, and its sink.
struct Promises {
  Promises() : scenario(scenario_with_nodes(3)), checker(scenario, sink) {}
  sim::Scenario scenario;
  ViolationSink sink;
  PromiseChecker checker;
};

// A QuorumChecker over three nodes where n1 and n2 answered `b` (promise and accepted).
struct Quorums {
  explicit Quorums(Ballot b) : scenario(scenario_with_nodes(3)), checker(scenario, sink) {
    for (NodeId a : {0u, 1u}) {
      checker.on_send(k_t, promise(a, 2, b));
      checker.on_send(k_t, accepted(a, 2, b, "A"));
    }
  }
  void use(QuorumUse::Phase phase, Ballot b, std::vector<NodeId> members) {
    checker.on_quorum(k_t, 2, QuorumUse{phase, 0, b, std::move(members)});
  }
  sim::Scenario scenario;
  ViolationSink sink;
  QuorumChecker checker;
};

}  // namespace

// ---------------------------------------------------------------- ChosenTracker by hand

// A value is chosen when a majority durably accepted one (ballot, value); the
// tracker names the ballot and the majority.
TEST_CASE("chosen tracker: a majority of durable acceptances in one ballot chooses a value") {
  Tracker t;
  t.propose("A");
  t.durably_accept(0, ballot(1, 0), "A");
  CHECK(t.chosen.chosen(0) == nullptr);
  t.durably_accept(0, ballot(1, 0), "A");  // the same acceptor twice is one vote
  CHECK(t.chosen.chosen(0) == nullptr);
  t.durably_accept(1, ballot(2, 1), "A");  // another ballot is another vote count
  CHECK(t.chosen.chosen(0) == nullptr);
  t.durably_accept(2, ballot(1, 0), "A");
  CHECK(t.chosen.chosen(0) != nullptr);
  const std::optional<checkers::Choice> c = t.chosen.choice(0);
  REQUIRE(c.has_value());
  CHECK(c->value == "A");
  CHECK(c->ballot == ballot(1, 0));
  CHECK(c->acceptors == std::vector<NodeId>{0, 2});
  CHECK(t.chosen.chosen_slots() == 1);
  CHECK_FALSE(t.sink.any());
}

// Agreement: two different values each durably accepted by a majority. The
// report names both values.
TEST_CASE("chosen tracker: two values chosen is an agreement violation naming both") {
  Tracker t(/*stability=*/false);
  t.propose("A");
  t.propose("B");
  const std::uint64_t step = 42;  // the simulation's step count, as add_observer hands it over
  t.chosen.watch_step_count(&step);
  t.durably_accept(0, ballot(1, 0), "A");
  t.durably_accept(1, ballot(1, 0), "A");
  REQUIRE_FALSE(t.sink.any());
  t.durably_accept(1, ballot(2, 2), "B");
  t.durably_accept(2, ballot(2, 2), "B");

  const checkers::Violation* v = violation_of(t.sink, "agreement");
  REQUIRE(v != nullptr);
  CHECK(v->step == 42);
  CHECK(v->time_us == k_t);
  CHECK(contains(v->message, "\"A\""));
  CHECK(contains(v->message, "\"B\""));
  REQUIRE(v->evidence.size() >= 2);
  CHECK(contains(all_text(*v), "n1,n2"));  // who chose A
  CHECK(contains(all_text(*v), "n2,n3"));  // who chose B
  CHECK(t.sink.first_of_each().size() == 1);
}

// The same value chosen twice (in two ballots) is no violation at all.
TEST_CASE("chosen tracker: one value chosen in two ballots is fine") {
  Tracker t;
  t.propose("A");
  t.durably_accept(0, ballot(1, 0), "A");
  t.durably_accept(1, ballot(1, 0), "A");
  t.durably_accept(1, ballot(2, 2), "A");
  t.durably_accept(2, ballot(2, 2), "A");
  CHECK_FALSE(t.sink.any());
}

// Stability (P2): after "A" is chosen at b, an acceptance of another value
// above b is reported at once, before a second value is chosen.
TEST_CASE("chosen tracker: an acceptance of another value above the chosen ballot breaks stability") {
  Tracker t;
  t.propose("A");
  t.propose("B");
  t.durably_accept(0, ballot(1, 0), "A");
  t.durably_accept(1, ballot(1, 0), "A");
  t.durably_accept(2, ballot(3, 2), "B");

  const checkers::Violation* v = violation_of(t.sink, "stability");
  REQUIRE(v != nullptr);
  CHECK(contains(all_text(*v), "\"A\""));
  CHECK(contains(all_text(*v), "\"B\""));
  CHECK_FALSE(reported(t.sink, "agreement"));  // not (yet) two values chosen
}

// ... but an acceptance of another value below the chosen ballot is legal.
TEST_CASE("chosen tracker: an acceptance below the chosen ballot is not a stability violation") {
  Tracker t;
  t.propose("A");
  t.propose("B");
  t.durably_accept(2, ballot(1, 2), "B");
  t.durably_accept(0, ballot(2, 0), "A");
  t.durably_accept(1, ballot(2, 0), "A");
  REQUIRE(t.chosen.chosen(0) != nullptr);
  CHECK_FALSE(t.sink.any());
}

// A learner that learns a value no majority accepted, or another value than
// the chosen one, breaks agreement.
TEST_CASE("chosen tracker: a learned value that is not chosen is an agreement violation") {
  SUBCASE("nothing chosen yet") {
    Tracker t;
    t.propose("A");
    t.chosen.on_learn(k_t, 1, Learned{0, "A"});
    const checkers::Violation* v = violation_of(t.sink, "agreement");
    REQUIRE(v != nullptr);
    CHECK(contains(v->message, "n2"));
    CHECK_FALSE(v->evidence.empty());
  }
  SUBCASE("another value chosen") {
    Tracker t;
    t.propose("A");
    t.propose("B");
    t.durably_accept(0, ballot(1, 0), "A");
    t.durably_accept(1, ballot(1, 0), "A");
    t.chosen.on_learn(k_t, 2, Learned{0, "B"});
    const checkers::Violation* v = violation_of(t.sink, "agreement");
    REQUIRE(v != nullptr);
    CHECK(contains(v->message, "\"A\""));
    CHECK(contains(v->message, "\"B\""));
  }
  SUBCASE("the chosen value is fine") {
    Tracker t;
    t.propose("A");
    t.durably_accept(0, ballot(1, 0), "A");
    t.durably_accept(1, ballot(1, 0), "A");
    t.chosen.on_learn(k_t, 2, Learned{0, "A"});
    CHECK_FALSE(t.sink.any());
  }
}

// Validity: a chosen value must have been proposed; the no-op needs no proposal.
TEST_CASE("chosen tracker: a chosen value never proposed is a validity violation") {
  Tracker t;
  t.propose("A");
  t.durably_accept(0, ballot(1, 0), "Z");
  t.durably_accept(1, ballot(1, 0), "Z");
  const checkers::Violation* v = violation_of(t.sink, "validity");
  REQUIRE(v != nullptr);
  CHECK(contains(v->message, "\"Z\""));
  CHECK_FALSE(v->evidence.empty());

  Tracker noop;
  noop.durably_accept(0, ballot(1, 0), k_noop_value);
  noop.durably_accept(1, ballot(1, 0), k_noop_value);
  CHECK_FALSE(noop.sink.any());
}

// A switched-off invariant reports nothing.
TEST_CASE("chosen tracker: disabled invariants stay silent") {
  sim::Scenario s = scenario_with_nodes(3);
  ViolationSink sink;
  ChosenTracker off(s, sink, false, false, false);
  off.on_durable(k_t, 0, accept_record(ballot(1, 0), "A"));
  off.on_durable(k_t, 1, accept_record(ballot(1, 0), "A"));
  off.on_durable(k_t, 1, accept_record(ballot(2, 1), "B"));
  off.on_durable(k_t, 2, accept_record(ballot(2, 1), "B"));
  off.on_learn(k_t, 0, Learned{0, "C"});
  CHECK_FALSE(sink.any());
  CHECK(off.chosen_slots() == 1);  // it still tracks what is chosen
}

// ---------------------------------------------------------------- PromiseChecker by hand

// A durable promise that goes back (a lower promise record after a higher one).
TEST_CASE("promise checker: a durable promise that goes back is a promises violation") {
  Promises p;
  p.checker.on_durable(k_t, 1, promise_record(ballot(5, 2)));
  p.checker.on_durable(k_t, 1, promise_record(ballot(6, 0)));
  CHECK_FALSE(p.sink.any());
  p.checker.on_durable(k_t, 1, promise_record(ballot(3, 0)));
  const checkers::Violation* v = violation_of(p.sink, "promises");
  REQUIRE(v != nullptr);
  CHECK(contains(v->message, "n2"));
  CHECK(contains(all_text(*v), "(6,n1)"));
  CHECK(contains(all_text(*v), "(3,n1)"));
}

// An acceptance below the durable promise.
TEST_CASE("promise checker: a durable acceptance below the durable promise is a promises violation") {
  Promises p;
  p.checker.on_durable(k_t, 0, promise_record(ballot(5, 2)));
  p.checker.on_durable(k_t, 0, accept_record(ballot(5, 2), "A"));
  CHECK_FALSE(p.sink.any());
  p.checker.on_durable(k_t, 0, accept_record(ballot(4, 1), "B"));
  REQUIRE(reported(p.sink, "promises"));
  CHECK(contains(violation_of(p.sink, "promises")->message, "\"B\""));
}

// Persist before send: a promise message ahead of its durable record.
TEST_CASE("promise checker: a promise sent before its record is durable is a promises violation") {
  Promises p;
  p.checker.on_durable(k_t, 0, promise_record(ballot(5, 2)));
  p.checker.on_send(k_t, promise(0, 2, ballot(5, 2)));  // covered
  p.checker.on_send(k_t, promise(0, 2, ballot(4, 2)));  // covered by a higher promise
  CHECK_FALSE(p.sink.any());
  p.checker.on_send(k_t, promise(0, 1, ballot(7, 1)));  // not durable yet
  const checkers::Violation* v = violation_of(p.sink, "promises");
  REQUIRE(v != nullptr);
  CHECK(contains(v->message, "(7,n2)"));
  CHECK_FALSE(v->evidence.empty());
}

// Persist before send, for acknowledgements.
TEST_CASE("promise checker: an acknowledgement sent before its acceptance is durable is a promises violation") {
  Promises p;
  p.checker.on_durable(k_t, 2, accept_record(ballot(2, 0), "A"));
  p.checker.on_send(k_t, accepted(2, 0, ballot(2, 0), "A"));
  CHECK_FALSE(p.sink.any());
  p.checker.on_send(k_t, accepted(2, 0, ballot(3, 1), "A"));  // (3,n2) is not durable
  CHECK(reported(p.sink, "promises"));
}

// A wiped disk is outside the fault model: the checker forgets that node's
// durable state with it, and a plain restart does not.
TEST_CASE("promise checker: only a wiped restart resets a node's durable promise") {
  Promises kept;
  kept.checker.on_durable(k_t, 1, promise_record(ballot(5, 2)));
  kept.checker.on_restart(k_t, 1, false);
  kept.checker.on_durable(k_t, 1, promise_record(ballot(1, 0)));
  CHECK(reported(kept.sink, "promises"));

  Promises wiped;
  wiped.checker.on_durable(k_t, 1, promise_record(ballot(5, 2)));
  wiped.checker.on_restart(k_t, 1, true);
  wiped.checker.on_durable(k_t, 1, promise_record(ballot(1, 0)));
  CHECK_FALSE(wiped.sink.any());
}

// The checks take a shortcut when a value is the very handle seen before;
// a value of the same text in another handle must pass all the same, and
// another text must not.
TEST_CASE("checkers: one value in one handle or in two reads the same, another value does not") {
  const Value a("A"), a_again("A"), b("B");
  SUBCASE("log") {
    const sim::Scenario s = scenario_with_nodes(3);
    ViolationSink sink;
    LogChecker log(s, sink);
    log.on_apply(k_t, 0, Learned{0, a});
    log.on_apply(k_t, 1, Learned{0, a});        // the same handle
    log.on_apply(k_t, 2, Learned{0, a_again});  // the same text
    log.on_apply(k_t, 0, Learned{1, b});
    log.on_apply(k_t, 1, Learned{1, b});
    CHECK_FALSE(sink.any());
    log.on_apply(k_t, 2, Learned{1, a});  // another value at index 1
    CHECK(reported(sink, "log"));
    ViolationSink gaps;
    LogChecker gap(s, gaps);
    gap.on_apply(k_t, 0, Learned{0, a});
    gap.on_apply(k_t, 1, Learned{0, a});
    gap.on_apply(k_t, 1, Learned{0, a});  // index 0 again, the same handle: out of order
    CHECK(reported(gaps, "log"));
  }
  SUBCASE("learned") {
    Tracker t;
    t.propose(a);
    t.durably_accept(0, ballot(1, 0), a);
    t.durably_accept(1, ballot(1, 0), a);
    t.chosen.on_learn(k_t, 2, Learned{0, a});
    t.chosen.on_learn(k_t, 2, Learned{0, a_again});
    CHECK_FALSE(t.sink.any());
    t.chosen.on_learn(k_t, 2, Learned{0, b});
    CHECK(reported(t.sink, "agreement"));
  }
  SUBCASE("acknowledged") {
    Promises p;
    p.checker.on_durable(k_t, 2, accept_record(ballot(2, 0), a));
    p.checker.on_send(k_t, accepted(2, 0, ballot(2, 0), a));
    p.checker.on_send(k_t, accepted(2, 0, ballot(2, 0), a_again));
    p.checker.on_send(k_t, accepted(2, 0, ballot(1, 0), b));  // below the durable acceptance: covered
    CHECK_FALSE(p.sink.any());
    p.checker.on_send(k_t, accepted(2, 0, ballot(2, 0), b));
    CHECK(reported(p.sink, "promises"));
  }
}

// ---------------------------------------------------------------- QuorumChecker by hand

// The legal case: every member distinct, a majority, and each really answered.
TEST_CASE("quorum checker: a majority of distinct acceptors that answered is fine") {
  Quorums q(ballot(1, 2));
  q.use(QuorumUse::Phase::promise, ballot(1, 2), {0, 1});
  q.use(QuorumUse::Phase::accepted, ballot(1, 2), {1, 0});
  CHECK_FALSE(q.sink.any());
}

// A duplicate answer counted twice makes a "quorum" of one acceptor.
TEST_CASE("quorum checker: a quorum with a duplicate member is a quorums violation") {
  Quorums q(ballot(1, 2));
  q.use(QuorumUse::Phase::promise, ballot(1, 2), {0, 0});
  const checkers::Violation* v = violation_of(q.sink, "quorums");
  REQUIRE(v != nullptr);
  CHECK(contains(v->message, "twice"));
  CHECK(contains(all_text(*v), "n1,n1"));
}

// floor(N/2) acceptors: two such quorums need not overlap.
TEST_CASE("quorum checker: a minority quorum is a quorums violation") {
  Quorums q(ballot(1, 2));
  q.use(QuorumUse::Phase::accepted, ballot(1, 2), {1});
  const checkers::Violation* v = violation_of(q.sink, "quorums");
  REQUIRE(v != nullptr);
  CHECK(contains(v->message, "not a majority"));
}

// A quorum may only count acceptors that sent that answer for that ballot.
TEST_CASE("quorum checker: a member that never answered for that ballot is a quorums violation") {
  SUBCASE("no answer at all") {
    Quorums q(ballot(1, 2));
    q.use(QuorumUse::Phase::promise, ballot(1, 2), {0, 2});
    CHECK(reported(q.sink, "quorums"));
  }
  SUBCASE("answers for another ballot") {
    Quorums q(ballot(1, 2));
    q.use(QuorumUse::Phase::accepted, ballot(2, 2), {0, 1});
    CHECK(reported(q.sink, "quorums"));
  }
}

// Members come in any order: the checker sorts them (by insertion when few,
// std::sort when many), so a duplicate is found wherever it stands, and the
// member named as never having answered is the lowest such.
TEST_CASE("quorum checker: members in any order, few or many") {
  struct Over {
    explicit Over(std::uint32_t nodes) : scenario(scenario_with_nodes(nodes)), checker(scenario, sink) {}
    sim::Scenario scenario;
    ViolationSink sink;
    QuorumChecker checker;
  };
  const Ballot b = ballot(1, 0);
  // The message of the violation found, "" if none.
  auto verdict = [&](std::uint32_t nodes, const std::vector<NodeId>& answered, std::vector<NodeId> members) {
    Over q(nodes);
    for (NodeId a : answered) q.checker.on_send(k_t, accepted(a, 0, b, "A"));
    q.checker.on_quorum(k_t, 0, QuorumUse{QuorumUse::Phase::accepted, 0, b, std::move(members)});
    const checkers::Violation* v = violation_of(q.sink, "quorums");
    return v ? v->message : std::string();
  };
  CHECK(verdict(7, {0, 2, 4, 6}, {6, 2, 4, 0}).empty());
  CHECK(contains(verdict(7, {0, 2, 4, 6}, {4, 2, 0, 2}), "twice"));
  CHECK(contains(verdict(7, {0, 2, 4}, {6, 5, 4, 0, 2}), "n6 never sent"));
  std::vector<NodeId> all, reversed;
  for (NodeId n = 0; n < 40; ++n) all.push_back(n);
  reversed.assign(all.rbegin(), all.rend());
  CHECK(verdict(40, all, reversed).empty());
  reversed.back() = 20;  // 20 twice, far apart
  CHECK(contains(verdict(40, all, reversed), "twice"));
}

// ---------------------------------------------------------------- broken acceptors, end to end

namespace {

// Wraps a real node and passes every input through; a subclass breaks one
// thing. Effects appended by the inner step are what the wrapper may edit.
class NodeWrapper : public Node {
 public:
  explicit NodeWrapper(std::unique_ptr<Node> inner) : inner_(std::move(inner)) {}
  NodeView view() const override { return inner_->view(); }
  bool has_learned(Slot s) const override { return inner_->has_learned(s); }
  std::optional<Value> learned(Slot s) const override { return inner_->learned(s); }

 protected:
  std::unique_ptr<Node> inner_;
};

// Broken: its promises never report what it accepted, so a new proposer
// cannot see a value that may already be chosen, and proposes its own.
class HidingAcceptor final : public NodeWrapper {
 public:
  using NodeWrapper::NodeWrapper;
  void step(const Input& in, Effects& out) override {
    const std::size_t before = out.send.size();
    inner_->step(in, out);
    for (std::size_t i = before; i < out.send.size(); ++i) {
      Message& m = out.send[i].msg;
      if (m.kind != MsgKind::promise) continue;
      m.accepted_ballot = Ballot{};
      m.value.clear();
    }
  }
  std::unique_ptr<Node> clone() const override { return std::make_unique<HidingAcceptor>(inner_->clone()); }
  void hash_state(StateHasher& h) const override { inner_->hash_state(h); }
};

sim::NodeFactory hiding_factory() {
  return [](const NodeConfig& cfg, std::span<const Record> durable) -> std::unique_ptr<Node> {
    return std::make_unique<HidingAcceptor>(make_synod_node(cfg, durable));
  };
}

// Broken: a restarted node forgets its promises (it is rebuilt ignoring its
// promise records), so it may accept below a ballot it promised to refuse.
sim::NodeFactory forgetful_factory() {
  return [](const NodeConfig& cfg, std::span<const Record> durable) {
    std::vector<Record> kept;
    for (const Record& r : durable)
      if (r.kind != RecordKind::promise) kept.push_back(r);
    return make_synod_node(cfg, kept);
  };
}

cli::RunResult run_with(const sim::Scenario& s, sim::NodeFactory f) {
  cli::RunOptions opt;
  opt.factory = std::move(f);
  return cli::run_scenario(s, opt);
}

bool is_safety_invariant(const std::string& inv) {
  return inv == "promises" || inv == "stability" || inv == "agreement";
}

void check_caught(const cli::RunResult& r) {
  REQUIRE(r.outcome == cli::Outcome::violation);
  REQUIRE_FALSE(r.violations.empty());
  for (const checkers::Violation& v : r.violations) {
    CAPTURE(v.invariant);
    CAPTURE(v.message);
    CHECK(is_safety_invariant(v.invariant));
    CHECK_FALSE(v.message.empty());
    REQUIRE_FALSE(v.evidence.empty());
    for (const std::string& e : v.evidence) CHECK_FALSE(e.empty());
    CHECK(v.step > 0);
  }
}

}  // namespace

// A promise that hides the acceptor's acceptance lets a late proposer
// overwrite a chosen value: caught, while the real node passes the same run.
TEST_CASE("checkers end to end: a broken acceptor that hides its acceptances in promises is caught") {
  // late-proposer: "early" is chosen by n1..n3 while n4, n5 are cut off and n1
  // then crashes; n5 proposes "late" after the heal. Its phase 1 must reveal "early".
  const sim::Scenario s = synod_scenario_file("late-proposer.json");

  const cli::RunResult real = cli::run_scenario(s);
  CHECK(real.pass);
  CHECK(real.outcome == cli::Outcome::safe);

  const cli::RunResult broken = run_with(s, hiding_factory());
  check_caught(broken);
  CHECK_FALSE(broken.pass);  // the scenario expects a pass
}

// With only agreement checked, the same broken acceptor really gets two
// values chosen, and the report names both.
TEST_CASE("checkers end to end: the hiding acceptor gets two values chosen") {
  sim::Scenario s = synod_scenario_file("late-proposer.json");
  s.invariants = {"agreement"};
  const cli::RunResult broken = run_with(s, hiding_factory());
  check_caught(broken);
  REQUIRE(broken.violations.size() == 1);
  const checkers::Violation& v = broken.violations[0];
  CHECK(v.invariant == "agreement");
  CHECK(contains(all_text(v), "\"early\""));
  CHECK(contains(all_text(v), "\"late\""));
}


namespace {

// Built so that forgetting a promise is fatal: n1 and n3 cannot hear each
// other; n1 gets promises for (1,n1) from {n1, n2}; n2 then promises (1,n3)
// to n3, makes it durable, crashes and restarts; n1's accept of "A" at (1,n1)
// reaches n2 after the restart, and n3's accept of "C" at (1,n3) after that.
// A correct n2 refuses "A" (below its promise), so only "C" can be chosen.
sim::Scenario forgotten_promise_scenario() {
  return scenario_from_json(R"({
    "schema_version": 1, "name": "forgotten-promise", "protocol": "synod", "nodes": 3, "seed": 1,
    "network": {"delay_ms": 10}, "storage": {"fsync_ms": 1},
    "params": {"retry_ms": {"uniform": [500, 600]}},
    "workload": {"type": "propose", "proposals": [{"at_ms": 0, "node": "n1", "value": "A"},
                                                  {"at_ms": 12, "node": "n3", "value": "C"}]},
    "faults": [{"at_ms": 0, "action": "cut", "from": ["n1"], "to": ["n3"]},
               {"at_ms": 0, "action": "cut", "from": ["n3"], "to": ["n1"]},
               {"at_ms": 26, "action": "crash", "node": "n2"},
               {"at_ms": 28, "action": "restart", "node": "n2"},
               {"at_ms": 200, "action": "heal"}],
    "limits": {"max_time_ms": 5000},
    "expect": {"verdict": "pass", "chosen": {"min": 1, "max": 1}}
  })");
}

}  // namespace

// A restarted acceptor that forgets its promise accepts below it. The
// promises checker sees that at once; with only the consequences checked,
// stability and then agreement ("A" and "C" both chosen) catch it. The real
// node passes the same scenario under every set of checkers.
TEST_CASE("checkers end to end: an acceptor that forgets its promise on restart is caught") {
  struct Case {
    std::vector<std::string> invariants;
    std::string caught_by;
  };
  const Case cases[] = {
      {{}, "promises"},  // all invariants: the earliest sign wins
      {{"agreement", "stability"}, "stability"},
      {{"agreement"}, "agreement"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.caught_by);
    sim::Scenario s = forgotten_promise_scenario();
    s.invariants = c.invariants;

    const cli::RunResult real = cli::run_scenario(s);
    CHECK(real.pass);
    CHECK(real.outcome == cli::Outcome::safe);
    CHECK(real.decided_slots == 1);

    const cli::RunResult broken = run_with(s, forgetful_factory());
    check_caught(broken);
    REQUIRE(broken.violations.size() == 1);
    const checkers::Violation& v = broken.violations[0];
    CHECK(v.invariant == c.caught_by);
    CHECK(contains(all_text(v), "\"A\""));
    CHECK(contains(all_text(v), "n2"));
    if (c.caught_by == "agreement") CHECK(contains(all_text(v), "\"C\""));
  }
}
