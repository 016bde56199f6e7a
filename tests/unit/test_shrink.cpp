// paxsim shrink: delta debugging on a failing scenario keeps the same failure
// (invariant, or outcome) with the seed fixed, ends smaller, and stays a
// valid, runnable scenario.
#include <doctest/doctest.h>

#include <string>

#include "cli/fuzz.hpp"
#include "cli/mutate.hpp"
#include "cli/scenario_json.hpp"
#include "cli/shrink.hpp"
#include "helpers.hpp"

using namespace paxsim;
using namespace paxsim::cli;
using json = nlohmann::json;

namespace {

std::string source(const std::string& rel) { return std::string(PAXSIM_SOURCE_DIR) + "/" + rel; }

std::size_t faults_in(const json& d) { return d.contains("faults") ? d["faults"].size() : 0; }

// `doc` fails with `outcome`; shrunk to the fixpoint (no time budget), it
// still does.
ShrinkResult shrunk_to_fixpoint(const json& doc, const std::string& name, Outcome outcome) {
  const RunResult before = run_scenario(parse_scenario(doc, name));
  REQUIRE(before.outcome == outcome);
  ShrinkOptions opt;
  opt.seconds = -1;
  const auto r = shrink_scenario(doc, name, opt);
  REQUIRE(r);
  CHECK(r->target.outcome == outcome);
  return *r;
}

// The round-only-ballots bug scenario as a fuzz repro would have it: it
// expects a pass, and carries faults and proposals that have nothing to do
// with the failure.
json noisy_round_only_ballots() {
  json d = load_json_file(source("scenarios/bugs/round-only-ballots.json"));
  d["expect"] = json{{"verdict", "pass"}};
  d["nodes"] = 7;
  d["workload"]["proposals"].push_back({{"at_ms", 300}, {"node", "n6"}, {"value", "D"}});
  d["workload"]["proposals"].push_back({{"at_ms", 500}, {"node", "n7"}, {"value", "E"}});
  d["network"] = json{{"drop", 0.01}, {"duplicate", 0.02}};
  d["params"] = json{{"catchup_ms", 50}};
  d["faults"] = json::array({
      json{{"at_ms", 200}, {"action", "crash"}, {"node", "n7"}},
      json{{"at_ms", 250}, {"action", "partition"}, {"groups", json::array({json::array({"n6"}), json::array({"n1", "n2", "n3", "n4", "n5", "n7"})})}},
      json{{"at_ms", 400}, {"action", "heal"}},
      json{{"at_ms", 600}, {"action", "restart"}, {"node", "n7"}},
      json{{"at_ms", 700}, {"action", "pause"}, {"node", "n6"}},
      json{{"at_ms", 800}, {"action", "resume"}, {"node", "n6"}},
  });
  d["liveness"] = json{{"after_ms", 800}, {"within_ms", 5000}};
  return d;
}

}  // namespace

TEST_CASE("shrink: a round-only-ballots failure shrinks, still failing the same invariant") {
  const json doc = noisy_round_only_ballots();
  const RunResult before = run_scenario(parse_scenario(doc, "noisy"));
  REQUIRE_FALSE(before.pass);
  REQUIRE(before.outcome == Outcome::violation);
  const auto target = failure_target(before);
  REQUIRE(target);

  ShrinkOptions opt;
  opt.seconds = -1;  // to the fixpoint: deterministic
  const auto r = shrink_scenario(doc, "noisy", opt);
  REQUIRE(r);
  CHECK_FALSE(r->out_of_time);
  CHECK(r->target.invariant == target->invariant);
  CHECK(r->accepted > 0);

  // Smaller on every axis it can be.
  CHECK(faults_in(r->doc) < faults_in(doc));
  CHECK(r->doc["nodes"].get<int>() < 7);
  CHECK(r->doc["workload"]["proposals"].size() <= 3);
  CHECK(r->doc["workload"]["proposals"].size() >= 1);
  CHECK_FALSE(r->doc.contains("liveness"));  // irrelevant to a safety violation
  CHECK(r->after.stats.steps <= before.stats.steps);
  CHECK(r->doc["seed"] == doc["seed"]);  // the seed never changes
  CHECK(r->doc["bug"] == "round-only-ballots");

  // Runnable on its own, and it fails the same way.
  const RunResult replay = run_scenario(parse_scenario(json::parse(scenario_text(r->doc)), "min"));
  CHECK_FALSE(replay.pass);
  CHECK(reproduces(replay, *target));
  CHECK(fingerprint_hex(replay.fingerprint) == fingerprint_hex(r->after.fingerprint));

  // Deterministic: the same input shrinks to the same output.
  const auto again = shrink_scenario(doc, "noisy", opt);
  REQUIRE(again);
  CHECK(again->doc == r->doc);

  const std::string summary = shrink_summary(*r);
  CHECK(summary.find("faults") != std::string::npos);
  CHECK(summary.find("steps") != std::string::npos);
  CHECK(summary.find("still fails: " + target->invariant) != std::string::npos);
}

TEST_CASE("shrink: a bug scenario that expects its violation shrinks and still expects it") {
  const json doc = load_json_file(source("scenarios/bugs/round-only-ballots.json"));
  ShrinkOptions opt;
  opt.seconds = -1;
  const auto r = shrink_scenario(doc, "bug", opt);
  REQUIRE(r);
  CHECK(r->doc["expect"] == doc["expect"]);
  const RunResult replay = run_scenario(parse_scenario(r->doc, "min"));
  CHECK(replay.pass);  // it finds the violation it expects
  CHECK(replay.outcome == Outcome::violation);
  // It did shrink: some candidate was kept, and the failing run is shorter
  // or the cluster smaller than the original's.
  CHECK(r->accepted > 0);
  CHECK((r->size_after.events < r->size_before.events || r->doc["nodes"].get<int>() < doc["nodes"].get<int>()));
}

TEST_CASE("shrink: a safe run has nothing to shrink; an invalid document is an input error") {
  const json basic = load_json_file(source("scenarios/synod/basic.json"));
  CHECK_FALSE(shrink_scenario(basic, "basic", {}));
  json bad = basic;
  bad["nodes"] = 0;
  CHECK_THROWS_AS(shrink_scenario(bad, "bad", {}), InputError);
}

TEST_CASE("shrink: a zero budget returns the input, still failing") {
  const json doc = noisy_round_only_ballots();
  ShrinkOptions opt;
  opt.seconds = 0;
  const auto r = shrink_scenario(doc, "noisy", opt);
  REQUIRE(r);
  CHECK(r->out_of_time);
  CHECK(faults_in(r->doc) == faults_in(doc));
  CHECK(reproduces(r->after, r->target));
}

TEST_CASE("shrink: a step limit keeps its outcome") {
  json doc = load_json_file(source("scenarios/synod/nemesis.json"));
  doc["limits"]["max_steps"] = 60;
  const ShrinkResult r = shrunk_to_fixpoint(doc, "limit", Outcome::limit);
  CHECK(r.target.describe() == "limit");
  CHECK(r.after.outcome == Outcome::limit);
  CHECK(r.accepted > 0);
}

TEST_CASE("shrink: a fuzz failure found with a planted bug shrinks to a small repro") {
  const json base = load_json_file(source("scenarios/synod/nemesis.json"));
  const sim::Scenario parsed = parse_scenario(base, "base");
  MutateOptions m;
  m.bug = "accept-below-promise";
  int shrunk = 0;
  for (std::uint64_t k = 0; k < 200 && shrunk < 2; ++k) {
    const json d = mutate_scenario(base, parsed, 81, k, m);
    const RunResult r = run_scenario(parse_scenario(d, "gen"));
    if (r.pass) continue;
    ShrinkOptions opt;
    opt.seconds = -1;
    const auto s = shrink_scenario(d, "gen", opt);
    REQUIRE(s);
    CHECK(reproduces(s->after, *failure_target(r)));
    CHECK(faults_in(s->doc) <= faults_in(d));
    CHECK(s->after.stats.steps <= r.stats.steps);
    // ... and smaller, not only no larger: a shrink that gave back its input
    // would pass the two checks above.
    CHECK(s->accepted > 0);
    CHECK((faults_in(s->doc) < faults_in(d) || s->after.stats.steps < r.stats.steps));
    ++shrunk;
  }
  CHECK(shrunk == 2);
}

TEST_CASE("shrink: a liveness failure keeps the quiet period's faults; the others can go") {
  // A liveness bound of 1 ms that no request can meet (every message takes at
  // least 1 ms). The pause and the network change before the quiet period do
  // not matter; the calm network at its start does not either, but it
  // belongs to the quiet period that liveness is judged after, so it stays.
  const json doc = json::parse(R"({"schema_version": 1, "name": "liveness-quiet", "seed": 3,
    "protocol": "multi-paxos", "nodes": 3,
    "network": {"drop": 0.05},
    "workload": {"type": "kv", "clients": 1, "ops_per_client": 40, "keys": 2},
    "faults": [
      {"at_ms": 50, "action": "network", "duplicate": 0.1},
      {"at_ms": 60, "action": "pause", "node": "n3"},
      {"at_ms": 70, "action": "resume", "node": "n3"},
      {"at_ms": 300, "action": "network", "drop": 0, "duplicate": 0}],
    "liveness": {"after_ms": 300, "within_ms": 1},
    "limits": {"max_time_ms": 5000},
    "expect": {"verdict": "pass"}})");
  const ShrinkResult r = shrunk_to_fixpoint(doc, "quiet", Outcome::liveness);
  const json calm = doc["faults"].back();
  bool kept = false;
  for (const json& f : r.doc["faults"]) kept = kept || f == calm;
  CHECK(kept);
  CHECK(faults_in(r.doc) < faults_in(doc));  // the pause went, at least
  const RunResult replay = run_scenario(parse_scenario(r.doc, "min"));
  CHECK(replay.outcome == Outcome::liveness);
}
