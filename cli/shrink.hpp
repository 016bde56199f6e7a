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
// an invalid one is skipped. The candidates are tried in a fixed order, so with
// enough time the result is deterministic.
//
// Not yet: minimising the run's recorded random decisions (drop, duplicate,
// delay and timeout draws). That needs the simulator to record and replay
// them; the seed stays fixed here.
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
  const std::atomic<bool>* stop = nullptr;     // set: stop early, keep what was found
};

struct ShrinkResult {
  nlohmann::json original;     // the document as given
  nlohmann::json doc;          // the smallest failing document found (runnable on its own)
  FailureTarget target;
  RunResult before, after;     // the runs of the original and of `doc`
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
// operations, max_time_ms, and the steps of the failing run.
std::string shrink_summary(const ShrinkResult& r);

}  // namespace paxsim::cli
