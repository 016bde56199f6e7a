#include "cli/explore_cmd.hpp"

#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "checkers/chosen.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/runner.hpp"
#include "cli/scenario_json.hpp"
#include "cli/trace.hpp"
#include "paxos/bugs.hpp"

namespace po = boost::program_options;

namespace paxsim::cli {

namespace {

const char* k_help = R"(Explores every schedule of a small configuration, on the same protocol code
that `paxsim run` simulates, and checks every safety invariant (agreement,
validity, promises, quorums, stability; log for multi-paxos) in every state.

From the scenario it takes the cluster (nodes, protocol, params, bug) and the
workload: each proposal (synod) or each exact kv request (multi-paxos; sent
by its client to its "via" node, else to every node) is issued once, at any
point. Everything the simulator draws at random is a choice: which message
in flight is delivered next (identical copies are one choice), which pending
timer fires, whether a message is lost or duplicated, when a write becomes
durable, where a node crashes and when it restarts, within the budgets below.
Time is abstracted: timers fire in any order relative to messages, bounded by
--max-timers. The timeline, nemesis, network probabilities and delays,
liveness and generated kv operations are not used.

Visited states (every node's state, disks, timers, the messages in flight as
a multiset, budgets used, what the checkers remember) are keyed by 128 bits
and never expanded twice. Reductions that keep every verdict (turn them off
with --no-reduction): sleep sets skip interleavings of independent steps;
losses are subsumed (a lost message is one never delivered, which every
state allows); no-op steps are not taken; obsolete promises, acks, nacks and
decides (no-ops now and forever, paxos/obsolete.hpp) are forgotten once no
crash is left; a duplicate is taken as "deliver and keep a copy"; a kv
request sent to one node is issued and delivered in one step; a delivery
that changes only its receiver and sends nothing another node can take (a
follower learning a decision, a leader's own acceptor accepting) waits for
that node's next step; a delivery whose only effect is an obsolete message
(a nack to a leader that already knows) is a no-op;
states are keyed in a canonical form: tallies of voters as sets, a live
node's disk as a set of records once no crash is left, timers as pending or
not (no tokens), and nothing that only messages to clients show
(explore/world.hpp, explore/search.hpp, paxos/state_hash.hpp).

A prefix: when the scenario has a "schedule" (as every repro.json does),
the explorer takes those steps first, each matched against what is enabled,
and explores every continuation of the state they reach (budgets count the
prefix too). Use it to start from a given point (a leader already elected,
say: models/multi-3n-2c-one-leader-change.json) or from part of a repro's
path. A step that matches nothing enabled is an error (exit 2) naming
/schedule/N.

A violation prints its path (the shortest, breadth-first) and writes
DIR/repro.json: the scenario with every step pinned in "schedule", which
`paxsim run DIR/repro.json` replays through the simulator.

Exit codes: 0 no violation (exhausted, or a budget reached), 1 a violation,
2 bad input or usage, 70 the repro did not replay the violation (a paxsim bug).

)";

std::string with_commas(std::uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

nlohmann::json ballot_json(const Ballot& b) { return nlohmann::json::array({b.round, node_name(b.node)}); }

nlohmann::json message_json(const sim::Scenario& s, const Message& m) {
  nlohmann::json j = {{"kind", std::string(to_string(m.kind))},
                      {"from", sim::endpoint_name(s, m.from)},
                      {"to", sim::endpoint_name(s, m.to)}};
  if (m.slot != 0) j["slot"] = m.slot;
  if (!m.ballot.is_null() || m.ballot.node != 0) j["ballot"] = ballot_json(m.ballot);
  if (!m.accepted_ballot.is_null() || m.accepted_ballot.node != 0) j["accepted_ballot"] = ballot_json(m.accepted_ballot);
  if (!m.value.empty()) j["value"] = m.value;
  if (!m.entries.empty()) {
    nlohmann::json es = nlohmann::json::array();
    for (const LogEntry& e : m.entries) es.push_back({{"slot", e.slot}, {"ballot", ballot_json(e.ballot)}, {"value", e.value}});
    j["entries"] = es;
  }
  if (m.commit != 0) j["commit"] = m.commit;
  if (m.request != 0) j["request"] = m.request;
  if (m.leader_hint != k_no_node) j["leader_hint"] = node_name(m.leader_hint);
  if (m.flags != 0) j["flags"] = m.flags;
  return j;
}

}  // namespace

std::uint64_t peak_memory_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

nlohmann::json scheduled_step_json(const sim::Scenario& s, const sim::ScheduledStep& st) {
  using K = sim::ScheduledStep::Kind;
  switch (st.kind) {
    case K::deliver: return {{"deliver", message_json(s, st.msg)}};
    case K::drop: return {{"drop", message_json(s, st.msg)}};
    case K::duplicate: return {{"duplicate", message_json(s, st.msg)}};
    case K::timer: return {{"timer", {{"node", node_name(st.node)}, {"kind", std::string(to_string(st.timer))}}}};
    case K::durable: return {{"durable", node_name(st.node)}};
    case K::crash: return {{"crash", node_name(st.node)}};
    case K::restart: return {{"restart", node_name(st.node)}};
    case K::propose: return {{"propose", st.index}};
    case K::request: return {{"request", st.index}};
  }
  return nullptr;
}

nlohmann::json repro_document(const nlohmann::json& source, const explore::Model& model,
                              const std::vector<explore::Choice>& path, const std::vector<std::string>& invariants,
                              const std::string& description) {
  const sim::Scenario& s = model.scenario();
  nlohmann::json doc = source;
  for (const char* key : {"faults", "nemesis", "liveness"}) doc.erase(key);
  doc["description"] = description;
  if (s.bug) doc["bug"] = std::string(bug_name(*s.bug));
  doc["invariants"] = model.invariants();
  doc["expect"] = {{"verdict", "violation"}, {"invariant", invariants}};
  nlohmann::json schedule = nlohmann::json::array();
  // With immediate writes a step's records sync right after it: pinned as
  // "durable" steps of their own, as the simulator takes them.
  explore::World w = model.start();  // `path` includes the prefix
  const bool immediate = model.options().writes == explore::Writes::immediate;
  const auto synced_by = [&](const explore::World& x, NodeId n) -> std::size_t {
    return x.nodes[n].disk ? x.nodes[n].disk->durable.size() : 0;
  };
  if (immediate)
    for (NodeId n = 0; n < s.nodes; ++n)
      for (std::size_t k = 0; k < synced_by(w, n); ++k) schedule.push_back({{"durable", node_name(n)}});
  std::uint64_t step = 0;
  for (const explore::Choice& c : path) {
    for (const sim::ScheduledStep& st : model.scheduled(c)) schedule.push_back(scheduled_step_json(s, st));
    explore::World next = model.apply(w, c, ++step).next;
    if (immediate) {
      for (NodeId n = 0; n < s.nodes; ++n) {
        const std::size_t synced = synced_by(next, n) - synced_by(w, n);
        for (std::size_t k = 0; k < synced; ++k) schedule.push_back({{"durable", node_name(n)}});
      }
    }
    w = std::move(next);
  }
  doc["schedule"] = schedule;
  return doc;
}

int cmd_explore(int argc, char** argv) {
  po::options_description opts("paxsim explore FILE [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("file", po::value<std::string>(), "the scenario file")
    ("bfs", po::bool_switch(), "breadth-first (the default): shortest counterexamples")
    ("dfs", po::bool_switch(), "depth-first: less memory for the frontier; one thread")
    ("max-depth", po::value<std::uint32_t>(), "do not expand states this many steps from the start")
    ("max-states", po::value<std::uint64_t>()->default_value(0), "stop after this many states (0: no limit)")
    ("max-drops", po::value<std::uint32_t>()->default_value(0), "messages a path may lose")
    ("max-dups", po::value<std::uint32_t>()->default_value(0), "messages a path may duplicate")
    ("max-crashes", po::value<std::uint32_t>()->default_value(0), "crashes a path may have (each crashed node may restart)")
    ("max-timers", po::value<std::uint32_t>()->default_value(0), "timer firings a path may have, all nodes and kinds together")
    ("timer-kinds", po::value<std::string>()->default_value("all"), "which timers may fire: all, or a comma list of retry, catchup, heartbeat, election")
    ("writes", po::value<std::string>()->default_value("auto"), "auto | immediate | explicit: whether a write's sync is a choice of its own (auto: explicit when crashes are allowed)")
    ("no-reduction", po::bool_switch(), "turn every reduction off (sleep sets and the state reductions)")
    ("no-state-reduction", po::bool_switch(), "keep sleep sets, turn the state reductions off (losses, no-op deliveries, obsolete messages, folded duplicates)")
    ("keep-going", po::bool_switch(), "go on past violations: find every invariant that can be violated")
    ("bug", po::value<std::string>(), "turn on a known-bug switch (see paxsim bugs)")
    ("set", po::value<std::vector<std::string>>()->composing(), "PATH=VALUE: override one scenario field (repeatable)")
    ("jobs,j", po::value<unsigned>()->default_value(1), "threads expanding each breadth-first level (results do not depend on it)")
    ("out", po::value<std::string>()->default_value("."), "folder for repro.json")
    ("json", po::bool_switch(), "print one JSON object instead of the human report")
    ("quiet,q", po::bool_switch(), "no progress line on stderr");
  // clang-format on
  po::positional_options_description pos;
  pos.add("file", 1);
  const po::variables_map vm = parse_options("explore", argc, argv, opts, pos);
  if (vm.count("help")) {
    std::cout << k_help << opts
              << "\nExample:\n  paxsim explore models/synod-3n-2p.json --max-drops 2 --max-dups 1 -j 2\n"
                 "  paxsim explore models/synod-3n-2p.json --bug round-only-ballots --out /tmp/x\n"
                 "  paxsim run /tmp/x/repro.json\n";
    return k_exit_ok;
  }
  const auto usage = [](const std::string& m) {
    std::cerr << "paxsim explore: " << m << " (see paxsim explore --help)\n";
    return k_exit_usage;
  };
  if (!vm.count("file")) return usage("missing FILE");
  if (vm["bfs"].as<bool>() && vm["dfs"].as<bool>()) return usage("--bfs and --dfs exclude each other");

  const std::string file = vm["file"].as<std::string>();
  nlohmann::json doc = load_json_file(file);
  if (vm.count("set"))
    for (const auto& a : vm["set"].as<std::vector<std::string>>()) apply_set(doc, a, file);
  if (vm.count("bug")) {
    const std::string name = vm["bug"].as<std::string>();
    if (!bug_by_name(name)) return usage(fmt::format("unknown bug switch \"{}\"; paxsim bugs lists them", name));
    doc["bug"] = name;
  }
  const sim::Scenario s = parse_scenario(doc, file);
  if (s.workload.type == sim::Workload::Type::propose && s.workload.proposals.empty())
    return usage("the workload has no proposals: nothing to explore");
  if (s.workload.type == sim::Workload::Type::kv && s.workload.requests.empty())
    return usage("the kv workload has no \"requests\": the explorer issues exact requests only");
  if (s.workload.proposals.size() + s.workload.requests.size() > 64)
    return usage("at most 64 proposals and requests together");

  explore::ModelOptions mo;
  mo.max.drops = vm["max-drops"].as<std::uint32_t>();
  mo.max.dups = vm["max-dups"].as<std::uint32_t>();
  mo.max.crashes = vm["max-crashes"].as<std::uint32_t>();
  mo.max.timers = vm["max-timers"].as<std::uint32_t>();
  mo.reduce_states = !vm["no-reduction"].as<bool>() && !vm["no-state-reduction"].as<bool>();
  if (const std::string kinds = vm["timer-kinds"].as<std::string>(); kinds != "all") {
    mo.timer_kinds = 0;
    std::stringstream list(kinds);
    for (std::string name; std::getline(list, name, ',');) {
      int found = -1;
      for (int k = 0; k < k_timer_kind_count; ++k)
        if (to_string(static_cast<TimerKind>(k)) == name) found = k;
      if (found < 0) return usage(fmt::format("--timer-kinds: unknown timer kind \"{}\" (retry, catchup, heartbeat, election)", name));
      mo.timer_kinds |= 1u << found;
    }
  }
  const std::string writes = vm["writes"].as<std::string>();
  if (writes == "auto") mo.writes = mo.max.crashes > 0 ? explore::Writes::explicit_sync : explore::Writes::immediate;
  else if (writes == "immediate") mo.writes = explore::Writes::immediate;
  else if (writes == "explicit") mo.writes = explore::Writes::explicit_sync;
  else return usage(fmt::format("--writes must be auto, immediate or explicit, got \"{}\"", writes));
  if (mo.writes == explore::Writes::immediate && mo.max.crashes > 0)
    std::cerr << "paxsim explore: note: --writes immediate with crashes: a crash never loses a write (a weaker fault model)\n";

  explore::SearchOptions so;
  so.dfs = vm["dfs"].as<bool>();
  if (vm.count("max-depth")) so.max_depth = vm["max-depth"].as<std::uint32_t>();
  so.max_states = vm["max-states"].as<std::uint64_t>();
  so.reduce = !vm["no-reduction"].as<bool>();
  so.keep_going = vm["keep-going"].as<bool>();
  so.jobs = parse_jobs("explore", vm);
  if (so.dfs && so.jobs > 1) std::cerr << "paxsim explore: note: --dfs runs on one thread\n";
  const bool json = vm["json"].as<bool>();
  const bool quiet = vm["quiet"].as<bool>();

  std::optional<explore::Model> built;
  try {
    built.emplace(s, mo);
  } catch (const explore::PrefixError& e) {
    throw InputError(file, fmt::format("/schedule/{}", e.index), e.what());
  }
  const explore::Model& model = *built;
  const std::string config = fmt::format(
      "{}: {}, {} nodes, {} {}{}; budgets: drops {}, dups {}, crashes {}, timers {}{}; writes {}; sleep sets {}; state reductions {}; {}{}",
      file, s.protocol == sim::Protocol::synod ? "synod" : "multi-paxos", s.nodes,
      s.workload.proposals.size() + s.workload.requests.size(),
      s.workload.type == sim::Workload::Type::kv ? "requests" : "proposals",
      s.bug ? fmt::format(", bug {}", bug_name(*s.bug)) : std::string(), mo.max.drops, mo.max.dups, mo.max.crashes,
      mo.max.timers, vm["timer-kinds"].as<std::string>() == "all" ? std::string() : " (" + vm["timer-kinds"].as<std::string>() + ")",
      mo.writes == explore::Writes::immediate ? "immediate" : "explicit", so.reduce ? "on" : "off",
      mo.reduce_states ? "on" : "off", so.dfs ? "dfs" : "bfs", so.dfs ? std::string() : fmt::format(" -j {}", so.jobs));
  if (!json) std::cout << "explore " << config << "\n" << std::flush;
  if (!json && !model.prefix().empty())
    std::cout << fmt::format("  from the state after the scenario's schedule ({} steps; budgets count them too)\n",
                             model.prefix().size());
  if (!json && mo.reduce_states && mo.max.drops > 0)
    std::cout << "  (losses are subsumed: a lost message is one never delivered, which every state already allows;\n"
                 "   see \"Reductions that keep verdicts\" in explore/world.hpp)\n";

  const auto t0 = std::chrono::steady_clock::now();
  auto last = t0;
  bool printed = false;
  const auto progress = [&](const explore::Progress& p) {
    if (quiet) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::seconds(1)) return;
    last = now;
    const double secs = std::chrono::duration<double>(now - t0).count();
    std::cerr << fmt::format("\r  depth {:>3}  states {:>12}  transitions {:>13}  frontier {:>10}  {:>9.0f} states/s  {:>6} MiB ",
                             p.depth, with_commas(p.states), with_commas(p.transitions), with_commas(p.frontier),
                             static_cast<double>(p.states) / secs, peak_memory_kib() / 1024)
              << std::flush;
    printed = true;
  };
  const explore::SearchResult r = explore::search(model, so, progress);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (printed) std::cerr << "\n";
  const std::uint64_t mem_kib = peak_memory_kib();
  const double rate = secs > 0 ? static_cast<double>(r.states) / secs : 0;

  // The repro of the first (shortest) violation, replayed through the simulator.
  std::string repro_path;
  bool replayed = true;
  std::uint64_t replay_step = 0;  // where paxsim run stops on the violation
  std::string replay_note;
  if (!r.found.empty()) {
    const explore::FoundViolation& f = r.found.front();
    std::vector<std::string> names;
    for (const auto& v : f.violations) names.push_back(v.invariant);
    const std::string description =
        fmt::format("paxsim explore counterexample: {} at depth {} ({}). Every step is pinned in \"schedule\".",
                    fmt::join(names, ", "), f.path.size(), f.violations.front().message);
    const nlohmann::json repro = repro_document(doc, model, f.path, names, description);
    std::error_code ec;
    std::filesystem::create_directories(vm["out"].as<std::string>(), ec);
    repro_path = (std::filesystem::path(vm["out"].as<std::string>()) / "repro.json").string();
    std::string error;
    if (!write_file_atomic(repro_path, repro.dump(2) + "\n", error)) {
      std::cerr << "paxsim explore: cannot write the repro: " << error << "\n";
      return k_exit_usage;
    }
    const sim::Scenario again = load_scenario(repro_path, {});
    RunOptions ro;
    ro.recent_steps = 0;
    const RunResult rr = run_scenario(again, ro);
    replayed = rr.pass;
    if (rr.pass) replay_step = rr.violations.front().step;
    replay_note = rr.pass ? fmt::format("replayed: paxsim run {} stops on {} at step {}", repro_path,
                                        rr.violations.front().invariant, rr.violations.front().step)
                          : fmt::format("NOT replayed: paxsim run {}: {}", repro_path, rr.verdict_reason);
  }

  if (json) {
    nlohmann::json out = {{"scenario", s.name},
                          {"file", file},
                          {"protocol", s.protocol == sim::Protocol::synod ? "synod" : "multi-paxos"},
                          {"nodes", s.nodes},
                          {"bug", s.bug ? nlohmann::json(std::string(bug_name(*s.bug))) : nlohmann::json(nullptr)},
                          {"budgets",
                           {{"drops", mo.max.drops}, {"dups", mo.max.dups}, {"crashes", mo.max.crashes}, {"timers", mo.max.timers}}},
                          {"writes", mo.writes == explore::Writes::immediate ? "immediate" : "explicit"},
                          {"search", so.dfs ? "dfs" : "bfs"},
                          {"prefix_steps", model.prefix().size()},
                          {"reduction", so.reduce},
                          {"state_reduction", mo.reduce_states},
                          {"jobs", so.jobs},
                          {"result", explore::to_string(r.end)},
                          {"exhausted", r.end == explore::SearchEnd::exhausted},
                          {"states", r.states},
                          {"transitions", r.transitions},
                          {"depth", r.depth},
                          {"states_by_depth", r.states_by_depth},
                          {"seconds", secs},
                          {"states_per_second", rate},
                          {"peak_memory_kib", mem_kib},
                          {"invariants_checked", model.invariants()},
                          {"invariants_violated", r.invariants_violated},
                          {"violating_states", r.violating_states}};
    nlohmann::json found = nlohmann::json::array();
    for (const auto& f : r.found) {
      nlohmann::json path = nlohmann::json::array();
      for (const auto& c : f.path) path.push_back(model.describe(c));
      nlohmann::json vs = nlohmann::json::array();
      for (const auto& v : f.violations) vs.push_back({{"invariant", v.invariant}, {"message", v.message}, {"evidence", v.evidence}});
      found.push_back({{"depth", f.path.size()}, {"level", f.level}, {"violations", vs}, {"path", path}});
    }
    out["violations"] = found;
    if (!repro_path.empty()) {
      out["repro"] = repro_path;
      out["replayed"] = replayed;
      if (replayed) out["replay_step"] = replay_step;
    }
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& f : r.found) {
      for (const auto& v : f.violations) {
        std::cout << fmt::format("\nVIOLATION  {} at depth {}{}\n  {}\n", v.invariant, f.path.size(),
                                 f.level != f.path.size() ? fmt::format(" (search level {})", f.level) : std::string(),
                                 v.message);
        for (const auto& e : v.evidence) std::cout << "  evidence: " << e << "\n";
      }
      std::cout << fmt::format("  path ({} steps):\n", f.path.size());
      for (std::size_t k = 0; k < f.path.size(); ++k) {
        if (k == model.prefix().size() && k > 0) std::cout << "        (the scenario's schedule ends here)\n";
        std::cout << fmt::format("  {:>4}  {}\n", k + 1, model.describe(f.path[k]));
      }
    }
    if (!repro_path.empty()) std::cout << fmt::format("\nrepro: {}\n{}\n", repro_path, replay_note);
    std::cout << fmt::format("\nresult: {}\n", explore::to_string(r.end));
    if (so.keep_going && !r.invariants_violated.empty())
      std::cout << fmt::format("  invariants violated  {} (in {} states)\n", fmt::join(r.invariants_violated, ", "),
                               with_commas(r.violating_states));
    std::cout << fmt::format("  states        {}\n  transitions   {}\n  depth         {}\n  time          {:.2f} s\n"
                             "  states/s      {}\n  peak memory   {} MiB (VmHWM)\n",
                             with_commas(r.states), with_commas(r.transitions), r.depth, secs,
                             with_commas(static_cast<std::uint64_t>(rate)), mem_kib / 1024);
  }
  if (!replayed) return k_exit_internal;
  return r.found.empty() ? k_exit_ok : k_exit_failed;
}

}  // namespace paxsim::cli
