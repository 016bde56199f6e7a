// SafetyChecks (checkers/safety_checks.hpp) takes over the hooks that the
// chosen tracker, the promise checker and the quorum checker share, and runs
// their usual cases in line: fed the same events, the checkers behind it
// report exactly what the same checkers report when each is called on its
// own, in the order the runner registers them.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "checkers/chosen.hpp"
#include "checkers/promises.hpp"
#include "checkers/quorums.hpp"
#include "checkers/safety_checks.hpp"
#include "helpers.hpp"

using namespace paxsim;
using namespace paxsim::test;
using checkers::ChosenTracker;
using checkers::PromiseChecker;
using checkers::QuorumChecker;
using checkers::SafetyChecks;
using checkers::ViolationSink;

namespace {

constexpr std::uint32_t k_nodes = 3;
constexpr Slot k_slots = 4;

// The three checkers over one sink, called one by one or through SafetyChecks.
struct Checkers {
  explicit Checkers(bool together)
      : scenario(scenario_with_nodes(k_nodes)),
        chosen(scenario, sink, true, true, true),
        promises(scenario, sink),
        quorums(scenario, sink) {
    if (together) safety = std::make_unique<SafetyChecks>(chosen, promises, quorums);
  }
  void durable(Time_us t, NodeId n, const Record& r) {
    if (safety) return safety->on_durable(t, n, r);
    chosen.on_durable(t, n, r);
    promises.on_durable(t, n, r);
  }
  void send(Time_us t, const Message& m) {
    if (safety) return safety->on_send(t, m);
    promises.on_send(t, m);
    quorums.on_send(t, m);
  }

  sim::Scenario scenario;
  ViolationSink sink;
  ChosenTracker chosen;
  PromiseChecker promises;
  QuorumChecker quorums;
  std::unique_ptr<SafetyChecks> safety;
};

bool same(const checkers::Violation& a, const checkers::Violation& b) {
  return a.invariant == b.invariant && a.time_us == b.time_us && a.message == b.message && a.evidence == b.evidence;
}

}  // namespace

TEST_CASE("safety checks: the checkers behind one observer report what they report alone") {
  std::mt19937_64 rng(20260611);
  auto below = [&](std::uint64_t n) { return static_cast<std::uint32_t>(rng() % n); };
  // Two texts, each in two handles: the usual cases compare handles, the
  // others texts.
  const std::vector<Value> values = {Value("A"), Value("B"), Value(std::string("A")), Value(std::string("B"))};
  int runs_with_reports = 0, runs_without = 0;
  for (int run = 0; run < 3000; ++run) {
    Checkers alone(false), together(true);
    for (const Value& v : {values[0], values[1]}) {
      alone.chosen.on_propose(0, 0, v);
      together.chosen.on_propose(0, 0, v);
    }
    // Half the runs are legal: acceptances of one ballot, sent after they
    // are durable, quorums of those that sent them, learns of what is
    // chosen. The others take anything; half of those write records only, in
    // one slot, so that two checkers often report in one step (in the
    // checkers' order).
    const bool wild = run % 2 == 0;
    const bool dense = run % 4 == 0;
    std::vector<std::uint32_t> sent(k_slots, 0);  // legal runs: who sent an acceptance, by slot
    for (Time_us t = 1; t <= 60; ++t) {
      const NodeId n = below(k_nodes);
      const Slot slot = dense ? 0 : below(k_slots);
      const Ballot b = wild ? ballot(1 + below(3), below(k_nodes)) : ballot(1, 0);
      const Value& v = values[wild ? below(4) : (slot % 2) + 2 * below(2)];
      switch (dense ? (below(3) == 0 ? 4 : 0) : below(wild ? 8 : 4)) {
        case 0:
        case 1: {
          Record r = accept_record(b, v);
          r.slot = slot;
          alone.durable(t, n, r);
          together.durable(t, n, r);
          Message m = accepted(n, below(k_nodes), b, v);
          m.slot = slot;
          alone.send(t, m);
          together.send(t, m);
          sent[slot] |= 1u << n;
          break;
        }
        case 2:
        case 3: {
          QuorumUse q{QuorumUse::Phase::accepted, slot, b, {}};
          for (NodeId a = 0; a < k_nodes; ++a)
            if (wild ? below(4) != 0 : (sent[slot] >> a) & 1) q.members.push_back(a);
          if (!wild && q.members.size() < k_nodes / 2 + 1) break;
          alone.quorums.on_quorum(t, n, q);
          together.quorums.on_quorum(t, n, q);
          const Value* c = alone.chosen.chosen(slot);
          if (!wild && !c) break;
          const Learned l{slot, wild ? v : *c};
          alone.chosen.on_learn(t, n, l);
          together.chosen.on_learn(t, n, l);
          break;
        }
        case 4: {
          const Record r = promise_record(b);
          alone.durable(t, n, r);
          together.durable(t, n, r);
          const Message m = promise(n, below(k_nodes), b);
          alone.send(t, m);
          together.send(t, m);
          break;
        }
        case 5: {  // an acknowledgement that may not be durable
          Message m = accepted(n, below(k_nodes), b, v);
          m.slot = slot;
          alone.send(t, m);
          together.send(t, m);
          break;
        }
        case 6: {
          const bool wiped = below(2) == 0;
          alone.promises.on_restart(t, n, wiped);
          together.promises.on_restart(t, n, wiped);
          break;
        }
        default: {
          const QuorumUse q{QuorumUse::Phase::promise, 0, b, {n, below(k_nodes)}};
          alone.quorums.on_quorum(t, n, q);
          together.quorums.on_quorum(t, n, q);
          break;
        }
      }
      REQUIRE(alone.sink.count() == together.sink.count());
    }
    const auto& a = alone.sink.first_of_each();
    const auto& b = together.sink.first_of_each();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(same(a[i], b[i]));
    (a.empty() ? runs_without : runs_with_reports) += 1;
    CHECK(alone.chosen.chosen_slots() == together.chosen.chosen_slots());
    for (Slot s = 0; s < k_slots; ++s) {
      const auto x = alone.chosen.choice(s), y = together.chosen.choice(s);
      REQUIRE(x.has_value() == y.has_value());
      if (!x) continue;
      CHECK(x->ballot == y->ballot);
      CHECK(x->value == y->value);
      CHECK(x->acceptors == y->acceptors);
      CHECK(x->time_us == y->time_us);
    }
  }
  // Both kinds of run were seen: the comparison covered reports and quiet runs.
  CHECK(runs_with_reports > 100);
  CHECK(runs_without > 100);
}

TEST_CASE("safety checks: it takes over the shared hooks, and only those") {
  const sim::Scenario s = scenario_with_nodes(3);
  ViolationSink sink;
  ChosenTracker chosen(s, sink, true, true, true);
  PromiseChecker promises(s, sink);
  QuorumChecker quorums(s, sink);
  const SafetyChecks safety(chosen, promises, quorums);
  CHECK(safety.hooks() == sim::hook_set(sim::Hook::send, sim::Hook::durable));
  CHECK(chosen.hooks() == sim::hook_set(sim::Hook::learn, sim::Hook::propose));
  CHECK(promises.hooks() == sim::hook_set(sim::Hook::restart));
  CHECK(quorums.hooks() == sim::hook_set(sim::Hook::quorum));
  CHECK(safety.sends_watched() == sim::msg_kind_set(MsgKind::promise, MsgKind::accepted));
  CHECK(safety.durables_watched() == sim::record_kind_set(RecordKind::promise, RecordKind::accept));
}
