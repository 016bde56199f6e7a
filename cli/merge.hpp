// `paxsim merge`: the shards of one fuzz campaign (fuzz --shard I/N, each in
// its own folder) joined into one campaign folder, as if one machine had done
// all their runs.
//
// Inputs are shard folders, unsharded campaigns (shard 0 of 1) or earlier
// merges (a merge covers a set of shards, so merges can be merged in a tree).
// All must be of one campaign: the same scenario, campaign seed, bug switch,
// fault model and shard count; a shard given twice is an error.
//
// The result, OUT/campaign.json, is a campaign file (fuzz.hpp) with "shard":
// null and a "merged" object (shard_count, per-shard status, missing shards,
// problems, complete). Counters are summed. A failure is identified by its
// folder (its invariant and signature): it keeps the repro.json, reports and
// trace of the shard that found it first (the smallest run k, so the files a
// single campaign would have) and the repro.min.json and shrink.txt of the
// smallest shrunk repro (fewest steps, then fewest faults, then the smaller
// file, then the smaller k). `first_k` is the smallest and `runs` the sum.
//
// Safe while shards are still running: only the files that a shard's
// campaign.json vouches for are read (fuzz writes a failure's files before it
// lists the failure, and repro.min.json before it marks it shrunk), and every
// file is written by temp+rename. Idempotent: merging the same inputs again
// gives the same OUT byte for byte, and a file already equal is not rewritten.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace paxsim::cli {

struct MergeOptions {
  std::vector<std::string> inputs;  // shard folders (or merged folders)
  std::string out_dir;
  bool final = false;  // every shard must have ended: one not "done" counts as failed
};

struct ShardStatus {
  std::uint32_t index = 0;
  std::string dir;
  std::string status;  // "running", "done", "stopped"
  std::uint64_t next_k = 0;
  std::optional<std::uint64_t> end_k;
  std::uint64_t runs = 0, failures = 0;
  double seconds = 0;
  std::string build;
};

// A shard that is not there or not usable, by index when it is known.
struct MergeProblem {
  std::optional<std::uint32_t> index;
  std::string dir;
  std::string what;
};

struct MergeResult {
  nlohmann::json campaign;          // what OUT/campaign.json holds
  std::uint32_t shard_count = 0;
  std::vector<ShardStatus> shards;  // present ones, by index
  std::vector<std::uint32_t> missing;  // no input covers them
  std::vector<MergeProblem> problems;  // unreadable/absent campaign.json, a shard not done (final)
  std::vector<std::string> warnings;   // different builds
  bool complete = false;            // every shard present and done
  std::uint64_t files_written = 0, files_unchanged = 0;
  double seconds = 0;               // wall time of the merge
};

// Merges and writes OUT. Throws UsageError for bad usage or inputs of
// different campaigns, InputError for an unwritable OUT; nothing is written
// then. A shard that is missing or unreadable is a problem, not an error: the
// rest is merged.
MergeResult merge_campaigns(const MergeOptions& opt);

// The summary: shards, runs, failures, each distinct failure with the
// commands that replay it.
std::string merge_summary(const MergeOptions& opt, const MergeResult& r);

// 1 when the merged campaign holds a failure; else 2 when a shard is missing
// or has a problem (the merge cannot say nothing was found); else 0.
int merge_exit_code(const MergeResult& r);

}  // namespace paxsim::cli
