#include "cli/fuzz_cmd.hpp"

#include <atomic>
#include <boost/program_options.hpp>
#include <csignal>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <thread>
#include <tuple>
#include <utility>
#include <unistd.h>

#include "cli/commands.hpp"
#include "cli/fuzz.hpp"
#include "cli/mutate.hpp"
#include "cli/options.hpp"
#include "cli/report.hpp"
#include "cli/scenario_json.hpp"
#include "cli/shrink.hpp"
#include "cli/trace.hpp"
#include "paxos/bugs.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace paxsim::cli {

namespace {

using Usage = UsageError;

// SIGINT and SIGTERM ask for a clean stop; the handler then puts the default
// back, so a second Ctrl-C ends the process at once.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  g_stop.store(true);
  std::signal(sig, SIG_DFL);
}

class StopSignals {
 public:
  StopSignals() {
    g_stop = false;
    struct sigaction sa = {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ = {}, old_term_ = {};
};

po::variables_map parse(const char* cmd, int argc, char** argv, const po::options_description& opts,
                        const po::positional_options_description& pos) {
  return parse_options(cmd, argc, argv, opts, pos);
}



const char* k_fuzz_help = R"(Swarm testing around one scenario. Run k of a campaign with seed S gets a
scenario generated from (S, k) alone: a fresh seed; a random network (delay,
drop up to 0.2, duplicate up to 0.1) and disk latency; random protocol params
(learning mode; synod: retry_ms, retry_ms_max, catchup_ms; multi-paxos: window
1..16, heartbeat_ms, election_timeout_ms above several heartbeats; with leader
leases: leader_lease_ms 20..2000 and max_drift_ppm up to 10%); for kv, a few
more or fewer clients and operations, and sometimes read-only clients
(workload.readers); and a random fault schedule that replaces the scenario's
own: a random subset of fault kinds, then a timeline of crash/restart (disk
kept), pause/resume, crash or pause of the leader, partitions, one-way cuts,
network changes, clock drift within max_drift_ppm (where leases or locks use
clocks), and for leases the lease attack (every clock fast, the leader's slow,
the leader cut off), each undone, and/or a nemesis. It
stays within Paxos's fault model: never more than a minority down at once,
every fault undone before a quiet period on a network that neither loses nor
duplicates, then a liveness bound (several seconds), so that every failure is a
real bug. The workload is kept.

Each distinct failure (its invariant, or liveness/limit, plus the normalised
message: quoted values, lists and numbers replaced) is saved at once as
DIR/<invariant>-<id>/repro.json, a standalone scenario (`paxsim run` replays it),
with the failing run's trace (trace.jsonl, as run --trace writes it), its
reports (report.txt, report.md) and its space-time diagram (trace.html, as
trace convert --to html writes it), then shrunk to repro.min.json (and
shrink.txt). The state is in
DIR/campaign.json, rewritten every second; --resume continues it. Ctrl-C or
SIGTERM stops cleanly with a summary (a second Ctrl-C stops at once).
Exit 1 if the campaign has found a failure, 0 if not, 2 on bad usage.

Shards (several machines, one campaign): --shard I/N (0 <= I < N) does the
runs k = I, I+N, I+2N, ... of the campaign and nothing else, each shard in
its own --out folder. N shards together do exactly the runs of one campaign
and find the same failures in the same folders; `paxsim merge` joins them.
With a shard, --runs R counts the whole campaign (runs k < R, the same R for
every shard); --resume then does what is left of the shard's share (nothing if
it is done), so the same command finishes a preempted shard, and a larger R
extends the campaign. With --time, the shards interleave.
Without --shard, inside a Slurm job array, the shard comes from the array:
I = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN and N = SLURM_ARRAY_TASK_COUNT,
so --array=0-7 and --array=1-8 both give shards 0..7 of 8. The array must be
one contiguous range with step 1; --shard 0/1 turns this off.

)";

// "I/N" with 0 <= I < N.
std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto bad = [&] {
    return Usage(fmt::format("paxsim fuzz: --shard wants I/N with 0 <= I < N (e.g. 3/8), got \"{}\"", text));
  };
  if (slash == std::string::npos) throw bad();
  std::uint64_t i = 0, n = 0;
  try {
    i = parse_u64(text.substr(0, slash), "--shard");
    n = parse_u64(text.substr(slash + 1), "--shard");
  } catch (const Usage&) {
    throw bad();
  }
  if (n == 0 || i >= n || n > 1'000'000) throw bad();
  return {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)};
}

// The shard of a Slurm array task, when SLURM_ARRAY_TASK_ID is set.
std::optional<std::pair<std::uint32_t, std::uint32_t>> slurm_shard(std::string& note) {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  if (id == nullptr || *id == '\0') return std::nullopt;
  const auto var = [](const char* name) -> std::optional<std::uint64_t> {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return parse_u64(v, name);
  };
  const std::uint64_t task = parse_u64(id, "SLURM_ARRAY_TASK_ID");
  const auto count = var("SLURM_ARRAY_TASK_COUNT"), min = var("SLURM_ARRAY_TASK_MIN"),
             max = var("SLURM_ARRAY_TASK_MAX"), step = var("SLURM_ARRAY_TASK_STEP");
  if (!count || !min)
    throw Usage("paxsim fuzz: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN: "
                "give --shard I/N");
  if ((step && *step != 1) || (max && *max - *min + 1 != *count) || *count == 0 || task < *min ||
      task - *min >= *count)
    throw Usage(fmt::format("paxsim fuzz: the Slurm array (tasks {}..{}, {} of them, step {}) is not one contiguous "
                            "range: submit --array=0-{} (or 1-{}), or give --shard I/N",
                            *min, max ? std::to_string(*max) : "?", *count, step.value_or(1), *count - 1, *count));
  if (*count > 1'000'000) throw Usage("paxsim fuzz: more than 1000000 array tasks");
  note = fmt::format("fuzz: shard {}/{} from the Slurm array (task {} of {}..{})", task - *min, *count, task, *min,
                     *min + *count - 1);
  return std::pair{static_cast<std::uint32_t>(task - *min), static_cast<std::uint32_t>(*count)};
}

}  // namespace

std::optional<double> parse_duration_seconds(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double unit = 1;
  std::string number = text;
  switch (text.back()) {
    case 's': unit = 1; number.pop_back(); break;
    case 'm': unit = 60; number.pop_back(); break;
    case 'h': unit = 3600; number.pop_back(); break;
    case 'd': unit = 86400; number.pop_back(); break;
    default: break;
  }
  if (number.empty() || number.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(number, &used);
    if (used != number.size() || !std::isfinite(v) || v <= 0) return std::nullopt;
    return v * unit;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// ------------------------------------------------------------------ fuzz

int cmd_fuzz(int argc, char** argv) try {
  po::options_description opts("paxsim fuzz FILE [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("file", po::value<std::string>(), "the base scenario (optional with --resume)")
    ("runs", po::value<std::string>(), "stop after N runs (this session; with --shard: the campaign's runs k < N)")
    ("time", po::value<std::string>(), "stop after DURATION of wall time: 90s, 10m, 8h (without --runs or --time: until stopped)")
    ("jobs,j", po::value<unsigned>()->default_value(default_jobs()), "parallel runs (results do not depend on it)")
    ("out", po::value<std::string>()->default_value("fuzz-out"), "the campaign's folder")
    ("bug", po::value<std::string>(), "turn on a known-bug switch in every run (see paxsim bugs)")
    ("seed", po::value<std::string>(), "the campaign seed (default: the scenario's seed)")
    ("resume", po::bool_switch(), "continue the campaign in --out: its seed sequence and counters")
    ("shard", po::value<std::string>(), "I/N: do shard I (0-based) of N of the campaign (default: from a Slurm array)")
    ("shrink-seconds", po::value<double>()->default_value(30), "time budget to shrink each new distinct failure (0: no shrinking)")
    ("allow-wipe", po::bool_switch(), "let restarts wipe the disk (outside Paxos's fault model: expect violations)")
    ("quiet", po::bool_switch(), "nothing on stderr (no status line, no new-failure lines)")
    ("print-run", po::value<std::string>(), "K: print the scenario of run K of the campaign (as repro.json would hold it) and exit");
  // clang-format on
  po::positional_options_description pos;
  pos.add("file", 1);
  const auto vm = parse("fuzz", argc, argv, opts, pos);
  if (vm.count("help")) {
    std::cout << k_fuzz_help << opts
              << "\nExamples:\n"
                 "  paxsim fuzz scenarios/synod/nemesis.json --time 8h --out overnight\n"
                 "  paxsim fuzz scenarios/synod/dueling-proposers.json --runs 500 --bug round-only-ballots\n"
                 "  paxsim fuzz --resume --out overnight --time 1h\n"
                 "  paxsim fuzz scenarios/leases/nemesis.json --print-run 100   # what run 100 does\n"
                 "  paxsim fuzz scenarios/synod/nemesis.json --runs 1000000 --shard 3/8 --out camp/shard-3\n";
    return k_exit_ok;
  }
  CampaignOptions o;
  o.resume = vm["resume"].as<bool>();
  o.out_dir = vm["out"].as<std::string>();
  o.jobs = parse_jobs("fuzz", vm);
  o.shrink_seconds = vm["shrink-seconds"].as<double>();
  o.build = build_identity();
  o.quiet = vm["quiet"].as<bool>();
  o.status_tty = isatty(STDERR_FILENO) != 0;
  if (vm.count("runs") && vm.count("time")) throw Usage("paxsim fuzz: give --runs or --time, not both");
  if (vm.count("runs")) {
    o.runs = parse_u64(vm["runs"].as<std::string>(), "--runs");
    if (*o.runs == 0) throw Usage("paxsim fuzz: --runs must be at least 1");
  }
  if (vm.count("time")) {
    o.seconds = parse_duration_seconds(vm["time"].as<std::string>());
    if (!o.seconds)
      throw Usage(fmt::format("paxsim fuzz: --time wants a duration like 90s, 10m or 8h, got \"{}\"",
                              vm["time"].as<std::string>()));
  }
  std::optional<std::string> bug;
  if (vm.count("bug")) {
    bug = vm["bug"].as<std::string>();
    if (!bug_by_name(*bug)) throw Usage(fmt::format("paxsim fuzz: unknown bug switch \"{}\" (see paxsim bugs)", *bug));
  }
  const bool allow_wipe = vm["allow-wipe"].as<bool>();
  std::optional<std::pair<std::uint32_t, std::uint32_t>> shard;
  std::string shard_note;
  if (vm.count("shard")) {
    shard = parse_shard(vm["shard"].as<std::string>());
  } else {
    shard = slurm_shard(shard_note);
  }

  if (o.resume) {
    // The campaign file fixes the scenario, seed, bug and fault model; a flag
    // that disagrees with it is a mistake.
    const std::string state = (fs::path(o.out_dir) / "campaign.json").string();
    std::error_code ec;
    if (!fs::exists(state, ec))
      throw Usage(fmt::format("paxsim fuzz: --resume: no campaign in {} ({} does not exist)", o.out_dir, state));
    CampaignOptions saved;
    load_campaign(state, saved);
    if (vm.count("file") && load_json_file(vm["file"].as<std::string>()) != saved.base)
      throw Usage(fmt::format("paxsim fuzz: --resume: {} is not the scenario the campaign started with ({})",
                              vm["file"].as<std::string>(), saved.file));
    if (vm.count("seed") && parse_u64(vm["seed"].as<std::string>(), "--seed") != saved.seed)
      throw Usage(fmt::format("paxsim fuzz: --resume: the campaign's seed is {}", saved.seed));
    if (vm.count("bug") && bug != saved.mutate.bug)
      throw Usage(fmt::format("paxsim fuzz: --resume: the campaign's bug switch is {}", saved.mutate.bug.value_or("none")));
    if (allow_wipe && !saved.mutate.allow_wipe)
      throw Usage("paxsim fuzz: --resume: the campaign did not allow wiped disks");
    if (shard && (shard->first != saved.shard_index || shard->second != saved.shard_count))
      throw Usage(fmt::format("paxsim fuzz: --resume: {} holds shard {}/{}, not {}/{}{}", o.out_dir, saved.shard_index,
                              saved.shard_count, shard->first, shard->second,
                              shard_note.empty() ? "" : " (from the Slurm array)"));
    o.sharded = shard.has_value() || saved.shard_count > 1;
  } else {
    if (!vm.count("file")) throw Usage("paxsim fuzz: missing FILE (see paxsim fuzz --help)");
    o.file = vm["file"].as<std::string>();
    o.base = load_json_file(o.file);
    sim::Scenario s = parse_scenario(o.base, o.file);
    o.seed = vm.count("seed") ? parse_u64(vm["seed"].as<std::string>(), "--seed") : s.seed;
    if (bug) {
      s.bug = bug_by_name(*bug);
      if (const std::string why = bug_misfit(s); !why.empty()) throw Usage("paxsim fuzz: --bug: " + why);
    }
    o.mutate.bug = bug;
    o.mutate.allow_wipe = allow_wipe;
    if (shard) std::tie(o.shard_index, o.shard_count) = *shard;
    o.sharded = shard.has_value();
  }
  if (vm.count("print-run")) {
    if (o.resume) throw Usage("paxsim fuzz: --print-run takes the scenario FILE, not --resume");
    const std::uint64_t k = parse_u64(vm["print-run"].as<std::string>(), "--print-run");
    const sim::Scenario s = parse_scenario(o.base, o.file);
    std::cout << scenario_text(mutate_scenario(o.base, s, o.seed, k, o.mutate));
    return k_exit_ok;
  }
  if (!shard_note.empty() && !o.quiet) std::cerr << shard_note << "\n";

  StopSignals signals;
  const CampaignResult r = run_campaign(o, g_stop);
  if (o.resume) load_campaign((fs::path(o.out_dir) / "campaign.json").string(), o);  // for the summary's header
  std::cout << campaign_summary(o, r);
  return r.state.failures > 0 ? k_exit_failed : k_exit_ok;
} catch (const Usage& e) {
  std::cerr << e.what() << "\n";
  return k_exit_usage;
}

// ------------------------------------------------------------------ shrink

int cmd_shrink(int argc, char** argv) try {
  po::options_description opts("paxsim shrink REPRO [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("file", po::value<std::string>(), "the failing scenario (e.g. a fuzz repro.json)")
    ("out,o", po::value<std::string>(), "where to write the shrunk scenario (default: REPRO with .min.json)")
    ("seconds", po::value<double>()->default_value(30), "wall-time budget; the best found so far is written");
  // clang-format on
  po::positional_options_description pos;
  pos.add("file", 1);
  const auto vm = parse("shrink", argc, argv, opts, pos);
  if (vm.count("help")) {
    std::cout << "Shrinks a failing scenario by delta debugging on the document, with its seed fixed (the\n"
                 "replay stays exact), while the same failure still happens: the same invariant for a\n"
                 "safety violation, the same outcome for liveness or a step limit. It removes faults\n"
                 "(ddmin over the timeline), the nemesis or some of its actions, proposals and kv\n"
                 "requests; lowers nodes, clients, ops_per_client and keys; sets drop and duplicate to 0;\n"
                 "puts params, the delay and the disk model back to their defaults; and cuts\n"
                 "limits.max_time_ms to just past the failure. Each candidate must be a valid scenario;\n"
                 "for a liveness failure it keeps every fault at or after liveness.after_ms (the quiet\n"
                 "period's heals and calm network), so the smaller run fails for the same reason.\n"
                 "Then the run's random decisions: every decision the failing run took (each message's\n"
                 "fate, fsync latency, timer, nemesis and client draw) is pinned as the scenario's \"tape\",\n"
                 "set to the simplest choice where it still fails (messages delivered once, shortest\n"
                 "delays), and each stream cut short (past its end the seed decides). A failure that needs\n"
                 "its bug switch keeps needing it. The output is a runnable scenario; a before/after\n"
                 "summary is printed, with the run's events (steps) and faults (fault actions, and\n"
                 "messages lost or duplicated). Ctrl-C stops early and writes the best so far.\n\n"
              << opts << "\nExample:\n  paxsim shrink fuzz-out/agreement-1a2b3c4d/repro.json -o small.json\n";
    return k_exit_ok;
  }
  if (!vm.count("file")) throw Usage("paxsim shrink: missing REPRO (see paxsim shrink --help)");
  const std::string file = vm["file"].as<std::string>();
  std::string out;
  if (vm.count("out")) {
    out = vm["out"].as<std::string>();
  } else {
    const bool json_ext = file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0;
    out = (json_ext ? file.substr(0, file.size() - 5) : file) + ".min.json";
  }
  if (const std::string why = output_problem(out, {file}); !why.empty()) throw Usage("paxsim shrink: -o: " + why);
  ShrinkOptions so;
  so.seconds = vm["seconds"].as<double>();
  const nlohmann::json doc = load_json_file(file);
  StopSignals signals;
  so.stop = &g_stop;
  const auto r = shrink_scenario(doc, file, so);
  if (!r) {
    std::cerr << fmt::format("{}: the run is safe (outcome safe with its seed): nothing to shrink\n", file);
    return k_exit_usage;
  }
  std::string error;
  if (!write_file_atomic(out, scenario_text(r->doc), error)) throw Usage("paxsim shrink: cannot write " + error);
  std::cout << fmt::format("shrink {} -> {}\n", file, out) << shrink_summary(*r)
            << fmt::format("replay: paxsim run {}\n", shell_quote(out));
  return k_exit_ok;
} catch (const Usage& e) {
  std::cerr << e.what() << "\n";
  return k_exit_usage;
}

}  // namespace paxsim::cli
