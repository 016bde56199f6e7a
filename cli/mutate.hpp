// Scenario randomisation for `paxsim fuzz` (swarm testing). Run k of a
// campaign with seed S gets a scenario generated from (S, k) alone, drawn from
// one stream `Rng(S, "fuzz", k)`: the same base document, S and k give the
// same document, byte for byte, on every machine and for every -j.
//
// What is randomised, on the JSON document (then validated by parse_scenario):
// - the seed;
// - the network (delay distribution, drop <= 0.2, duplicate <= 0.1) and the
//   disks' fsync latency;
// - the protocol's documented params: `learning`; synod: `retry_ms`,
//   `retry_ms_max`, `catchup_ms`; multi-paxos: `window` 1..16,
//   `heartbeat_ms`, `election_timeout_ms` (always above several heartbeats
//   plus a few network delays); where the base has leader leases,
//   `leader_lease_ms` (20..2000) and `max_drift_ppm` (0..100,000, half of
//   those at the top), from a stream of their own, `Rng(S, "fuzz-clock", k)`;
// - kv only: the number of clients (+-1) and ops_per_client (x0.5..1.25);
//   in 30% of the runs, 1..K-1 of the K clients are `readers` (gets only),
//   from a stream of its own, `Rng(S, "fuzz-workload", k)`;
// - the fault schedule, replacing the base's faults and nemesis: a random
//   subset of fault kinds (swarm testing) is enabled per run, then a timeline
//   of episodes, each a fault and its undo: crash/restart (disk kept),
//   pause/resume, crash/pause of "leader" (undone by restart/resume "random"),
//   partitions, one-way cuts (undone by heal), network changes (undone by a
//   network action back to the run's link model), clock drift within
//   params.max_drift_ppm (undone by drift 0; only where clocks matter: leader
//   leases or the lock workload; half the rates at the bound; and sometimes
//   the worst case for a lease: every clock fast, the leader's slow); and/or
//   a nemesis with a random subset of its actions.
// The workload is kept, and `expect` becomes {"verdict": "pass"}.
//
// The fault model (check_fault_model states it exactly): never more than a
// minority, floor((N-1)/2), of nodes down (crashed or paused) at once, counting
// the nemesis's max_down on top of the timeline; every fault undone by the end
// of the fault phase; no wiped disk unless allowed. After the fault phase comes
// a quiet period with a generous liveness bound, so that a liveness failure
// means something. Clock faults stay within max_drift_ppm and never step.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenario.hpp"

namespace paxsim::cli {

struct MutateOptions {
  std::optional<std::string> bug;  // pinned switch (--bug); else the base's own "bug", if any
  bool allow_wipe = false;         // restarts may wipe the disk (outside Paxos's fault model)
};

// Bounds of the randomisation: named so the tests and the README can state them.
inline constexpr double k_fuzz_drop_max = 0.2;
inline constexpr double k_fuzz_duplicate_max = 0.1;
inline constexpr std::uint32_t k_fuzz_window_max = 16;
inline constexpr std::uint32_t k_fuzz_episodes_max = 12;
inline constexpr double k_fuzz_liveness_within_ms_min = 6000;
// Leader leases (only where the base has them): the lease length, and the drift bound.
inline constexpr double k_fuzz_lease_ms_min = 20;
inline constexpr double k_fuzz_lease_ms_max = 2000;
inline constexpr double k_fuzz_drift_ppm_max = 100000;

// The scenario of run `k`. `base` is a valid scenario document and `parsed`
// what parse_scenario made of it. The result is a plain JSON document (already
// through a dump/parse round trip, so it is exactly what a saved file holds);
// parse_scenario accepts it.
nlohmann::json mutate_scenario(const nlohmann::json& base, const sim::Scenario& parsed, std::uint64_t campaign_seed,
                               std::uint64_t k, const MutateOptions& opt);

// A scenario document as text, keys in the order of spec/scenario.md
// (schema_version, name, ..., expect; in a fault, at_ms and action first),
// two-space indented, ending in a newline: how repro files are written.
std::string scenario_text(const nlohmann::json& doc);

// What a scenario's faults can do, judged statically from the timeline (faults
// in time order) and the nemesis. `peak_down` bounds the nodes down at once by
// the timeline: a crash or pause of a named node counts that node until its
// restart or resume; a crash or pause of "leader"/"random" counts one until a
// restart/resume of "random", and must not overlap another crash (or pause)
// interval, so that the "random" undo cannot pick another node. The nemesis
// may add its max_down on top (when it crashes or pauses).
struct FaultModelReport {
  std::uint32_t peak_down = 0;        // timeline only
  std::uint32_t nemesis_down = 0;     // nemesis max_down when it crashes or pauses, else 0
  bool all_undone = true;             // every crash, pause, partition and cut undone by the end
  bool wipes = false;                 // a restart wipes its disk
  std::string problem;                // non-empty: why the timeline is ambiguous or outside the model
  std::uint32_t bound() const { return peak_down + nemesis_down; }
  bool within(std::uint32_t nodes) const {
    return problem.empty() && all_undone && !wipes && bound() <= (nodes - 1) / 2;
  }
};
FaultModelReport check_fault_model(const sim::Scenario& s);

}  // namespace paxsim::cli
