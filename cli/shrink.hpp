// Shrinking a failing scenario (`paxsim shrink`, and fuzz after each new
// distinct failure): delta debugging on the scenario document, keeping the
// seed fixed so that every replay stays exact, while the same failure still
// happens: the same invariant for a safety violation, the same outcome for a
// liveness failure or a step limit.
//
// What it minimises, in passes repeated until none makes progress (or the
// time budget runs out): the liveness bound (dropped for a safety violation);
// the nemesis (dropped, else fewer actions, a shorter window); the fault
// timeline (ddmin over `faults`); the workload (ddmin over proposals and kv
// requests, fewer clients, fewer ops_per_client, fewer keys); the number of
// nodes (faults, proposals and endpoints that name a node that is gone are
// dropped with it); loss and duplication (set to 0), network changes, the
// params and the disk model (back to their defaults); and limits.max_time_ms
// (cut to just past the failure). Every candidate must pass parse_scenario;
// an invalid one is skipped. A failure that needs the document's bug switch
// (it does not happen without it) must keep needing it in every candidate.
// The candidates are tried in a fixed order, so with enough time the result
// is deterministic.
//
// Then the run's random decisions (sim/decisions.hpp): the run is recorded
// and every decision it took is pinned in the scenario's "tape"; ddmin sets
// them to the simplest choice (first the lost and duplicated messages to
// delivered once, then every message delay, disk latency and timer to the
// shortest its distribution allows), and each stream is cut as short as still
// fails (past its end the seed's stream decides). A tape candidate must also
// lose or duplicate no more messages than the best so far. Then the document
// passes run once more, with the tape. The document gets 60% of the budget
// before the tape's turn. The result replays alone: `paxsim run` on it takes
// the tape's decisions, then the seed's.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/runner.hpp"

namespace paxsim::cli {

// What must keep failing.
struct FailureTarget {
  Outcome outcome = Outcome::violation;
  std::string invariant;  // with a violation: the invariant of the first violation
  std::string describe() const;  // "agreement", "liveness", "limit"
};

// The failure a run shows, by its outcome (not its verdict, so that a bug
// scenario that expects its violation shrinks too); nullopt when it was safe.
std::optional<FailureTarget> failure_target(const RunResult& r);
// Whether `r` shows the same failure as `t` (its expect is not consulted).
bool reproduces(const RunResult& r, const FailureTarget& t);

struct ShrinkOptions {
  double seconds = 30;                         // wall-time budget (< 0: no limit)
  bool tape = true;                            // also pin and shrink the random decisions
  const std::atomic<bool>* stop = nullptr;     // set: stop early, keep what was found
};

// The size of a failing run, as the README's detection table reports it.
struct RunSize {
  std::uint64_t events = 0;         // steps of the run, up to the failure
  std::uint64_t fault_actions = 0;  // crash, pause, partition, cut, network, clock that took effect (not undos)
  std::uint64_t losses = 0;         // messages lost or duplicated at random
  std::uint64_t decisions = 0;      // random decisions the run took
  std::uint64_t tape = 0;           // decisions pinned in the scenario's tape
  std::uint64_t faults() const { return fault_actions + losses; }
};
// Runs `doc` (valid) once, recording, and measures it.
RunSize measure_run(const nlohmann::json& doc, const std::string& file);

struct ShrinkResult {
  nlohmann::json original;     // the document as given
  nlohmann::json doc;          // the smallest failing document found (runnable on its own)
  FailureTarget target;
  RunResult before, after;     // the runs of the original and of `doc`
  RunSize size_before, size_after;
  std::uint64_t candidates = 0;  // documents tried (valid ones run)
  std::uint64_t invalid = 0;     // candidates parse_scenario refused
  std::uint64_t accepted = 0;    // candidates that still failed and were kept
  bool out_of_time = false;      // stopped by the budget or `stop`, not by a fixpoint
  double seconds = 0;
};

// Throws InputError when `doc` is not a valid scenario; nullopt when its run
// is safe (nothing to shrink). `file` names the document in errors. The
// document's `expect` is kept: a fuzz repro (expects a pass) still fails when
// run, a bug scenario (expects its violation) still passes.
std::optional<ShrinkResult> shrink_scenario(const nlohmann::json& doc, const std::string& file,
                                            const ShrinkOptions& opt);

// The before/after table: faults, nemesis, nodes, proposals, clients,
// operations, max_time_ms, the run's events (steps), fault actions, random
// losses and duplicates, faults (their sum), its random decisions and the tape.
std::string shrink_summary(const ShrinkResult& r);

}  // namespace paxsim::cli
