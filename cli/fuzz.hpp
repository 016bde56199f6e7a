// `paxsim fuzz`: a swarm-testing campaign around one scenario. Run k of a
// campaign with seed S runs mutate_scenario(base, S, k): the runs are numbered,
// each can be regenerated from its number alone, and results do not depend on
// -j (workers take the k's in order from one counter).
//
// A failure is a run whose verdict is fail (outcome violation, liveness or
// limit). Failures are grouped by a signature (failure_key): each distinct one
// is saved at once, atomically, as DIR/<invariant>-<id>/repro.json (the run's
// whole scenario, seed and bug switch pinned, so `paxsim run repro.json`
// replays it alone) with, beside it, the run's trace (trace.jsonl), its
// reports (report.txt, report.md) and its page (trace.html), then shrunk
// within a budget to repro.min.json. The campaign's state, DIR/campaign.json, is rewritten
// atomically every second and at the end; `--resume` continues from it.
//
// Shards: shard I of N (0 <= I < N) does the runs k = I, I+N, I+2N, ... of
// the same campaign, and nothing else: N shards together do exactly the runs
// of one campaign, and since a run depends on (S, k) alone and a failure's
// folder on its signature alone, they find the same failures in the same
// folders. With a shard, `runs` counts the whole campaign (k < runs), so that
// every shard gets the same command line, and a resumed shard does what is
// left of its share. An unsharded campaign is shard 0 of 1.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/mutate.hpp"
#include "cli/runner.hpp"

namespace paxsim::cli {

// ------------------------------------------------------------------ signatures

// A failure's identity for deduplication. `invariant` is the first violated
// invariant, or "liveness" / "limit" for those outcomes. `signature` is
// "<invariant>: <normalised message>" where the message is the first
// violation's one-line message (or the liveness message; empty for a limit),
// normalised by normalise_message. `id` is 8 hex digits of FNV-1a of the
// signature (the 64-bit hash folded to 32 bits); the folder is
// "<invariant>-<id>".
struct FailureKey {
  std::string invariant;
  std::string signature;
  std::string id;
  std::string folder() const { return invariant + "-" + id; }
};

// Normalisation, applied in this order:
// 1. every double-quoted string (a value, a key) and every kv command as the
//    checkers print it (`c2#17:put(k1, v)`) becomes "_" (the no-op stays
//    `no-op`);
// 2. every bracketed list, [...] or {...}, becomes [..] or {..} (acceptor sets,
//    quorums), so their length does not matter;
// 3. whatever follows "no linearization" (the operations a linearizable
//    message lists) is dropped;
// 4. every run of digits (with a decimal point or not) becomes #: slots,
//    steps, times, ballot rounds, node and client numbers (n3 -> n#, (2,n1) ->
//    (#,n#), c2#17 -> c##);
// 5. runs of white space become one space.
std::string normalise_message(const std::string& message);

// The key of a failed run; nullopt when the run passed.
std::optional<FailureKey> failure_key(const RunResult& r);

// ------------------------------------------------------------------ campaign

struct CampaignOptions {
  std::string file;              // the base scenario file, as given
  nlohmann::json base;           // its document (validated)
  std::uint64_t seed = 1;        // the campaign seed
  MutateOptions mutate;
  std::optional<std::uint64_t> runs;     // run this many (more), then stop
  std::optional<double> seconds;         // stop after this much wall time
  unsigned jobs = 1;
  std::string out_dir = "fuzz-out";
  double shrink_seconds = 30;    // 0: do not shrink
  bool resume = false;           // continue DIR/campaign.json
  std::uint32_t shard_index = 0; // this campaign does the runs k = shard_index (mod shard_count)
  std::uint32_t shard_count = 1;
  bool sharded = false;          // --shard given (or from Slurm): `runs` is the campaign's total
  std::string build;             // build identity, recorded in campaign.json
  bool status_tty = false;       // status line with \r (else one line per second)
  bool quiet = false;            // nothing on stderr: no status line, no new-failure lines
};

struct DistinctFailure {
  FailureKey key;
  std::string outcome;
  std::string message;           // the first message as it was, not normalised
  std::uint64_t first_k = 0;     // the run that found it
  std::uint64_t runs = 0;        // runs (k < next_k) that failed this way
  bool shrunk = false;           // repro.min.json written
  std::uint64_t shrunk_steps = 0;   // with shrunk: the steps of the shrunk run
  std::uint64_t shrunk_faults = 0;  // with shrunk: the faults left in repro.min.json
  std::string dir;               // DIR/<folder>
};

struct CampaignState {
  std::uint64_t next_k = 0;      // every run k < next_k of this shard's share is done
  std::optional<std::uint64_t> end_k;  // the session stops at this k (with --runs)
  std::string status = "running";      // "running", "done" (reached its end), "stopped" (a signal)
  std::uint64_t runs = 0;        // runs done (= next_k once settled)
  std::uint64_t failures = 0;
  std::uint64_t by_outcome[4] = {};  // indexed by Outcome
  std::vector<DistinctFailure> distinct;
  double seconds = 0;            // wall time over all sessions
};

struct CampaignResult {
  CampaignState state;
  std::uint64_t runs_this_session = 0;
  double seconds_this_session = 0;
  bool interrupted = false;      // stopped by a signal
};

// The campaign state as campaign.json holds it, and back. The format:
// {"format": "paxsim-fuzz-campaign", "version": 1, "build": ..., "scenario_file": FILE,
//  "scenario": <base document>, "campaign_seed": S, "bug": NAME|null, "allow_wipe": bool,
//  "shard": {"index": I, "count": N}, "status": "running"|"done"|"stopped", "end_k": K|null,
//  "next_k": K, "runs": N, "failures": F,
//  "outcomes": {"violation": a, "liveness": b, "limit": c},
//  "distinct": [{"folder", "invariant", "signature", "outcome", "message", "first_k", "runs",
//                "shrunk", "shrunk_steps", "shrunk_faults", "repro", "repro_min"}...],
//  "seconds": wall seconds over all sessions}
// `paxsim merge` writes the same format with a "merged" object added
// (merge.hpp); such a file is not resumed.
nlohmann::json campaign_json(const CampaignOptions& opt, const CampaignState& st);
// Reads DIR/campaign.json into `opt` (file, base, seed, bug, allow_wipe,
// shard) and the returned state. Throws InputError (also for a merged campaign).
CampaignState load_campaign(const std::string& path, CampaignOptions& opt);
// The same from a document read from `path` (a merged one too). Each
// failure's `dir` is beside `path`.
CampaignState campaign_from_json(const nlohmann::json& doc, const std::string& path, CampaignOptions& opt);

// Runs the campaign until `runs`, `seconds` or `stop`. Throws InputError on
// bad input (an out dir already holding another campaign, an unwritable dir).
CampaignResult run_campaign(CampaignOptions opt, const std::atomic<bool>& stop);

// The summary printed at the end: runs, failures, each distinct failure with
// its folder and the command that replays it.
std::string campaign_summary(const CampaignOptions& opt, const CampaignResult& r);

// The files of a failure's folder, as fuzz writes them: those written before
// the failure is listed in campaign.json, and those written before it is
// marked shrunk. A reader that trusts campaign.json reads only complete files.
inline constexpr const char* k_failure_files[] = {"repro.json", "report.txt", "report.md", "trace.jsonl",
                                                   "trace.html"};
inline constexpr const char* k_shrunk_files[] = {"repro.min.json", "shrink.txt"};

}  // namespace paxsim::cli
