#include "cli/runner.hpp"

#include <algorithm>
#include <deque>
#include <fmt/format.h>
#include <memory>

#include "checkers/chosen.hpp"
#include "checkers/liveness.hpp"
#include "checkers/lock.hpp"
#include "checkers/history_recorder.hpp"
#include "checkers/linearizability.hpp"
#include "checkers/log.hpp"
#include "checkers/promises.hpp"
#include "checkers/quorums.hpp"
#include "checkers/safety_checks.hpp"
#include "checkers/shard_checks.hpp"
#include "cli/step_text.hpp"
#include "sim/assert.hpp"

namespace paxsim::cli {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::safe: return "safe";
    case Outcome::violation: return "violation";
    case Outcome::liveness: return "liveness";
    case Outcome::limit: return "limit";
  }
  return "?";
}

std::string fingerprint_hex(std::uint64_t f) { return fmt::format("{:016x}", f); }

std::vector<std::string> enabled_invariants(const sim::Scenario& s) {
  if (!s.invariants.empty()) return s.invariants;
  std::vector<std::string> all(std::begin(checkers::k_synod_invariants), std::end(checkers::k_synod_invariants));
  if (s.protocol == sim::Protocol::multi_paxos) all.push_back("log");
  if (s.workload.type == sim::Workload::Type::kv) all.push_back("linearizable");
  if (s.workload.type == sim::Workload::Type::lock) all.push_back("lock");
  return all;
}

namespace {

// Keeps the last few steps, as text, for the failure report. Formats lazily:
// it stores the step and a copy of its message, and writes text only at the end.
class RecentSteps : public sim::Observer {
 public:
  RecentSteps(const sim::Scenario& s, std::size_t keep) : s_(s), keep_(keep) {}
  void on_step(const sim::StepInfo& info) override {
    if (keep_ == 0) return;
    if (ring_.size() == keep_) ring_.pop_front();
    Entry e{info, info.msg ? std::optional<Message>(*info.msg) : std::nullopt,
            info.record ? std::optional<Record>(*info.record) : std::nullopt,
            info.fault ? std::optional<sim::Fault>(*info.fault) : std::nullopt,
            info.value ? std::optional<Value>(*info.value) : std::nullopt};
    ring_.push_back(std::move(e));
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const Entry& e : ring_) {
      sim::StepInfo info = e.info;
      info.msg = e.msg ? &*e.msg : nullptr;
      info.record = e.record ? &*e.record : nullptr;
      info.fault = e.fault ? &*e.fault : nullptr;
      info.value = e.value ? &*e.value : nullptr;
      out.push_back(describe_step(s_, info));
    }
    return out;
  }

 private:
  struct Entry {
    sim::StepInfo info;
    std::optional<Message> msg;
    std::optional<Record> record;
    std::optional<sim::Fault> fault;
    std::optional<Value> value;
  };
  const sim::Scenario& s_;
  std::size_t keep_;
  std::deque<Entry> ring_;
};

// Every live node has learned all that is chosen (the rest of quiescent()).
bool caught_up(const sim::Simulation& sim, const checkers::ChosenTracker& chosen,
               const checkers::ShardChecks* shards) {
  if (shards) return shards->caught_up(sim);  // per group: its live members
  for (NodeId n = 0; n < sim.scenario().nodes; ++n) {
    if (!sim.is_up(n) || sim.is_paused(n)) continue;
    if (sim.node(n)->view().learned_slots >= chosen.chosen_slots()) continue;
    if (sim.is_live(n)) return false;  // a live node has yet to learn something chosen
  }
  return true;
}

// Asked after every step: the cheap tests first, inline.
inline bool quiescent(const sim::Simulation& sim, const checkers::ChosenTracker& chosen,
                      const checkers::ShardChecks* shards = nullptr) {
  return sim.now() >= sim.faults_over_at() && sim.workload_settled() && caught_up(sim, chosen, shards);
}

bool named(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

}  // namespace

namespace {

// One run. `recent`, when given, watches every step (it costs a copy per
// step, so it is only attached when re-running a failure to report it).
RunResult execute(const sim::Scenario& s, const RunOptions& opt, RecentSteps* recent) {
  RunResult r;
  r.scenario = s.name;
  r.seed = s.seed;
  if (s.bug) r.bug = std::string(bug_name(*s.bug));

  sim::Simulation sim(s, opt.factory ? *opt.factory : sim::default_node_factory(s));
  checkers::ViolationSink sink;
  const auto inv = enabled_invariants(s);
  const bool on = opt.checkers;
  // The chosen tracker also feeds liveness and quiescence, so it always runs
  // (with shards, ShardChecks' per-group trackers do that instead); with
  // checkers off it reports nothing.
  checkers::ChosenTracker chosen(s, sink, on && named(inv, "agreement"), on && named(inv, "validity"),
                                 on && named(inv, "stability"));
  std::unique_ptr<checkers::PromiseChecker> promises;
  std::unique_ptr<checkers::QuorumChecker> quorums;
  std::unique_ptr<checkers::LivenessChecker> liveness;
  std::unique_ptr<checkers::LogChecker> log;
  std::unique_ptr<checkers::HistoryRecorder> history;
  if (s.workload.type == sim::Workload::Type::kv)
    sim.add_observer((history = std::make_unique<checkers::HistoryRecorder>(s)).get());
  if (recent) sim.add_observer(recent);
  // Shards: one set of these checkers per Paxos group (checkers/shard_checks.hpp).
  const bool flat = s.shards <= 1;
  std::unique_ptr<checkers::ShardChecks> shards;
  if (!flat) {
    checkers::ShardCheckOptions so;
    so.agreement = on && named(inv, "agreement");
    so.validity = on && named(inv, "validity");
    so.stability = on && named(inv, "stability");
    so.promises = on && named(inv, "promises");
    so.quorums = on && named(inv, "quorums");
    so.log = on && named(inv, "log");
    sim.add_observer((shards = std::make_unique<checkers::ShardChecks>(s, sink, so)).get());
  }
  std::unique_ptr<checkers::SafetyChecks> safety;
  if (flat) {
    if (on && named(inv, "promises")) promises = std::make_unique<checkers::PromiseChecker>(s, sink);
    if (on && named(inv, "quorums")) quorums = std::make_unique<checkers::QuorumChecker>(s, sink);
    if (on && named(inv, "log")) log = std::make_unique<checkers::LogChecker>(s, sink);
    // Promises and quorums both on (the usual case): the hooks that they and
    // the chosen tracker share as one observer (checkers/safety_checks.hpp).
    if (promises && quorums) safety = std::make_unique<checkers::SafetyChecks>(chosen, *promises, *quorums);
    sim.add_observer(&chosen);
    if (safety) sim.add_observer(safety.get());
    if (promises) sim.add_observer(promises.get());
    if (quorums) sim.add_observer(quorums.get());
    if (log) sim.add_observer(log.get());
  }
  std::unique_ptr<checkers::LockChecker> lock;
  if (on && named(inv, "lock") && s.workload.type == sim::Workload::Type::lock)
    sim.add_observer((lock = std::make_unique<checkers::LockChecker>(s, sink)).get());
  if (s.liveness) {
    // Shards: learn deadlines per group, from the groups' own trackers.
    liveness = shards ? std::make_unique<checkers::LivenessChecker>(sim, *s.liveness, *shards)
                      : std::make_unique<checkers::LivenessChecker>(sim, *s.liveness, chosen);
    sim.add_observer(liveness.get());
  }
  for (sim::Observer* o : opt.observers) sim.add_observer(o);
  if (opt.tape_out) sim.record_decisions();
  if (opt.on_start) opt.on_start(sim);

  sim.start();
  bool more = true;
  bool hit_step_limit = false;
  // run() takes steps until one of the tests below may hold (and asks the
  // cheap ones itself), so they are asked here only then.
  const bool never = false;
  const sim::Simulation::RunStops stops{sink.any_flag(), liveness ? liveness->failed_flag() : &never, s.max_steps};
  while ((more = sim.run(stops))) {
    if (sink.any()) break;
    if (liveness && !liveness->ok()) break;
    if (sim.stats().steps >= s.max_steps) {
      hit_step_limit = !quiescent(sim, chosen, shards.get());
      break;
    }
    if (quiescent(sim, chosen, shards.get())) break;
  }
  // Out of events before the time limit: nothing can happen any more, so every
  // deadline up to the limit is judged on the state as it stands.
  if (liveness && !sink.any() && liveness->ok()) liveness->finish(more ? sim.now() : s.max_time_us);

  // Linearizability is a property of the whole client history: checked at
  // the end, unless the run already stopped on another violation.
  if (history && on && named(inv, "linearizable") && !sink.any()) {
    const checkers::LinResult lin = checkers::check_linearizable(history->history());
    r.linearizability = checkers::to_string(lin.verdict);
    if (lin.verdict == checkers::LinResult::Verdict::not_linearizable) {
      std::vector<std::string> evidence;
      for (std::size_t i : lin.window)
        evidence.push_back(checkers::describe_operation(history->history(), i));
      sink.report(checkers::Violation{"linearizable", sim.stats().steps, sim.now(), lin.message, std::move(evidence)});
    }
  }
  if (history && opt.history_out) *opt.history_out = history->history();
  if (opt.tape_out) *opt.tape_out = sim.decisions().recorded();
  r.violations = sink.first_of_each();
  r.liveness_checked = s.liveness.has_value();
  r.liveness_ok = !liveness || liveness->ok();
  if (!r.liveness_ok) r.liveness_message = liveness->failure();
  r.stats = sim.stats();
  r.sim_time_us = sim.now();
  r.decided_slots = shards ? shards->chosen_slots() : chosen.chosen_slots();
  if (shards) r.shards = shards->stats();
  if (const sim::LockClients* lc = sim.lock_clients()) r.lock = lc->stats();
  r.fingerprint = sim.fingerprint();
  r.schedule_unmatched = sim.schedule_unmatched();
  if (recent) r.recent = recent->lines();

  if (!r.violations.empty()) r.outcome = Outcome::violation;
  else if (!r.liveness_ok) r.outcome = Outcome::liveness;
  else if (hit_step_limit) r.outcome = Outcome::limit;
  else r.outcome = Outcome::safe;

  // The verdict, against `expect`.
  const sim::Expect& ex = s.expect;
  if (ex.violation) {
    const bool caught = std::any_of(r.violations.begin(), r.violations.end(),
                                    [&](const checkers::Violation& v) { return named(ex.invariants, v.invariant); });
    if (caught) {
      r.pass = true;
    } else if (r.outcome == Outcome::violation) {
      r.verdict_reason = fmt::format("expected a violation of {}, found one of {}", fmt::join(ex.invariants, " or "),
                                     r.violations.front().invariant);
    } else {
      r.verdict_reason = fmt::format("expected a violation of {}, none found (outcome: {})",
                                     fmt::join(ex.invariants, " or "), to_string(r.outcome));
    }
    return r;
  }
  switch (r.outcome) {
    case Outcome::violation: r.verdict_reason = "safety violation"; break;
    case Outcome::liveness: r.verdict_reason = "liveness failure: " + r.liveness_message; break;
    case Outcome::limit:
      r.verdict_reason = fmt::format("the run did not settle within max_steps ({})", s.max_steps);
      break;
    case Outcome::safe: {
      if (ex.chosen && !ex.chosen->contains(r.decided_slots))
        r.verdict_reason = fmt::format("expected chosen slots in [{}, {}], got {}", ex.chosen->min.value_or(0),
                                       ex.chosen->max ? std::to_string(*ex.chosen->max) : "inf", r.decided_slots);
      else if (ex.completed && !ex.completed->contains(r.stats.client_ops_completed))
        r.verdict_reason = fmt::format("expected completed requests in [{}, {}], got {}", ex.completed->min.value_or(0),
                                       ex.completed->max ? std::to_string(*ex.completed->max) : "inf",
                                       r.stats.client_ops_completed);
      break;
    }
  }
  r.pass = r.verdict_reason.empty();
  return r;
}

}  // namespace

RunResult run_scenario(const sim::Scenario& s, const RunOptions& opt) {
  RunResult r = execute(s, opt, nullptr);
  if (!r.pass && opt.recent_steps > 0) {
    // The run is deterministic, so the last steps before the end can be had
    // by running it again with a recorder, instead of copying every step of
    // every passing run.
    RecentSteps recent(s, opt.recent_steps);
    RunOptions again = opt;
    again.observers.clear();
    again.on_start = nullptr;
    RunResult replay = execute(s, again, &recent);
    PAXSIM_ASSERT(replay.fingerprint == r.fingerprint);
    r.recent = std::move(replay.recent);
  }
  return r;
}

}  // namespace paxsim::cli
