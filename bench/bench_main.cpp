// paxsim-bench: runs one scenario (or a few seeds of it) and prints what it
// cost, one line of key=value pairs, for scripts/bench. It runs the same code
// as `paxsim run` (cli/runner.hpp), with the safety checkers on (default) or
// off, and measures wall time around the runs only (parsing excluded), so
// per-event figures are not diluted by start-up. Peak memory (maxrss) is the
// whole process's: run one workload per process.
//
//   paxsim-bench FILE [--set PATH=VALUE]... [--checkers on|off] [--seeds N]
//
// Exit 0 when every run met its `expect`, 1 when one did not (the line says
// which outcome), 2 on bad usage or input. Timing never decides the exit code.
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli/runner.hpp"
#include "cli/scenario_json.hpp"

namespace {

int usage() {
  std::fprintf(stderr, "usage: paxsim-bench FILE [--set PATH=VALUE]... [--checkers on|off] [--seeds N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace paxsim;
  std::string file;
  std::vector<std::string> sets;
  bool checkers = true;
  std::uint64_t seeds = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_next = i + 1 < argc;
    if (a == "--set" && has_next) sets.emplace_back(argv[++i]);
    else if (a == "--checkers" && has_next) checkers = std::strcmp(argv[++i], "off") != 0;
    else if (a == "--seeds" && has_next) seeds = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "-h" || a == "--help") return usage(), 0;
    else if (file.empty() && !a.empty() && a[0] != '-') file = a;
    else return usage();
  }
  if (file.empty() || seeds == 0) return usage();

  sim::Scenario s;
  try {
    s = cli::load_scenario(file, sets);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }

  cli::RunOptions opt;
  opt.checkers = checkers;
  opt.recent_steps = 0;  // a failing run is reported by its outcome, not re-run
  std::uint64_t steps = 0, delivered = 0, sent = 0, completed = 0, chosen = 0;
  std::uint64_t failed = 0, fingerprint = 0;
  std::string outcome;
  const std::uint64_t first_seed = s.seed;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t k = 0; k < seeds; ++k) {
    s.seed = first_seed + k;
    const cli::RunResult r = cli::run_scenario(s, opt);
    steps += r.stats.steps;
    delivered += r.stats.messages_delivered;
    sent += r.stats.messages_sent;
    completed += r.stats.client_ops_completed;
    chosen += r.decided_slots;
    fingerprint ^= r.fingerprint;
    if (!r.pass) ++failed;
    if (k == 0 || !r.pass) outcome = cli::to_string(r.outcome);
  }
  const auto t1 = std::chrono::steady_clock::now();
  const double wall_ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double events = static_cast<double>(steps);
  std::printf(
      "scenario=%s nodes=%u checkers=%s seeds=%llu events=%llu delivered=%llu sent=%llu commands=%llu chosen=%llu "
      "wall_s=%.4f ns_per_event=%.1f events_per_s=%.0f ns_per_delivered=%.1f maxrss_kb=%ld outcome=%s failed=%llu "
      "fingerprint=%016llx\n",
      s.name.c_str(), s.nodes, checkers ? "on" : "off", static_cast<unsigned long long>(seeds),
      static_cast<unsigned long long>(steps), static_cast<unsigned long long>(delivered),
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(completed),
      static_cast<unsigned long long>(chosen), wall_ns / 1e9, events > 0 ? wall_ns / events : 0.0,
      wall_ns > 0 ? events * 1e9 / wall_ns : 0.0, delivered > 0 ? wall_ns / static_cast<double>(delivered) : 0.0,
      ru.ru_maxrss, outcome.c_str(), static_cast<unsigned long long>(failed),
      static_cast<unsigned long long>(fingerprint));
  return failed == 0 ? 0 : 1;
}
