// Runs one scenario with one seed: the simulator, the protocol nodes and the
// checkers wired together, safety checked after every step, until a
// violation, the time or step limit, or quiescence.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checkers/history.hpp"
#include "checkers/shard_checks.hpp"
#include "checkers/violation.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"

namespace paxsim::cli {

enum class Outcome { safe, violation, liveness, limit };
const char* to_string(Outcome o);

struct RunOptions {
  bool checkers = true;                       // off: no safety checker runs (benchmarks)
  std::vector<sim::Observer*> observers;      // extra observers, e.g. a trace writer
  std::optional<sim::NodeFactory> factory;    // tests swap in broken nodes
  std::size_t recent_steps = 12;              // kept for the failure report
  checkers::History* history_out = nullptr;   // kv runs: receives the client history
  sim::Tape* tape_out = nullptr;              // receives the run's random decisions (sim/decisions.hpp)
  // Called once the simulation exists, after the observers are added and
  // before it starts; a trace writer keeps it to read node and network state.
  std::function<void(const sim::Simulation&)> on_start;
};

struct RunResult {
  std::string scenario;
  std::uint64_t seed = 0;
  std::optional<std::string> bug;
  bool pass = false;
  std::string verdict_reason;   // why it failed against `expect` (empty on pass)
  Outcome outcome = Outcome::safe;
  std::vector<checkers::Violation> violations;
  bool liveness_checked = false;
  bool liveness_ok = true;
  std::string liveness_message;
  sim::Stats stats;
  Time_us sim_time_us = 0;
  std::uint64_t decided_slots = 0;
  std::uint64_t fingerprint = 0;
  std::vector<std::string> recent;  // the last steps before the end, as text
  // kv runs: "linearizable", "not linearizable", or "unknown" (the search ran
  // out of budget: passes, but is flagged); empty when not checked.
  std::string linearizability;
  std::optional<sim::LockStats> lock;  // lock runs: what the clients and the resource saw
  std::vector<checkers::ShardStats> shards;  // shards > 1: per Paxos group
  // A pinned schedule's first step that matched nothing pending: the run
  // ended there (sim/scenario.hpp, ScheduledStep).
  std::optional<std::size_t> schedule_unmatched;
};

RunResult run_scenario(const sim::Scenario& s, const RunOptions& opt = {});

// Every safety invariant the scenario asks for (all that apply by default).
std::vector<std::string> enabled_invariants(const sim::Scenario& s);

std::string fingerprint_hex(std::uint64_t f);

}  // namespace paxsim::cli
