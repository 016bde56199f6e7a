// paxsim explore: golden state counts for small configurations, the
// partial-order reduction against the full search (same states, level by
// level; same verdicts, invariants and shortest depths), breadth-first
// against depth-first and -j 1 against -j 2, and a found violation replayed
// through the simulator from its repro (cli::run_scenario).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/explore_cmd.hpp"
#include "explore/search.hpp"
#include "explore/world.hpp"
#include "helpers.hpp"

using namespace paxsim;
using namespace paxsim::test;

namespace {

// Three synod nodes; `proposals` of n1 "A" (and n2 "B").
sim::Scenario synod(int proposals, const char* bug = nullptr) {
  std::string text = R"({"schema_version": 1, "name": "explore-unit", "protocol": "synod", "nodes": 3,
    "workload": {"type": "propose", "proposals": [{"at_ms": 0, "node": "n1", "value": "A"})";
  if (proposals > 1) text += R"(, {"at_ms": 0, "node": "n2", "value": "B"})";
  text += "]}";
  if (bug) text += std::string(R"(, "bug": ")") + bug + "\"";
  text += "}";
  return scenario_from_json(text.c_str());
}

sim::Scenario multi(int requests) {
  std::string text = R"({"schema_version": 1, "name": "explore-unit-kv", "protocol": "multi-paxos", "nodes": 3,
    "workload": {"type": "kv", "clients": 2, "ops_per_client": 0, "requests": [
      {"at_ms": 0, "client": "c1", "op": "put", "key": "k", "value": "x"})";
  if (requests > 1) text += R"(, {"at_ms": 0, "client": "c2", "op": "put", "key": "k", "value": "y"})";
  text += "]}}";
  return scenario_from_json(text.c_str());
}

explore::ModelOptions budgets(std::uint32_t drops, std::uint32_t dups, std::uint32_t crashes, std::uint32_t timers) {
  explore::ModelOptions o;
  o.max = explore::Budgets{drops, dups, crashes, timers};
  o.writes = crashes > 0 ? explore::Writes::explicit_sync : explore::Writes::immediate;
  return o;
}

explore::SearchResult run(const sim::Scenario& s, const explore::ModelOptions& mo, std::uint32_t max_depth,
                          bool reduce = true, bool dfs = false, unsigned jobs = 1, bool keep_going = false) {
  explore::Model model(s, mo);
  explore::SearchOptions so;
  so.max_depth = max_depth;
  so.reduce = reduce;
  so.dfs = dfs;
  so.jobs = jobs;
  so.keep_going = keep_going;
  return explore::search(model, so);
}

}  // namespace

constexpr std::uint32_t k_all = 0xffffffffu;  // no depth bound

TEST_CASE("explore: golden state counts of small configurations") {
  SUBCASE("synod, one proposer, no faults: exhausted") {
    const auto r = run(synod(1), budgets(0, 0, 0, 0), k_all);
    CHECK(r.end == explore::SearchEnd::exhausted);
    CHECK(r.found.empty());
    CHECK(r.states == 3741);
    CHECK(r.depth == 15);
  }
  SUBCASE("synod, one proposer, a loss, a duplicate and a timer, to depth 7") {
    const auto r = run(synod(1), budgets(1, 1, 0, 1), 7);
    CHECK(r.end == explore::SearchEnd::max_depth);
    CHECK(r.found.empty());
    CHECK(r.states == 10239);
    CHECK(r.states_by_depth == std::vector<std::uint64_t>{1, 4, 29, 101, 355, 1083, 2689, 5977});
  }
  SUBCASE("synod, one proposer, a crash with explicit syncs, to depth 10") {
    const auto r = run(synod(1), budgets(0, 0, 1, 0), 10);
    CHECK(r.found.empty());
    CHECK(r.states == 564);
  }
  SUBCASE("multi-paxos, one command, one election, to depth 8") {
    const auto r = run(multi(1), budgets(0, 0, 0, 1), 8);
    CHECK(r.found.empty());
    CHECK(r.states == 1362);
  }
}

TEST_CASE("explore: the reduction keeps every state, level by level, and every verdict") {
  SUBCASE("clean: the same states at every depth, fewer transitions") {
    for (const auto& mo : {budgets(1, 1, 0, 1), budgets(0, 0, 1, 0)}) {
      const std::uint32_t depth = mo.max.crashes > 0 ? 10 : 6;
      const auto full = run(synod(1), mo, depth, false);
      const auto reduced = run(synod(1), mo, depth, true);
      CHECK(reduced.end == full.end);
      CHECK(reduced.states_by_depth == full.states_by_depth);
      CHECK(reduced.transitions < full.transitions);
    }
    const auto full = run(multi(1), budgets(0, 0, 0, 1), 8, false);
    const auto reduced = run(multi(1), budgets(0, 0, 0, 1), 8, true);
    CHECK(reduced.states_by_depth == full.states_by_depth);
    CHECK(reduced.transitions < full.transitions);
  }
  SUBCASE("bugs: the same invariants violated, the same shortest depth") {
    for (const char* bug : {"minority-quorum", "ack-before-durable", "count-duplicate-acks"}) {
      CAPTURE(bug);
      const auto mo = budgets(0, 1, 0, 0);
      const auto full = run(synod(2, bug), mo, 7, false, false, 1, true);
      const auto reduced = run(synod(2, bug), mo, 7, true, false, 1, true);
      REQUIRE(!full.found.empty());
      CHECK(reduced.invariants_violated == full.invariants_violated);
      CHECK(reduced.found.front().path.size() == full.found.front().path.size());
      // Only violating states can be missed (never one from which the search goes on).
      CHECK(full.states - full.violating_states == reduced.states - reduced.violating_states);
    }
  }
}

TEST_CASE("explore: depth-first and parallel searches agree with breadth-first") {
  const auto mo = budgets(0, 0, 0, 0);
  const auto bfs = run(synod(1), mo, k_all);
  const auto dfs = run(synod(1), mo, k_all, true, true);
  const auto dfs_full = run(synod(1), mo, k_all, false, true);
  CHECK(dfs.end == explore::SearchEnd::exhausted);
  CHECK(dfs.states == bfs.states);
  CHECK(dfs_full.states == bfs.states);
  const auto one = run(synod(1), budgets(1, 1, 0, 1), 6);
  const auto two = run(synod(1), budgets(1, 1, 0, 1), 6, true, false, 2);
  CHECK(two.states_by_depth == one.states_by_depth);
  CHECK(two.transitions == one.transitions);
}

TEST_CASE("explore: a violation's repro replays through paxsim run, with the same invariant") {
  struct Case {
    const char* bug;
    explore::ModelOptions mo;
    const char* invariant;
  };
  for (const Case& c : {Case{"minority-quorum", budgets(0, 0, 0, 0), "quorums"},
                        Case{"ack-before-durable", budgets(0, 0, 0, 0), "promises"},
                        Case{"volatile-promise", budgets(0, 0, 1, 0), "promises"}}) {
    CAPTURE(c.bug);
    const sim::Scenario s = synod(2, c.bug);
    explore::Model model(s, c.mo);
    const auto r = explore::search(model, explore::SearchOptions{});
    REQUIRE(r.end == explore::SearchEnd::violation);
    REQUIRE(!r.found.empty());
    const auto& f = r.found.front();
    CHECK(f.violations.front().invariant == c.invariant);

    const nlohmann::json source = nlohmann::json::parse(R"({"schema_version": 1, "name": "explore-unit", "protocol": "synod",
      "nodes": 3, "workload": {"type": "propose", "proposals": [{"at_ms": 0, "node": "n1", "value": "A"},
      {"at_ms": 0, "node": "n2", "value": "B"}]}})");
    const nlohmann::json repro = cli::repro_document(source, model, f.path, {c.invariant}, "unit test");
    CHECK(repro.contains("schedule"));
    const sim::Scenario again = cli::parse_scenario(repro, "repro.json");
    const cli::RunResult rr = cli::run_scenario(again);
    CHECK(rr.pass);
    REQUIRE(!rr.violations.empty());
    CHECK(rr.violations.front().invariant == c.invariant);
  }
}

TEST_CASE("explore: a schedule that matches nothing pending stops the run") {
  sim::Scenario s = synod(1);
  sim::ScheduledStep st;
  st.kind = sim::ScheduledStep::Kind::deliver;
  st.msg = prepare(0, 1, ballot(1, 0));  // never sent: nothing was proposed
  s.schedule.push_back(st);
  sim::Simulation sim(s, sim::default_node_factory(s));
  sim.start();
  CHECK_FALSE(sim.step());
  REQUIRE(sim.schedule_unmatched().has_value());
  CHECK(*sim.schedule_unmatched() == 0);
}
