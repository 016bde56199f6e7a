#include "cli/commands.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <boost/program_options.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "cli/report.hpp"
#include "cli/runner.hpp"
#include "cli/scenario_json.hpp"
#include "cli/failure_report.hpp"
#include "cli/trace.hpp"
#include "cli/trace_cmd.hpp"
#include "cli/explore_cmd.hpp"
#include "cli/lincheck_cmd.hpp"
#include "cli/fuzz_cmd.hpp"
#include "cli/merge_cmd.hpp"
#include "cli/options.hpp"
#include "paxos/bugs.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace paxsim::cli {

namespace {


const char* k_overview = R"(paxsim: a deterministic simulator and fault-injection testbed for Paxos.

A seeded event loop runs N Paxos nodes over a network that loses, duplicates,
delays, reorders and partitions messages, on disks that lose unsynced writes
when a node crashes, and checks safety invariants after every step. The same
scenario and seed always give the same run, byte for byte.

usage: paxsim COMMAND [ARGS] [--help]

commands:
  run FILE        one scenario, one seed; prints the verdict, and on failure the
                  violated invariant, the evidence and the command that replays it
  check PATH...   CI suite runner: every scenario under PATH over N seeds, in parallel
  validate FILE.. checks scenario files without running them
  fuzz FILE       swarm testing around a scenario for N runs or a duration, on every
                  core; each distinct failure saved as a repro.json, then shrunk
  shrink REPRO    a failing scenario made small while it still fails the same way
  merge DIR...    the shards of a fuzz campaign (fuzz --shard I/N) joined into one folder
  bugs            lists the known-bug switches (--bug NAME)
  trace convert   a trace (run --trace) as a ShiViz log, Chrome/Perfetto JSON or an
                  offline HTML space-time diagram
  explore FILE    every schedule of a small configuration, exhaustively (model checking);
                  a violation's shortest path and a repro.json that `run` replays
  stats TRACE     figures from a trace: messages per decision, latencies, leader
                  changes, bytes persisted, messages by kind
  lincheck FILE   is a key-value client history (JSON lines) linearizable?
  version         version and build identity

exit codes: 0 as expected, 1 a run did not meet its expectation, 2 bad input or
usage, 3 non-determinism, 70 internal error.
Scenario format: the README's "Scenarios" section, and scenarios/ for worked examples.
)";

po::variables_map parse(const char* cmd, int argc, char** argv, const po::options_description& opts,
                        const po::positional_options_description& pos) {
  return parse_options(cmd, argc, argv, opts, pos);
}


Bug parse_bug(const std::string& name) {
  if (auto b = bug_by_name(name)) return *b;
  throw UsageError(fmt::format("unknown bug switch \"{}\" (see paxsim bugs)", name));
}

// ------------------------------------------------------------------ run

int cmd_run(int argc, char** argv) {
  po::options_description opts("paxsim run FILE [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("file", po::value<std::string>(), "the scenario file")
    ("seed", po::value<std::string>(), "the seed (default: the scenario's \"seed\", else 1)")
    ("bug", po::value<std::string>(), "turn on a known-bug switch (see paxsim bugs)")
    ("set", po::value<std::vector<std::string>>()->composing(), "PATH=VALUE: override one scenario field, e.g. --set network.drop=0.2 (repeatable)")
    ("trace", po::value<std::string>(), "write the run's trace (JSON lines, one per step) to this file")
    ("report", po::value<std::string>(), "write a Markdown report of the run (with --trace, the messages behind a violation) to this file")
    ("check-determinism", po::bool_switch(), "run twice and compare fingerprints (exit 3 if they differ)")
    ("json", po::bool_switch(), "print one JSON object instead of the human report");
  // clang-format on
  po::positional_options_description pos;
  pos.add("file", 1);
  auto vm = parse("run", argc, argv, opts, pos);
  if (vm.count("help")) {
    std::cout << "Runs one scenario with one seed, checking every safety invariant after every step.\n\n"
              << opts
              << "\nExample:\n  paxsim run scenarios/synod/basic.json --seed 7\n"
                 "  paxsim run scenarios/synod/basic.json --set network.drop=0.3 --trace run.jsonl\n";
    return k_exit_ok;
  }
  if (!vm.count("file")) throw UsageError("paxsim run: missing FILE (see paxsim run --help)");

  Invocation inv;
  inv.file = vm["file"].as<std::string>();
  if (vm.count("set")) inv.sets = vm["set"].as<std::vector<std::string>>();
  sim::Scenario s = load_scenario(inv.file, inv.sets);
  if (vm.count("seed")) s.seed = parse_u64(vm["seed"].as<std::string>(), "--seed");
  if (vm.count("bug")) {
    s.bug = parse_bug(vm["bug"].as<std::string>());
    inv.bug_from_flag = true;
    if (const std::string why = bug_misfit(s); !why.empty()) throw UsageError("paxsim run: --bug: " + why);
  }

  // Every output checked before the run: a bad one runs nothing and writes nothing.
  std::vector<std::string> taken{inv.file};
  for (const char* flag : {"trace", "report"}) {
    if (!vm.count(flag)) continue;
    const std::string path = vm[flag].as<std::string>();
    if (const std::string why = output_problem(path, taken); !why.empty())
      throw UsageError(fmt::format("paxsim run: --{}: {}", flag, why));
    taken.push_back(path);
  }

  RunOptions ro;
  TraceWriter trace;
  const bool tracing = vm.count("trace") > 0;
  std::string error;
  if (tracing) {
    if (!trace.open(vm["trace"].as<std::string>(), s, build_identity(), error))
      throw UsageError("paxsim run: cannot write the trace: " + error);
    trace.attach(ro);
  }
  RunResult r = run_scenario(s, ro);
  if (tracing && !trace.close(r, error)) throw UsageError("paxsim run: cannot write the trace: " + error);
  if (vm.count("report")) {
    const std::optional<TraceModel> t =
        tracing ? std::optional<TraceModel>(read_trace_file(vm["trace"].as<std::string>())) : std::nullopt;
    if (!write_file_atomic(vm["report"].as<std::string>(),
                           failure_report(s, inv, r, t ? &*t : nullptr, ReportFormat::markdown), error))
      throw UsageError("paxsim run: cannot write the report: " + error);
  }

  if (vm["check-determinism"].as<bool>()) {
    RunResult again = run_scenario(s);
    if (again.fingerprint != r.fingerprint) {
      std::cerr << fmt::format("paxsim run: NON-DETERMINISM: {} seed {} gave fingerprints {} and {}\n", s.name,
                               s.seed, fingerprint_hex(r.fingerprint), fingerprint_hex(again.fingerprint));
      return k_exit_nondeterministic;
    }
  }
  if (vm["json"].as<bool>()) {
    std::cout << json_result(inv, r).dump(2) << "\n";
  } else {
    std::cout << human_report(inv, r);
  }
  return r.pass ? k_exit_ok : k_exit_failed;
}

// ------------------------------------------------------------------ validate

int cmd_validate(int argc, char** argv) {
  po::options_description opts("paxsim validate FILE... [options]");
  opts.add_options()("help,h", "this help")("file", po::value<std::vector<std::string>>(), "scenario files");
  po::positional_options_description pos;
  pos.add("file", -1);
  auto vm = parse("validate", argc, argv, opts, pos);
  if (vm.count("help")) {
    std::cout << "Checks scenario files against the format, without running them.\n\n" << opts;
    return k_exit_ok;
  }
  if (!vm.count("file")) throw UsageError("paxsim validate: missing FILE (see paxsim validate --help)");
  int rc = k_exit_ok;
  for (const auto& f : vm["file"].as<std::vector<std::string>>()) {
    try {
      const sim::Scenario s = load_scenario(f, {});
      std::cout << fmt::format("ok  {} ({})\n", f, s.name);
    } catch (const InputError& e) {
      std::cerr << e.what() << "\n";
      rc = k_exit_usage;
    }
  }
  return rc;
}

// ------------------------------------------------------------------ check

std::vector<std::string> collect_scenarios(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".json") found.push_back(it->path().string());
      std::sort(found.begin(), found.end());  // directory order is not deterministic
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      throw InputError(p, "", "no such file or directory");
    }
  }
  return files;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

int cmd_check(int argc, char** argv) {
  po::options_description opts("paxsim check PATH... [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("path", po::value<std::vector<std::string>>(), "scenario files or folders (searched for *.json)")
    ("seeds", po::value<std::uint64_t>()->default_value(1), "seeds per scenario: its own seed, then seed+1, ...")
    ("jobs,j", po::value<unsigned>()->default_value(default_jobs()), "parallel runs")
    ("bug", po::value<std::string>(), "turn on a known-bug switch in every scenario")
    ("check-determinism", po::bool_switch(), "run each seed twice and compare fingerprints (exit 3 if they differ)")
    ("junit", po::value<std::string>(), "write JUnit XML to this file")
    ("json", po::bool_switch(), "print one JSON object instead of the table");
  // clang-format on
  po::positional_options_description pos;
  pos.add("path", -1);
  auto vm = parse("check", argc, argv, opts, pos);
  if (vm.count("help")) {
    std::cout << "Runs every scenario under PATH over N seeds, in parallel, and prints a summary.\n"
                 "A scenario that expects a violation runs on its own seed only. Results do not\n"
                 "depend on -j.\n\n"
              << opts << "\nExample:\n  paxsim check scenarios/ --seeds 20 -j 2 --junit results.xml\n";
    return k_exit_ok;
  }
  if (!vm.count("path")) throw UsageError("paxsim check: missing PATH (see paxsim check --help)");
  const std::uint64_t seeds = vm["seeds"].as<std::uint64_t>();
  if (seeds == 0) throw UsageError("paxsim check: --seeds must be at least 1");
  const unsigned jobs = parse_jobs("check", vm);
  std::optional<Bug> bug;
  if (vm.count("bug")) bug = parse_bug(vm["bug"].as<std::string>());
  const bool determinism = vm["check-determinism"].as<bool>();

  // Parse everything first: bad input runs nothing.
  const auto files = collect_scenarios(vm["path"].as<std::vector<std::string>>());
  if (files.empty()) throw UsageError("paxsim check: no scenario files found");
  std::vector<sim::Scenario> scenarios;
  std::vector<std::string> errors;
  for (const auto& f : files) {
    try {
      scenarios.push_back(load_scenario(f, {}));
      if (bug) scenarios.back().bug = bug;
    } catch (const InputError& e) {
      errors.push_back(e.what());
    }
  }
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return k_exit_usage;
  }

  struct Job {
    std::size_t scenario;
    std::uint64_t seed;
    RunResult result;
    bool nondeterministic = false;
    std::uint64_t second_fingerprint = 0;
    double wall_seconds = 0;  // for the JUnit report only; never part of a result
  };
  if (vm.count("junit"))
    if (const std::string why = output_problem(vm["junit"].as<std::string>(), files); !why.empty())
      throw UsageError("paxsim check: --junit: " + why);

  // Every run's result is kept for the table, --json and --junit: a bound
  // keeps that within memory. Longer campaigns are fuzz's job.
  constexpr std::uint64_t k_max_runs = 10'000'000;
  std::uint64_t total = 0;
  for (const sim::Scenario& s : scenarios) total += s.expect.violation ? 1 : std::min(seeds, k_max_runs + 1);
  if (total > k_max_runs)
    throw UsageError(fmt::format("paxsim check: {} scenarios over --seeds {} is more than {} runs; "
                                 "use fewer seeds, or paxsim fuzz for long campaigns",
                                 scenarios.size(), seeds, k_max_runs));
  std::vector<Job> work;
  work.reserve(total);
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const std::uint64_t n = scenarios[i].expect.violation ? 1 : seeds;
    for (std::uint64_t k = 0; k < n; ++k) work.push_back(Job{i, scenarios[i].seed + k, {}});
  }
  std::atomic<std::size_t> next{0}, done{0};
  // Progress on stderr: a line rewritten in place on a terminal; in a log
  // (CI), a line per tenth of a long suite and nothing for a short one.
  const bool tty = isatty(STDERR_FILENO) != 0;
  const std::size_t tenth = std::max<std::size_t>(1, work.size() / 10);
  auto worker = [&] {
    for (std::size_t j; (j = next.fetch_add(1)) < work.size();) {
      sim::Scenario s = scenarios[work[j].scenario];
      s.seed = work[j].seed;
      const auto t0 = std::chrono::steady_clock::now();
      work[j].result = run_scenario(s);
      work[j].wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (determinism) {
        work[j].second_fingerprint = run_scenario(s).fingerprint;
        work[j].nondeterministic = work[j].second_fingerprint != work[j].result.fingerprint;
      }
      const std::size_t d = ++done;
      if (tty && (d % 50 == 0 || d == work.size()))
        std::cerr << fmt::format("\r{} / {} runs", d, work.size()) << std::flush;
      else if (!tty && work.size() >= 1000 && (d % tenth == 0 || d == work.size()))
        std::cerr << fmt::format("{} / {} runs\n", d, work.size());
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::min<std::size_t>(jobs, work.size()); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (tty) std::cerr << "\n";

  std::uint64_t passed = 0, failed = 0;
  bool nondeterministic = false;
  for (const Job& j : work) {
    (j.result.pass ? passed : failed)++;
    nondeterministic = nondeterministic || j.nondeterministic;
  }

  if (vm.count("junit")) {
    std::string xml = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"paxsim\" tests=\"{}\" failures=\"{}\">\n", work.size(), failed);
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      std::string cases;
      std::size_t n = 0, f = 0;
      for (const Job& j : work) {
        if (j.scenario != i) continue;
        ++n;
        const Invocation inv{files[i], {}, bug.has_value()};
        cases += fmt::format("    <testcase classname=\"{}\" name=\"seed {}\" time=\"{:.3f}\">\n",
                             xml_escape(scenarios[i].name), j.seed, j.wall_seconds);
        if (!j.result.pass) {
          ++f;
          cases += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(j.result.verdict_reason),
                               xml_escape(human_report(inv, j.result)));
        }
        cases += "    </testcase>\n";
      }
      xml += fmt::format("  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n",
                         xml_escape(scenarios[i].name), xml_escape(files[i]), n, f, cases);
    }
    xml += "</testsuites>\n";
    std::string error;
    if (!write_file_atomic(vm["junit"].as<std::string>(), xml, error))
      throw UsageError("paxsim check: cannot write the JUnit file: " + error);
  }

  if (vm["json"].as<bool>()) {
    nlohmann::json runs = nlohmann::json::array();
    for (const Job& j : work) runs.push_back(json_result(Invocation{files[j.scenario], {}, bug.has_value()}, j.result));
    std::cout << nlohmann::json{{"runs", runs}, {"passed", passed}, {"failed", failed}}.dump(2) << "\n";
  } else {
    std::cout << fmt::format("{:<40} {:>6} {:>6} {:>6}  {}\n", "scenario", "runs", "pass", "fail", "outcomes");
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      std::size_t n = 0, p = 0;
      std::map<std::string, std::size_t> outcomes;
      for (const Job& j : work) {
        if (j.scenario != i) continue;
        ++n;
        p += j.result.pass ? 1 : 0;
        ++outcomes[to_string(j.result.outcome)];
      }
      std::string oc;
      for (const auto& [k, v] : outcomes) oc += fmt::format("{}{} {}", oc.empty() ? "" : ", ", v, k);
      std::cout << fmt::format("{:<40} {:>6} {:>6} {:>6}  {}{}\n", scenarios[i].name, n, p, n - p, oc,
                               scenarios[i].expect.violation ? " (expects a violation)" : "");
    }
    for (const Job& j : work) {
      if (j.result.pass) continue;
      std::cout << "\n" << human_report(Invocation{files[j.scenario], {}, bug.has_value()}, j.result);
    }
    std::cout << fmt::format("\n{} runs: {} passed, {} failed\n", work.size(), passed, failed);
  }
  if (nondeterministic) {
    for (const Job& j : work)
      if (j.nondeterministic)
        std::cerr << fmt::format("NON-DETERMINISM: {} seed {}: fingerprints {} and {}\n", scenarios[j.scenario].name,
                                 j.seed, fingerprint_hex(j.result.fingerprint), fingerprint_hex(j.second_fingerprint));
    return k_exit_nondeterministic;
  }
  return failed == 0 ? k_exit_ok : k_exit_failed;
}

// ------------------------------------------------------------------ bugs, version

int cmd_bugs(int argc, char**) {
  if (argc > 1) {
    std::cout << "paxsim bugs: lists the known-bug switches, one per line: name, then what it breaks.\n"
                 "Turn one on with --bug NAME (run, check) or the scenario's \"bug\" key.\n";
    return k_exit_ok;
  }
  for (const BugInfo& b : all_bugs()) std::cout << fmt::format("{:<24} {}\n", b.name, b.breaks);
  return k_exit_ok;
}

int cmd_version(int argc, char**) {
  if (argc > 1) {
    std::cout << "paxsim version: prints the version and build identity (a repro is tied to the build that made it).\n";
    return k_exit_ok;
  }
  std::cout << build_identity() << "\n";
  return k_exit_ok;
}

}  // namespace

int main_entry(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << k_overview;
    return k_exit_usage;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << k_overview;
    return k_exit_ok;
  }
  if (cmd == "--version") return cmd_version(1, argv);
  // Each subcommand sees its own arguments (argv[1] is its name).
  const int sub_argc = argc - 1;
  char** sub_argv = argv + 1;
  try {
    if (cmd == "run") return cmd_run(sub_argc, sub_argv);
    if (cmd == "check") return cmd_check(sub_argc, sub_argv);
    if (cmd == "validate") return cmd_validate(sub_argc, sub_argv);
    if (cmd == "bugs") return cmd_bugs(sub_argc, sub_argv);
    if (cmd == "version") return cmd_version(sub_argc, sub_argv);
    if (cmd == "trace") return cmd_trace(sub_argc, sub_argv);
    if (cmd == "stats") return cmd_stats(sub_argc, sub_argv);
    if (cmd == "fuzz") return cmd_fuzz(sub_argc, sub_argv);
    if (cmd == "shrink") return cmd_shrink(sub_argc, sub_argv);
    if (cmd == "merge") return cmd_merge(sub_argc, sub_argv);
    if (cmd == "explore") return cmd_explore(sub_argc, sub_argv);
    if (cmd == "lincheck") return cmd_lincheck(sub_argc, sub_argv);
    std::cerr << fmt::format("paxsim: unknown command \"{}\"\n\n{}", cmd, k_overview);
    return k_exit_usage;
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return k_exit_usage;
  } catch (const UsageError& e) {
    std::cerr << e.what() << "\n";
    return k_exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "paxsim: internal error: " << e.what() << "\n";
    return k_exit_internal;
  }
}

}  // namespace paxsim::cli
