// Determinism: one scenario and one seed give one run. The same seed twice
// gives the same fingerprint and statistics; another seed gives another run;
// the checkers and extra observers only watch, so they never change the run.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "paxos/kv.hpp"
#include "sim/fingerprint.hpp"
#include "sim/observer.hpp"

using namespace paxsim;
using namespace paxsim::test;

namespace {

// Every counter of two runs' statistics, compared one by one so a failure
// names the counter.
void check_same_stats(const sim::Stats& a, const sim::Stats& b) {
  CHECK(a.steps == b.steps);
  CHECK(a.messages_sent == b.messages_sent);
  CHECK(a.messages_delivered == b.messages_delivered);
  CHECK(a.messages_dropped == b.messages_dropped);
  CHECK(a.messages_duplicated == b.messages_duplicated);
  CHECK(a.records_persisted == b.records_persisted);
  CHECK(a.client_ops_completed == b.client_ops_completed);
  CHECK(a.proposals_skipped == b.proposals_skipped);
  CHECK(a.proposals_dropped == b.proposals_dropped);
  CHECK(a.crashes == b.crashes);
  for (int k = 0; k < k_msg_kind_count; ++k) {
    CAPTURE(k);
    CHECK(a.sent_by_kind[k] == b.sent_by_kind[k]);
  }
}

void check_same_run(const cli::RunResult& a, const cli::RunResult& b) {
  CHECK(cli::fingerprint_hex(a.fingerprint) == cli::fingerprint_hex(b.fingerprint));
  CHECK(a.sim_time_us == b.sim_time_us);
  CHECK(a.decided_slots == b.decided_slots);
  CHECK(a.outcome == b.outcome);
  CHECK(a.recent == b.recent);
  check_same_stats(a.stats, b.stats);
}

// Counts what it is told; an observer that only watches.
class CountingObserver : public sim::Observer {
 public:
  void on_step(const sim::StepInfo&) override { ++steps; }
  void on_send(Time_us, const Message&) override { ++sends; }
  std::uint64_t steps = 0;
  std::uint64_t sends = 0;
};

}  // namespace

// The same scenario and seed, run twice in one process, is the same run.
TEST_CASE("determinism: the same scenario and seed give the same fingerprint and stats") {
  for (const char* file : {"nemesis.json", "lossy-duplicating.json", "dueling-proposers.json"}) {
    CAPTURE(file);
    const sim::Scenario s = synod_scenario_file(file);
    const cli::RunResult a = cli::run_scenario(s);
    const cli::RunResult b = cli::run_scenario(s);
    CHECK(a.pass);
    CHECK(a.stats.steps > 0);
    check_same_run(a, b);
  }
}

// The seed really drives the run: another seed changes the fingerprint.
TEST_CASE("determinism: a different seed gives a different fingerprint") {
  for (const char* file : {"nemesis.json", "lossy-duplicating.json"}) {
    CAPTURE(file);
    sim::Scenario s = synod_scenario_file(file);
    const cli::RunResult base = cli::run_scenario(s);
    s.seed += 1;
    const cli::RunResult other = cli::run_scenario(s);
    CHECK(base.fingerprint != other.fingerprint);
    s.seed += 1000;
    const cli::RunResult far = cli::run_scenario(s);
    CHECK(far.fingerprint != base.fingerprint);
    CHECK(far.fingerprint != other.fingerprint);
  }
}

// Checkers only observe: a passing run's fingerprint and stats are the same
// with them off (the benchmark mode).
TEST_CASE("determinism: turning checkers off does not change a passing run") {
  for (const char* file : {"nemesis.json", "lossy-duplicating.json", "basic.json"}) {
    CAPTURE(file);
    const sim::Scenario s = synod_scenario_file(file);
    const cli::RunResult on = cli::run_scenario(s);
    REQUIRE(on.pass);
    cli::RunOptions off_opt;
    off_opt.checkers = false;
    const cli::RunResult off = cli::run_scenario(s, off_opt);
    CHECK(off.violations.empty());
    check_same_run(on, off);
  }
}

namespace {

// Runs `s` without and then with `extra` watching; checks that watching
// changed nothing, and returns the watched run.
cli::RunResult run_watched(const sim::Scenario& s, sim::Observer& extra) {
  const cli::RunResult plain = cli::run_scenario(s);
  cli::RunOptions opt;
  opt.observers.push_back(&extra);
  cli::RunResult watched = cli::run_scenario(s, opt);
  check_same_run(plain, watched);
  return watched;
}

}  // namespace

// An extra observer (like a trace writer) sees every step and send, and
// changes nothing.
TEST_CASE("determinism: an extra observer sees every step and changes nothing") {
  CountingObserver counter;
  const cli::RunResult watched = run_watched(synod_scenario_file("nemesis.json"), counter);
  CHECK(counter.steps == watched.stats.steps);
  CHECK(counter.sends == watched.stats.messages_sent);
}

namespace {

// Watches the sends of two kinds only, and counts every send it is told of.
class KindObserver : public sim::Observer {
 public:
  sim::HookSet hooks() const override { return sim::hook_set(sim::Hook::send); }
  sim::MsgKindSet sends_watched() const override { return sim::msg_kind_set(MsgKind::promise, MsgKind::accepted); }
  void on_send(Time_us, const Message& m) override {
    ++sends;
    if (m.kind != MsgKind::promise && m.kind != MsgKind::accepted) ++others;
  }
  std::uint64_t sends = 0;
  std::uint64_t others = 0;
};

}  // namespace

TEST_CASE("determinism: an observer of some message kinds is told of those sends only, and changes nothing") {
  KindObserver watcher;
  const cli::RunResult watched = run_watched(synod_scenario_file("nemesis.json"), watcher);
  const auto& by_kind = watched.stats.sent_by_kind;
  CHECK(watcher.sends == by_kind[static_cast<int>(MsgKind::promise)] + by_kind[static_cast<int>(MsgKind::accepted)]);
  CHECK(watcher.sends > 0);
  CHECK(watcher.others == 0);
}

namespace {

// Records every step's time (watching Hook::step, no step_due).
class StepTimes : public sim::Observer {
 public:
  sim::HookSet hooks() const override { return sim::hook_set(sim::Hook::step); }
  void on_step(const sim::StepInfo& info) override { times.push_back(info.time); }
  std::vector<Time_us> times;
};

// Keeps a time it next wants a step at (Observer::step_due) and moves it on
// by `period` each time it is called: it must be called for exactly the
// steps whose time is past it.
class DueObserver : public sim::Observer {
 public:
  explicit DueObserver(Time_us period) : due(period), period_(period) {}
  sim::HookSet hooks() const override { return sim::hook_set(sim::Hook::step); }
  const Time_us* step_due() const override { return &due; }
  void on_step(const sim::StepInfo& info) override {
    if (info.time <= due) ++early;
    called.push_back(info.time);
    due = info.time + period_;
  }
  Time_us due;
  std::vector<Time_us> called;
  std::uint64_t early = 0;

 private:
  Time_us period_;
};

}  // namespace

// An observer that keeps the time it next needs a step is called for the
// steps past that time and for no other: alone (the simulator asks its time
// in line), three together (it asks each in turn), and beside an observer of
// every step; the run is the same as without them. A period of 0 asks for
// the first step of each instant only: a step at the due time itself must
// not reach it.
TEST_CASE("determinism: an observer with a due time is told of the steps past it only, and changes nothing") {
  const sim::Scenario s = synod_scenario_file("nemesis.json");
  StepTimes all;
  const cli::RunResult plain = run_watched(s, all);
  REQUIRE(all.times.size() == plain.stats.steps);
  const std::vector<std::vector<Time_us>> cases = {{0}, {5000}, {0, 5000, 20000}};
  for (bool with_every_step : {false, true})
    for (const std::vector<Time_us>& periods : cases) {
      CAPTURE(with_every_step);
      CAPTURE(periods.size());
      StepTimes every;
      std::vector<std::unique_ptr<DueObserver>> due_observers;
      cli::RunOptions opt;
      if (with_every_step) opt.observers.push_back(&every);
      for (Time_us p : periods) {
        due_observers.push_back(std::make_unique<DueObserver>(p));
        opt.observers.push_back(due_observers.back().get());
      }
      const cli::RunResult r = cli::run_scenario(s, opt);
      check_same_run(plain, r);
      for (std::size_t i = 0; i < periods.size(); ++i) {
        CAPTURE(periods[i]);
        // What it should have been told: its rule replayed over every step.
        std::vector<Time_us> expected;
        Time_us due = periods[i];
        for (Time_us t : all.times)
          if (t > due) {
            expected.push_back(t);
            due = t + periods[i];
          }
        const DueObserver& d = *due_observers[i];
        CHECK(d.early == 0);
        CHECK(d.called == expected);
        CHECK(!d.called.empty());
        CHECK(d.called.size() < all.times.size());
      }
    }
}

namespace {

// Runs `s` from a deeper stack and after heap churn, so that anything that
// leaks an address (pointer hashing, ordering by pointer) changes the run.
cli::RunResult run_displaced(const sim::Scenario& s, int depth) {
  if (depth > 0) {
    volatile char pad[512];
    pad[0] = static_cast<char>(depth);
    cli::RunResult r = run_displaced(s, depth - 1);
    (void)pad[0];
    return r;
  }
  std::vector<std::unique_ptr<std::string>> churn;
  for (int i = 0; i < 257; ++i) churn.push_back(std::make_unique<std::string>(static_cast<std::size_t>(i * 7), 'x'));
  return cli::run_scenario(s);
}

}  // namespace

// Nothing about where the run lives in memory leaks into it.
TEST_CASE("determinism: the run does not depend on stack or heap addresses") {
  const sim::Scenario s = synod_scenario_file("nemesis.json");
  check_same_run(cli::run_scenario(s), run_displaced(s, 9));
}

// The simulator is deterministic for a node factory too: the explicit
// default factory gives the run the implicit one does.
TEST_CASE("determinism: an explicit default node factory gives the same run") {
  const sim::Scenario s = synod_scenario_file("lossy-duplicating.json");
  cli::RunOptions opt;
  opt.factory = sim::default_node_factory(s);
  check_same_run(cli::run_scenario(s), cli::run_scenario(s, opt));
}

TEST_CASE("fingerprint: a value goes in by its text hash, made once from the text alone") {
  using paxsim::Value;
  CHECK(Value("put k1 v").text_hash() == Value(std::string("put k1 v")).text_hash());
  CHECK(Value("put k1 v").text_hash() == Value::hash_text("put k1 v"));
  CHECK(Value("put k1 v").text_hash() != Value("put k1 w").text_hash());
  CHECK(Value().text_hash() == Value::hash_text(""));
  CHECK(Value("12345678").text_hash() != Value("123456780").text_hash());  // the length counts
  paxsim::Command c;
  c.client = 3;
  c.request = 7;
  c.op = paxsim::KvOpKind::put;
  c.key = "k1";
  c.value = "c0004-0000007";
  const Value encoded = paxsim::encode(c);
  REQUIRE(encoded.command() != nullptr);  // made by encode, with its command
  CHECK(encoded.text_hash() == Value(encoded.str()).text_hash());
}

TEST_CASE("fingerprint: order and position of the words count") {
  auto of = [](std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> pairs) {
    paxsim::sim::Fingerprint f;
    for (const auto& [a, b] : pairs) f.add(a, b);
    return f.value();
  };
  CHECK(of({}) == 0xcbf29ce484222325ull);
  CHECK(of({{1, 2}, {3, 4}}) == of({{1, 2}, {3, 4}}));
  CHECK(of({{1, 2}, {3, 4}}) != of({{3, 4}, {1, 2}}));
  CHECK(of({{1, 2}}) != of({{2, 1}}));
  CHECK(of({{0, 0}}) != of({{0, 0}, {0, 0}}));
}
