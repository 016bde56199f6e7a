// paxsim fuzz: the scenario mutator (deterministic from (seed, k); every
// document valid; within Paxos's fault model, checked statically and by
// watching runs), failure signatures, saved repros that replay alone, and the
// campaign's state and resume.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "cli/fuzz.hpp"
#include "cli/mutate.hpp"
#include "cli/scenario_json.hpp"
#include "cli/trace.hpp"
#include "helpers.hpp"
#include "sim/observer.hpp"

using namespace paxsim;
using namespace paxsim::cli;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string source(const std::string& rel) { return std::string(PAXSIM_SOURCE_DIR) + "/" + rel; }

struct Base {
  std::string file;
  json doc;
  sim::Scenario parsed;
};

Base base(const std::string& rel) {
  Base b;
  b.file = source(rel);
  b.doc = load_json_file(b.file);
  b.parsed = parse_scenario(b.doc, b.file);
  return b;
}

std::vector<std::string> scenario_files(const std::string& folder) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(source(folder)))
    if (e.path().extension() == ".json") out.push_back(folder + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Watches a run and records the most nodes down (crashed or paused) at once.
class DownWatcher : public sim::Observer {
 public:
  explicit DownWatcher(std::uint32_t nodes) : crashed_(nodes), paused_(nodes) {}
  void on_step(const sim::StepInfo& info) override {
    if ((info.kind != sim::StepKind::fault && info.kind != sim::StepKind::nemesis) || !info.fault || info.did_nothing)
      return;
    if (info.node == k_no_node || info.node >= paused_.size()) return;
    if (info.fault->action == sim::FaultAction::pause && !crashed_[info.node]) paused_[info.node] = true;
    if (info.fault->action == sim::FaultAction::resume) paused_[info.node] = false;
  }
  void on_crash(Time_us, NodeId n) override {
    crashed_[n] = true;
    paused_[n] = false;
  }
  void on_restart(Time_us, NodeId n, bool wiped) override {
    crashed_[n] = false;
    wiped_ = wiped_ || wiped;
  }
  void after_step(const sim::StepInfo&) override {
    std::uint32_t down = 0;
    for (std::size_t i = 0; i < crashed_.size(); ++i) down += (crashed_[i] || paused_[i]) ? 1 : 0;
    peak_ = std::max(peak_, down);
  }
  std::uint32_t peak() const { return peak_; }
  bool wiped() const { return wiped_; }

 private:
  std::vector<bool> crashed_, paused_;
  std::uint32_t peak_ = 0;
  bool wiped_ = false;
};

}  // namespace

TEST_CASE("fuzz: run k's scenario depends on (seed, k) alone") {
  for (const char* rel : {"scenarios/synod/nemesis.json", "scenarios/kv/nemesis.json"}) {
    CAPTURE(rel);
    const Base b = base(rel);
    for (std::uint64_t k : {0u, 1u, 7u, 1000u}) {
      const json a = mutate_scenario(b.doc, b.parsed, 42, k, {});
      const json again = mutate_scenario(b.doc, b.parsed, 42, k, {});
      CHECK(a.dump() == again.dump());
      CHECK(scenario_text(a) == scenario_text(again));
      CHECK(a.dump() != mutate_scenario(b.doc, b.parsed, 42, k + 1, {}).dump());
      CHECK(a.dump() != mutate_scenario(b.doc, b.parsed, 43, k, {}).dump());
    }
  }
}

TEST_CASE("fuzz: the workload is kept; expect becomes pass; a pinned bug is in the file") {
  const Base b = base("scenarios/synod/dueling-proposers.json");
  MutateOptions opt;
  opt.bug = "round-only-ballots";
  for (std::uint64_t k = 0; k < 20; ++k) {
    const json d = mutate_scenario(b.doc, b.parsed, 11, k, opt);
    CHECK(d["workload"] == b.doc["workload"]);
    CHECK(d["expect"] == json{{"verdict", "pass"}});
    CHECK(d["bug"] == "round-only-ballots");
    CHECK(d["nodes"] == b.doc["nodes"]);
    const double drop = d["network"].value("drop", 0.0), dup = d["network"].value("duplicate", 0.0);
    CHECK(drop <= k_fuzz_drop_max);
    CHECK(dup <= k_fuzz_duplicate_max);
    REQUIRE(d.contains("liveness"));
    CHECK(d["liveness"]["within_ms"].get<double>() >= k_fuzz_liveness_within_ms_min);
  }
}

TEST_CASE("fuzz: every generated scenario validates and stays within the fault model") {
  // Every valid scenario in the repository as a base.
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(source("scenarios")))
    if (e.is_directory())
      for (const auto& f : scenario_files("scenarios/" + e.path().filename().string())) files.push_back(f);
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() > 10);
  std::uint64_t with_faults = 0, with_nemesis = 0, with_leader = 0, total = 0;
  for (const auto& rel : files) {
    CAPTURE(rel);
    Base b;
    try {
      b = base(rel);
    } catch (const InputError&) {
      continue;  // not a valid base (scenarios/bad, a feature not built yet)
    }
    for (std::uint64_t k = 0; k < 150; ++k) {
      CAPTURE(k);
      const json d = mutate_scenario(b.doc, b.parsed, 5, k, {});
      sim::Scenario s;
      REQUIRE_NOTHROW(s = parse_scenario(d, "generated"));
      const FaultModelReport m = check_fault_model(s);
      CAPTURE(m.problem);
      CHECK(m.problem.empty());
      CHECK(m.all_undone);
      CHECK_FALSE(m.wipes);
      CHECK(m.bound() <= (s.nodes - 1) / 2);
      CHECK(m.within(s.nodes));
      // The liveness bound starts after the last fault and the nemesis.
      REQUIRE(s.liveness);
      if (!s.faults.empty()) CHECK(s.liveness->after_us >= s.faults.back().at_us);
      if (s.nemesis) CHECK(s.liveness->after_us >= s.nemesis->until_us);
      if (s.protocol == sim::Protocol::multi_paxos) {
        CHECK(s.params.window >= 1);
        CHECK(s.params.window <= k_fuzz_window_max);
      }
      ++total;
      with_faults += s.faults.empty() ? 0 : 1;
      with_nemesis += s.nemesis ? 1 : 0;
      for (const auto& f : s.faults) with_leader += f.node.kind == sim::NodeSelector::Kind::leader ? 1 : 0;
    }
  }
  // Swarm testing: the fault kinds come and go, but all of them show up.
  CHECK(with_faults > total / 2);
  CHECK(with_nemesis > total / 4);
  CHECK(with_leader > 0);
}

TEST_CASE("fuzz: --allow-wipe is the only way to a wiped disk") {
  const Base b = base("scenarios/synod/nemesis.json");
  MutateOptions wipe;
  wipe.allow_wipe = true;
  bool any = false;
  for (std::uint64_t k = 0; k < 200 && !any; ++k) {
    const sim::Scenario s = parse_scenario(mutate_scenario(b.doc, b.parsed, 1, k, wipe), "generated");
    any = check_fault_model(s).wipes;
  }
  CHECK(any);
}

TEST_CASE("fuzz: in the runs themselves, never more than a minority is down at once") {
  for (const char* rel : {"scenarios/synod/nemesis.json", "scenarios/synod/leader-crash.json"}) {
    CAPTURE(rel);
    const Base b = base(rel);
    const std::uint32_t minority = (b.parsed.nodes - 1) / 2;
    std::uint32_t peak = 0;
    for (std::uint64_t k = 0; k < 150; ++k) {
      CAPTURE(k);
      const sim::Scenario s = parse_scenario(mutate_scenario(b.doc, b.parsed, 9, k, {}), "generated");
      DownWatcher w(s.nodes);
      RunOptions ro;
      ro.observers.push_back(&w);
      ro.recent_steps = 0;
      const RunResult r = run_scenario(s, ro);
      CHECK(w.peak() <= minority);
      CHECK_FALSE(w.wiped());
      CHECK(r.pass);  // no bug switched on: a clean run
      peak = std::max(peak, w.peak());
    }
    CHECK(peak == minority);  // and the fuzzer does reach the bound
  }
}

TEST_CASE("fuzz: kv runs stay within the fault model too") {
  const Base b = base("scenarios/kv/nemesis.json");
  for (std::uint64_t k = 0; k < 6; ++k) {
    CAPTURE(k);
    const sim::Scenario s = parse_scenario(mutate_scenario(b.doc, b.parsed, 3, k, {}), "generated");
    DownWatcher w(s.nodes);
    RunOptions ro;
    ro.observers.push_back(&w);
    ro.recent_steps = 0;
    const RunResult r = run_scenario(s, ro);
    CHECK(w.peak() <= 2);
    CHECK(r.pass);
  }
}

TEST_CASE("check_fault_model: a majority down, an overlap with a leader crash, a fault not undone") {
  auto model = [](const char* faults) {
    const std::string text = std::string(R"({"schema_version": 1, "name": "x", "protocol": "synod", "nodes": 5,
      "workload": {"type": "propose", "proposals": []}, "faults": )") + faults + "}";
    return check_fault_model(test::scenario_from_json(text.c_str()));
  };
  const auto two = model(R"([{"at_ms": 1, "action": "crash", "node": "n1"}, {"at_ms": 2, "action": "pause", "node": "n2"},
                             {"at_ms": 3, "action": "restart", "node": "n1"}, {"at_ms": 4, "action": "resume", "node": "n2"}])");
  CHECK(two.peak_down == 2);
  CHECK(two.within(5));
  const auto three = model(R"([{"at_ms": 1, "action": "crash", "node": "n1"}, {"at_ms": 2, "action": "crash", "node": "n2"},
                               {"at_ms": 2, "action": "pause", "node": "n3"}, {"at_ms": 3, "action": "restart", "node": "n1"},
                               {"at_ms": 3, "action": "restart", "node": "n2"}, {"at_ms": 4, "action": "resume", "node": "n3"}])");
  CHECK(three.peak_down == 3);
  CHECK_FALSE(three.within(5));
  const auto ambiguous = model(R"([{"at_ms": 1, "action": "crash", "node": "n1"}, {"at_ms": 2, "action": "crash", "node": "leader"},
                                   {"at_ms": 3, "action": "restart", "node": "random"}, {"at_ms": 4, "action": "restart", "node": "n1"}])");
  CHECK_FALSE(ambiguous.problem.empty());
  const auto left = model(R"([{"at_ms": 1, "action": "partition", "groups": [["n1"], ["n2", "n3"]]}])");
  CHECK_FALSE(left.all_undone);
  const auto wiped = model(R"([{"at_ms": 1, "action": "crash", "node": "n1"}, {"at_ms": 2, "action": "restart", "node": "n1", "disk": "wiped"}])");
  CHECK(wiped.wipes);
  CHECK_FALSE(wiped.within(5));
}

// ------------------------------------------------------------------ signatures

TEST_CASE("signature: values, numbers, names and lists are normalised away") {
  CHECK(normalise_message(R"(slot 0: two different values chosen, "C" and "A")") ==
        R"(slot #: two different values chosen, "_" and "_")");
  CHECK(normalise_message(R"(slot 12: two different values chosen, "x\"y" and "B")") ==
        R"(slot #: two different values chosen, "_" and "_")");
  CHECK(normalise_message("n5 acted on promises for ballot (1,n5) in slot 0 from [n5,n3]: 2 acceptors are not a majority") ==
        "n# acted on promises for ballot (#,n#) in slot # from [..]: # acceptors are not a majority");
  CHECK(normalise_message("a request by c2 (issued at 1234.500 ms) was not answered by 5234.500 ms") ==
        "a request by c# (issued at # ms) was not answered by # ms");
  CHECK(normalise_message(R"(key "k1": no linearization of these 3 operations: c1 put k1 "v" [1us, 2us]; c2 get k1 -> "w")") ==
        R"(key "_": no linearization)");
  CHECK(normalise_message(R"(key "k1": no linearization of this operation: c5 get k1 -> "" [623913us, 927195us])") ==
        R"(key "_": no linearization)");
  CHECK(normalise_message("slot 0: n5 durably accepted c4#3:get(k2) at ballot (2,n5) after c5#1:put(k2, c0005-0000001) was chosen") ==
        R"(slot #: n# durably accepted "_" at ballot (#,n#) after "_" was chosen)");
  CHECK(normalise_message("slot 9: two different values chosen, no-op and c3#4:get(k3)") ==
        R"(slot #: two different values chosen, no-op and "_")");
  CHECK(normalise_message("evidence {n1,n2,n3}  and   more ") == "evidence {..} and more");
}

TEST_CASE("signature: one key per kind of failure, the same key for the same kind") {
  RunResult a;
  a.pass = false;
  a.outcome = Outcome::violation;
  a.violations.push_back({"agreement", 52, 13044, R"(slot 0: two different values chosen, "C" and "A")", {}});
  RunResult b = a;
  b.violations[0] = {"agreement", 99, 20000, R"(slot 0: two different values chosen, "B" and "E")", {"other"}};
  const auto ka = failure_key(a), kb = failure_key(b);
  REQUIRE(ka);
  REQUIRE(kb);
  CHECK(ka->invariant == "agreement");
  CHECK(ka->signature == R"(agreement: slot #: two different values chosen, "_" and "_")");
  CHECK(ka->id == kb->id);
  CHECK(ka->id.size() == 8);
  CHECK(ka->id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(ka->folder() == "agreement-" + ka->id);

  RunResult c = a;  // the first violation by step names the failure
  c.violations = {{"stability", 60, 1, "later", {}}, {"quorums", 10, 1, "n1 acted on x", {}}};
  CHECK(failure_key(c)->invariant == "quorums");

  RunResult live;
  live.pass = false;
  live.outcome = Outcome::liveness;
  live.liveness_message = "n3 is live but had not learned slot 0 by 9000.000 ms";
  CHECK(failure_key(live)->folder().starts_with("liveness-"));
  CHECK(failure_key(live)->id != ka->id);
  RunResult limit;
  limit.pass = false;
  limit.outcome = Outcome::limit;
  CHECK(failure_key(limit)->signature == "limit: ");
  RunResult ok;
  ok.pass = true;
  CHECK_FALSE(failure_key(ok));
}

// ------------------------------------------------------------------ repros and campaigns

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("paxsim-fuzz-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

}  // namespace

TEST_CASE("fuzz: a saved repro replays alone, to the same fingerprint") {
  const Base b = base("scenarios/synod/dueling-proposers.json");
  MutateOptions opt;
  opt.bug = "round-only-ballots";
  TempDir dir;
  int found = 0;
  for (std::uint64_t k = 0; k < 60 && found < 3; ++k) {
    const json d = mutate_scenario(b.doc, b.parsed, 11, k, opt);
    const RunResult r = run_scenario(parse_scenario(d, "generated"));
    if (r.pass) continue;
    ++found;
    const std::string file = (dir.path / ("repro-" + std::to_string(k) + ".json")).string();
    std::string error;
    REQUIRE(write_file_atomic(file, scenario_text(d), error));
    const RunResult again = run_scenario(load_scenario(file, {}));  // as `paxsim run FILE` does
    CHECK(fingerprint_hex(again.fingerprint) == fingerprint_hex(r.fingerprint));
    CHECK(failure_key(again)->folder() == failure_key(r)->folder());
    CHECK(again.bug == std::optional<std::string>("round-only-ballots"));
  }
  CHECK(found == 3);
}

TEST_CASE("fuzz: a campaign saves each distinct failure once, keeps its state, and resumes") {
  TempDir dir;
  CampaignOptions o;
  o.file = source("scenarios/synod/dueling-proposers.json");
  o.base = load_json_file(o.file);
  o.seed = 11;
  o.mutate.bug = "round-only-ballots";
  o.runs = 30;
  o.jobs = 2;
  o.out_dir = (dir.path / "out").string();
  o.shrink_seconds = 0;
  o.quiet = true;
  std::atomic<bool> stop{false};
  const CampaignResult r = run_campaign(o, stop);
  CHECK(r.runs_this_session == 30);
  CHECK(r.state.next_k == 30);
  CHECK(r.state.runs == 30);
  CHECK(r.state.failures > 0);
  REQUIRE(!r.state.distinct.empty());
  std::uint64_t by_distinct = 0;
  for (const auto& d : r.state.distinct) {
    CHECK(fs::exists(fs::path(d.dir) / "repro.json"));
    CHECK(fs::exists(fs::path(d.dir) / "report.txt"));
    CHECK(fs::path(d.dir).filename() == d.key.folder());
    by_distinct += d.runs;
  }
  CHECK(by_distinct == r.state.failures);

  const json state = load_json_file(o.out_dir + "/campaign.json");
  CHECK(state["format"] == "paxsim-fuzz-campaign");
  CHECK(state["campaign_seed"] == 11);
  CHECK(state["bug"] == "round-only-ballots");
  CHECK(state["next_k"] == 30);
  CHECK(state["distinct"].size() == r.state.distinct.size());

  // A second campaign into the same folder must say --resume.
  CHECK_THROWS_AS(run_campaign(o, stop), InputError);

  CampaignOptions again;
  again.out_dir = o.out_dir;
  again.resume = true;
  again.runs = 20;
  again.jobs = 1;
  again.shrink_seconds = 0;
  again.quiet = true;
  const CampaignResult r2 = run_campaign(again, stop);
  CHECK(r2.runs_this_session == 20);
  CHECK(r2.state.next_k == 50);
  CHECK(r2.state.runs == 50);
  CHECK(r2.state.failures >= r.state.failures);
  CHECK(r2.state.distinct.size() >= r.state.distinct.size());

  // The same 50 runs in one go, with -j 1: the same failures, counted the same.
  CampaignOptions whole = o;
  whole.out_dir = (dir.path / "whole").string();
  whole.runs = 50;
  whole.jobs = 1;
  const CampaignResult r3 = run_campaign(whole, stop);
  CHECK(r3.state.failures == r2.state.failures);
  std::set<std::string> a, b2;
  for (const auto& d : r2.state.distinct) a.insert(d.key.folder());
  for (const auto& d : r3.state.distinct) b2.insert(d.key.folder());
  CHECK(a == b2);
}

namespace {

// Records the groups of every partition as the run resolved them.
class PartitionWatcher : public sim::Observer {
 public:
  void on_step(const sim::StepInfo& info) override {
    if (info.kind == sim::StepKind::fault && info.fault && info.fault->action == sim::FaultAction::partition)
      groups.push_back(info.fault->groups);
  }
  std::vector<std::vector<std::vector<EndpointId>>> groups;
};

}  // namespace

TEST_CASE("fuzz: lease runs vary the lease and the drift bound, and some cut off the leader with the clocks at their worst") {
  const Base b = base("scenarios/leases/nemesis.json");
  std::set<double> leases, drifts;
  std::uint64_t attacks = 0, splits = 0, readers = 0;
  for (std::uint64_t k = 0; k < 300; ++k) {
    CAPTURE(k);
    const json d = mutate_scenario(b.doc, b.parsed, 2, k, {});
    const sim::Scenario s = parse_scenario(d, "generated");
    CHECK(check_fault_model(s).within(s.nodes));  // every clock within the run's own drift bound
    CHECK(s.params.leader_lease_ms >= k_fuzz_lease_ms_min);
    CHECK(s.params.leader_lease_ms <= k_fuzz_lease_ms_max);
    CHECK(s.params.max_drift_ppm <= k_fuzz_drift_ppm_max);
    leases.insert(s.params.leader_lease_ms);
    drifts.insert(s.params.max_drift_ppm);
    readers += s.workload.readers > 0 ? 1 : 0;
    CHECK(s.workload.readers < s.workload.clients);
    for (const auto& f : s.faults) {
      if (f.action == sim::FaultAction::partition && f.leader_group) ++attacks;
      if (f.action == sim::FaultAction::clock && f.node.kind == sim::NodeSelector::Kind::leader) {
        ++splits;
        CHECK(*f.drift_ppm == -s.params.max_drift_ppm);  // the leader's clock at the slow bound
      }
    }
  }
  CHECK(leases.size() > 50);
  CHECK(drifts.count(k_fuzz_drift_ppm_max) == 1);
  CHECK(drifts.size() > 20);
  CHECK(attacks > 20);
  CHECK(splits > 20);
  CHECK(readers > 30);
}

TEST_CASE("fuzz: scenarios without leases draw nothing from the lease streams") {
  // The lease and reader draws come from streams of their own: a synod base
  // gets neither, and its documents carry no lease, drift bound or readers.
  const Base b = base("scenarios/synod/nemesis.json");
  for (std::uint64_t k = 0; k < 50; ++k) {
    const json d = mutate_scenario(b.doc, b.parsed, 4, k, {});
    if (d.contains("params")) {
      CHECK_FALSE(d["params"].contains("leader_lease_ms"));
      CHECK_FALSE(d["params"].contains("max_drift_ppm"));
    }
    CHECK_FALSE(d["workload"].contains("readers"));
  }
}

TEST_CASE("scenario: \"leader\" in a partition group moves the node that leads into that group") {
  const sim::Scenario s = test::scenario_from_json(R"({
    "schema_version": 1, "name": "leader-alone", "protocol": "multi-paxos", "nodes": 3, "seed": 3,
    "workload": {"type": "kv", "clients": 2, "ops_per_client": 20},
    "faults": [{"at_ms": 600, "action": "partition", "groups": [["leader", "c1"], ["n1", "n2", "n3", "c2"]]},
               {"at_ms": 900, "action": "heal"}],
    "expect": {"verdict": "pass"}})");
  REQUIRE(s.faults[0].leader_group == std::size_t{0});
  CHECK(s.faults[0].groups[0] == std::vector<EndpointId>{3});  // c1; the leader is found at run time
  PartitionWatcher w;
  RunOptions ro;
  ro.observers.push_back(&w);
  ro.recent_steps = 0;
  const RunResult r = run_scenario(s, ro);
  CHECK(r.pass);
  REQUIRE(w.groups.size() == 1);
  const auto& g = w.groups[0];
  REQUIRE(g[0].size() == 2);  // c1 and the leader
  const EndpointId leader = g[0][1];
  CHECK(leader < 3);
  CHECK(g[1].size() == 3);  // the two other nodes and c2
  CHECK(std::find(g[1].begin(), g[1].end(), leader) == g[1].end());
}

TEST_CASE("scenario: kv readers only read") {
  const sim::Scenario s = test::scenario_from_json(R"({
    "schema_version": 1, "name": "readers", "protocol": "multi-paxos", "nodes": 3, "seed": 5,
    "workload": {"type": "kv", "clients": 3, "readers": 2, "ops_per_client": 30, "mix": {"put": 0.9, "get": 0.1}},
    "expect": {"verdict": "pass"}})");
  CHECK(s.workload.readers == 2);
  checkers::History h;
  RunOptions ro;
  ro.recent_steps = 0;
  ro.history_out = &h;
  const RunResult r = run_scenario(s, ro);
  CHECK(r.pass);
  std::uint64_t writes_by_readers = 0, reads_by_readers = 0, writes_by_c1 = 0;
  for (const auto& op : h.ops) {
    const bool write = op.op != checkers::KvOp::get;
    if (op.client == 0) writes_by_c1 += write ? 1 : 0;
    else (write ? writes_by_readers : reads_by_readers) += 1;
  }
  CHECK(writes_by_readers == 0);
  CHECK(reads_by_readers == 60);
  CHECK(writes_by_c1 > 15);
}

TEST_CASE("fuzz: the quiet period runs on a network that neither loses nor duplicates") {
  std::uint64_t lossy = 0, total = 0;
  for (const char* rel : {"scenarios/kv/nemesis.json", "scenarios/synod/nemesis.json", "bench/fuzz-kv-1000.json"}) {
    CAPTURE(rel);
    const Base b = base(rel);
    for (std::uint64_t k = 0; k < 200; ++k) {
      CAPTURE(k);
      const sim::Scenario s = parse_scenario(mutate_scenario(b.doc, b.parsed, 9, k, {}), "generated");
      REQUIRE(s.liveness);
      // The link in force when the quiet period starts: the run's, patched by
      // every network action up to then, in order.
      sim::LinkModel link = s.network;
      for (const sim::Fault& f : s.faults) {
        if (f.at_us > s.liveness->after_us || f.action != sim::FaultAction::network) continue;
        if (f.network.drop) link.drop = *f.network.drop;
        if (f.network.duplicate) link.duplicate = *f.network.duplicate;
      }
      CHECK(link.drop == 0);
      CHECK(link.duplicate == 0);
      ++total;
      lossy += (s.network.drop > 0 || s.network.duplicate > 0) ? 1 : 0;
    }
  }
  // Most runs lose or duplicate messages while the faults run.
  CHECK(lossy > total / 2);
}
