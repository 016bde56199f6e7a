// The scenario parser at the edge: a valid file becomes the right Scenario;
// every bad input is an InputError naming the exact file and JSON pointer.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "cli/scenario_json.hpp"

using nlohmann::json;
using paxsim::cli::apply_set;
using paxsim::cli::InputError;
using paxsim::cli::load_json_file;
using paxsim::cli::load_scenario;
using paxsim::cli::parse_scenario;
namespace sim = paxsim::sim;

namespace {

const std::string k_file = "scenarios/x.json";

std::string bad_file(const std::string& name) { return std::string(PAXSIM_SOURCE_DIR) + "/tests/bad/" + name; }

// The InputError `f` throws; nullopt when it throws none. Any other exception
// escapes and fails the test: the parser must wrap everything.
template <typename F>
std::optional<InputError> error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  return std::nullopt;
}

// A small valid synod scenario that the table tests below break one field at a time.
json base_doc() {
  return json::parse(R"({
    "schema_version": 1, "name": "base", "protocol": "synod", "nodes": 5,
    "workload": {"type": "propose", "proposals": [{"at_ms": 0, "node": "n1", "value": "A"}]},
    "faults": [{"at_ms": 10, "action": "crash", "node": "n2"},
               {"at_ms": 20, "action": "restart", "node": "n2"}],
    "limits": {"max_time_ms": 10000}
  })");
}

std::optional<InputError> error_after_sets(const std::vector<std::string>& sets) {
  return error_of([&] {
    json doc = base_doc();
    for (const auto& s : sets) apply_set(doc, s, k_file);
    (void)parse_scenario(doc, k_file);
  });
}

const char* const k_example = R"({
  "schema_version": 1,
  "name": "partition-then-heal",
  "description": "Two nodes are cut off; the majority goes on; all agree after heal.",
  "tags": ["synod", "partition"],
  "seed": 18446744073709551615,
  "bug": "minority-quorum",
  "protocol": "synod",
  "nodes": 5,
  "params": { "learning": "all-to-all", "retry_ms": {"exponential": {"mean": 30, "max": 200}},
              "retry_ms_max": 800, "max_drift_ppm": 50, "window": 4 },
  "network": { "delay_ms": {"uniform": [1, 10]}, "drop": 0.05, "duplicate": 0.01 },
  "storage": { "fsync_ms": 0.25 },
  "workload": { "type": "propose", "proposals": [
    {"at_ms": 0, "node": "n1", "value": "A"},
    {"at_ms": 0.0004, "node": "n5", "value": "B"} ] },
  "faults": [
    { "at_ms": 1400, "action": "restart", "node": "n4", "disk": "wiped" },
    { "at_ms": 500,  "action": "partition", "groups": [["n1", "n2"], ["n3", "n4", "n5"]] },
    { "at_ms": 900,  "action": "crash", "node": "leader" },
    { "at_ms": 500,  "action": "cut", "from": "*", "to": ["n1"] },
    { "at_ms": 2000, "action": "heal" },
    { "at_ms": 1500.5, "action": "network", "drop": 0 }
  ],
  "nemesis": { "from_ms": 100, "until_ms": 1800, "interval_ms": {"uniform": [50, 300]},
               "actions": ["crash", "pause"] },
  "invariants": ["agreement", "quorums"],
  "liveness": { "after_ms": 2000, "within_ms": 3000 },
  "limits": { "max_time_ms": 20000, "max_steps": 5000000 },
  "expect": { "verdict": "violation", "invariant": ["quorums", "agreement"], "chosen": {"min": 1, "max": 1} }
})";

}  // namespace

TEST_CASE("scenario: a full example parses into the right values") {
  const sim::Scenario s = parse_scenario(json::parse(k_example), k_file);

  CHECK(s.name == "partition-then-heal");
  CHECK(s.tags == std::vector<std::string>{"synod", "partition"});
  CHECK(s.seed == 18446744073709551615ull);
  REQUIRE(s.bug.has_value());
  CHECK(*s.bug == paxsim::Bug::minority_quorum);
  CHECK(s.protocol == sim::Protocol::synod);
  CHECK(s.nodes == 5);
  CHECK(s.clients() == 0);

  CHECK(s.params.learning == paxsim::LearningMode::all_to_all);
  CHECK(s.params.retry_ms.kind == sim::Distribution::Kind::exponential);
  CHECK(s.params.retry_ms.a == 30);
  CHECK(s.params.retry_ms.b == 200);
  CHECK(s.params.retry_ms_max == 800);
  CHECK(s.params.max_drift_ppm == 50);
  CHECK(s.params.window == 4);
  CHECK(s.params.election_timeout_ms.kind == sim::Distribution::Kind::uniform);  // default kept

  CHECK(s.network.delay_ms.kind == sim::Distribution::Kind::uniform);
  CHECK(s.network.delay_ms.a == 1);
  CHECK(s.network.delay_ms.b == 10);
  CHECK(s.network.drop == 0.05);
  CHECK(s.network.duplicate == 0.01);
  CHECK(s.fsync_ms.kind == sim::Distribution::Kind::constant);
  CHECK(s.fsync_ms.a == 0.25);

  REQUIRE(s.workload.proposals.size() == 2);
  CHECK(s.workload.type == sim::Workload::Type::propose);
  CHECK(s.workload.proposals[1].at_us == 0);  // 0.4 µs rounds to 0
  CHECK(s.workload.proposals[1].node == 4);
  CHECK(s.workload.proposals[1].value == "B");

  // Sorted by time; at one instant, file order.
  REQUIRE(s.faults.size() == 6);
  const std::vector<sim::FaultAction> actions = {sim::FaultAction::partition, sim::FaultAction::cut,
                                                 sim::FaultAction::crash,     sim::FaultAction::restart,
                                                 sim::FaultAction::network,   sim::FaultAction::heal};
  const std::vector<std::size_t> orders = {1, 3, 2, 0, 5, 4};
  const std::vector<paxsim::Time_us> times = {500'000, 500'000, 900'000, 1'400'000, 1'500'500, 2'000'000};
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    CAPTURE(i);
    CHECK(s.faults[i].action == actions[i]);
    CHECK(s.faults[i].order == orders[i]);
    CHECK(s.faults[i].at_us == times[i]);
  }
  CHECK(s.faults[0].groups == std::vector<std::vector<paxsim::EndpointId>>{{0, 1}, {2, 3, 4}});
  CHECK(s.faults[1].from == std::vector<paxsim::EndpointId>{0, 1, 2, 3, 4});  // "*"
  CHECK(s.faults[1].to == std::vector<paxsim::EndpointId>{0});
  CHECK(s.faults[2].node.kind == sim::NodeSelector::Kind::leader);
  CHECK(s.faults[3].node.kind == sim::NodeSelector::Kind::index);
  CHECK(s.faults[3].node.index == 3);
  CHECK(s.faults[3].wipe_disk);
  CHECK(s.faults[4].network.drop == 0.0);
  CHECK_FALSE(s.faults[4].network.delay_ms.has_value());

  REQUIRE(s.nemesis.has_value());
  CHECK(s.nemesis->from_us == 100'000);
  CHECK(s.nemesis->until_us == 1'800'000);
  CHECK(s.nemesis->duration_ms.kind == sim::Distribution::Kind::uniform);  // the interval's
  CHECK(s.nemesis->duration_ms.b == 300);
  CHECK(s.nemesis->actions == std::vector<sim::FaultAction>{sim::FaultAction::crash, sim::FaultAction::pause});
  CHECK(s.nemesis->max_down == 2);  // floor((5-1)/2)

  CHECK(s.invariants == std::vector<std::string>{"agreement", "quorums"});
  REQUIRE(s.liveness.has_value());
  CHECK(s.liveness->after_us == 2'000'000);
  CHECK(s.liveness->within_us == 3'000'000);
  CHECK(s.max_time_us == 20'000'000);
  CHECK(s.max_steps == 5'000'000);
  CHECK(s.expect.violation);
  CHECK(s.expect.invariants == std::vector<std::string>{"quorums", "agreement"});
  REQUIRE(s.expect.chosen.has_value());
  CHECK(s.expect.chosen->contains(1));
  CHECK_FALSE(s.expect.completed.has_value());
}

TEST_CASE("scenario: defaults fill what the file leaves out") {
  const sim::Scenario s = parse_scenario(base_doc(), k_file);
  CHECK(s.seed == 1);
  CHECK_FALSE(s.bug.has_value());
  CHECK(s.network.delay_ms.kind == sim::Distribution::Kind::uniform);
  CHECK(s.network.drop == 0);
  CHECK(s.fsync_ms.a == 0.1);
  CHECK(s.fsync_ms.b == 1);
  CHECK(s.params.learning == paxsim::LearningMode::decide);
  CHECK(s.params.window == 8);
  CHECK(s.invariants.empty());
  CHECK_FALSE(s.liveness.has_value());
  CHECK_FALSE(s.nemesis.has_value());
  CHECK_FALSE(s.expect.violation);
  CHECK(s.max_steps == 10'000'000);
  CHECK(s.max_time_us == 10'000'000);

  json doc = base_doc();
  apply_set(doc, R"(nemesis={"until_ms": 50})", k_file);
  const sim::Scenario n = parse_scenario(doc, k_file);
  REQUIRE(n.nemesis.has_value());
  CHECK(n.nemesis->from_us == 0);
  CHECK(n.nemesis->actions.size() == 4);
  CHECK(n.nemesis->max_down == 2);
}

TEST_CASE("scenario: bad files name the file and the exact pointer") {
  struct Case {
    std::string file;
    std::string path;
    std::string message;  // a substring of the message
  };
  const Case cases[] = {
      {"syntax-error.json", "", "line 5, column 9: syntax error"},
      {"duplicate-key.json", "/faults/0/at_ms", R"(duplicate key "at_ms")"},
      {"unknown-key-deep.json", "/workload/proposals/1/vlaue",
       R"(unknown key "vlaue" (expected one of: at_ms, node, value))"},
      {"no-such-node.json", "/faults/3/node", R"(no node "n9" (nodes are n1..n5))"},
      {"negative-time.json", "/workload/proposals/0/at_ms", "a time must not be negative, got -5"},
      {"probability-above-one.json", "/network/duplicate", "a probability must be between 0 and 1, got 1.01"},
      {"mix-not-one.json", "/workload/mix", "sum to 0.9, not 1"},
      {"liveness-past-max-time.json", "/liveness", "= 5000 ms is past limits.max_time_ms = 4000 ms"},
      {"bad-distribution.json", "/params/retry_ms/uniform", "low 60 is above high 20"},
      {"missing-required.json", "", R"(missing required key "protocol")"},
      {"wrong-type.json", "/nodes", R"(expected an integer, got "5")"},
      {"not-an-object.json", "", "expected an object, got an array"},
      {"lock-workload.json", "/workload/fencing", R"(expected true or false, got "yes")"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const std::string file = bad_file(c.file);
    const auto e = error_of([&] { (void)load_scenario(file, {}); });
    REQUIRE(e.has_value());
    CHECK(e->file == file);
    CHECK(e->path == c.path);
    CHECK_MESSAGE(e->message.find(c.message) != std::string::npos, e->message);
  }
}

TEST_CASE("scenario: what() is FILE: PATH: MESSAGE") {
  const auto e = error_of([] { (void)load_scenario(bad_file("no-such-node.json"), {}); });
  REQUIRE(e.has_value());
  CHECK(std::string(e->what()) ==
        bad_file("no-such-node.json") + R"(: /faults/3/node: no node "n9" (nodes are n1..n5))");

  const InputError whole("f.json", "", "broken");
  CHECK(std::string(whole.what()) == "f.json: broken");
}

TEST_CASE("scenario: an unreadable file is an InputError") {
  const std::string file = bad_file("does-not-exist.json");
  const auto e = error_of([&] { (void)load_json_file(file); });
  REQUIRE(e.has_value());
  CHECK(e->file == file);
  CHECK(e->path == "");
  CHECK(e->message.find("cannot read") != std::string::npos);

  const auto dir = error_of([] { (void)load_json_file(std::string(PAXSIM_SOURCE_DIR) + "/tests/bad"); });
  REQUIRE(dir.has_value());
  CHECK(dir->message.find("directory") != std::string::npos);
}

TEST_CASE("scenario: each broken field is reported at its pointer") {
  struct Case {
    std::vector<std::string> sets;
    std::string path;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{R"(faults.1.node="n9")"}, "/faults/1/node", R"(no node "n9" (nodes are n1..n5))"},
      {{R"(faults.1.node="n05")"}, "/faults/1/node", R"(no node "n05")"},
      {{"faults.0.at_ms=-1"}, "/faults/0/at_ms", "must not be negative"},
      {{R"(faults.0.nodde="n1")"}, "/faults/0/nodde", R"(unknown key "nodde")"},
      {{"workload.proposals.0.extra=1"}, "/workload/proposals/0/extra", R"(unknown key "extra")"},
      {{R"(workload.proposals.0.value="\u0001noop")"}, "/workload/proposals/0/value", "reserved"},
      {{"workload.proposals.0.value=7"}, "/workload/proposals/0/value", "expected a string, got 7"},
      {{"network.drop=1.5"}, "/network/drop", "between 0 and 1"},
      {{"network.drop=-0.1"}, "/network/drop", "between 0 and 1"},
      {{R"(network.delay_ms={"uniform":[10,1]})"}, "/network/delay_ms/uniform", "low 10 is above high 1"},
      {{R"(network.delay_ms={"uniform":[1]})"}, "/network/delay_ms/uniform", "expected [low, high]"},
      {{R"(network.delay_ms={"normal":3})"}, "/network/delay_ms/normal", R"(unknown key "normal")"},
      {{R"(network.delay_ms={"uniform":[1,2],"exponential":{"mean":1}})"},
       "/network/delay_ms",
       "expected a distribution"},
      {{R"(network.delay_ms={"exponential":{"mean":0}})"}, "/network/delay_ms/exponential/mean", "greater than 0"},
      {{R"(network.delay_ms={"exponential":{"mean":5,"max":1}})"},
       "/network/delay_ms/exponential/max",
       "below the mean"},
      {{R"(network.delay_ms="fast")"}, "/network/delay_ms", "expected a distribution"},
      {{R"(liveness={"after_ms":9000,"within_ms":2000})"}, "/liveness", "past limits.max_time_ms = 10000 ms"},
      {{R"(liveness={"after_ms":15,"within_ms":2000})"},
       "/liveness/after_ms",
       "before the last timed fault, at 20 ms (/faults/1)"},
      {{R"(nemesis={"until_ms":500})", R"(liveness={"after_ms":100,"within_ms":2000})"},
       "/liveness/after_ms",
       "before the nemesis ends"},
      {{R"(nemesis={"from_ms":50,"until_ms":10})"}, "/nemesis/until_ms", "before from_ms"},
      {{R"(nemesis={"until_ms":10,"actions":["heal"]})"}, "/nemesis/actions/0", R"(unknown action "heal")"},
      {{R"(nemesis={"until_ms":10,"actions":["crash","crash"]})"}, "/nemesis/actions/1", "listed twice"},
      {{R"(nemesis={"until_ms":10,"max_down":5})"}, "/nemesis/max_down", "less than the number of nodes (5)"},
      {{R"(nemesis={"until_ms":10,"interval_ms":0})"}, "/nemesis/interval_ms", "must not be always 0"},
      {{"nodes=\"5\""}, "/nodes", R"(expected an integer, got "5")"},
      {{"nodes=0"}, "/nodes", "between 1 and 1000, got 0"},
      {{"nodes=1001"}, "/nodes", "between 1 and 1000, got 1001"},
      {{"nodes=2.5"}, "/nodes", "expected an integer"},
      {{"schema_version=2"}, "/schema_version", "unsupported schema_version 2"},
      {{R"(name="Bad Name")"}, "/name", "not a valid name"},
      {{"seed=-1"}, "/seed", "must not be negative"},
      {{"seed=1.5"}, "/seed", "expected an integer"},
      {{R"(bug="nope")"}, "/bug", R"(unknown bug switch "nope" (see `paxsim bugs`))"},
      {{R"(protocol="raft")"}, "/protocol", R"(unknown protocol "raft")"},
      {{R"(protocol="multi-paxos")"}, "/workload/type", "not supported yet"},
      {{"shards=2"}, "/shards", "multi-paxos only"},
      {{R"(params.learning="gossip")"}, "/params/learning", R"(unknown learning mode "gossip")"},
      {{"params.retry_ms=0"}, "/params/retry_ms", "must not be always 0"},
      {{"params.retry_ms_max=0"}, "/params/retry_ms_max", "greater than 0"},
      {{"params.window=0"}, "/params/window", "between 1 and"},
      {{"params.speed=1"}, "/params/speed", R"(unknown key "speed")"},
      {{"params.max_drift_ppm=-1"}, "/params/max_drift_ppm", "between 0 and"},
      {{R"(invariants=["log"])"}, "/invariants/0", R"(invariant "log" does not apply to protocol "synod")"},
      {{R"(invariants=["agreement","agreement"])"}, "/invariants/1", "listed twice"},
      {{"invariants=[]"}, "/invariants", "must not be empty"},
      {{R"(expect={"verdict":"violation"})"}, "/expect", R"(missing required key "invariant")"},
      {{R"(expect={"verdict":"pass","invariant":"agreement"})"}, "/expect/invariant", "only with"},
      {{R"(expect={"verdict":"violation","invariant":"lock"})"}, "/expect/invariant", "does not apply"},
      {{R"(expect={"verdict":"violation","invariant":"agreement"})", R"(invariants=["validity"])"},
       "/expect/invariant",
       "which /invariants does not check"},
      {{R"(expect.chosen={"min":2,"max":1})"}, "/expect/chosen", "min 2 is above max 1"},
      {{R"(expect.completed={"min":-1})"}, "/expect/completed/min", "must not be negative"},
      {{R"(expect.completed={})"}, "/expect/completed", R"(give "min", "max" or both)"},
      {{"limits.max_time_ms=0"}, "/limits/max_time_ms", "greater than 0"},
      {{"limits.max_steps=0"}, "/limits/max_steps", "at least 1"},
      {{R"(faults.2={"at_ms":5,"action":"partition","groups":[["n1","n2"],["n2"]]})"},
       "/faults/2/groups/1/0",
       R"("n2" is already in group 0)"},
      {{R"(faults.2={"at_ms":5,"action":"partition","groups":[["leader","n1"],["leader"]]})"},
       "/faults/2/groups/1/0",
       R"("leader" is already in group 0)"},
      {{R"(faults.2={"at_ms":5,"action":"partition","groups":[["n1"],[]]})"}, "/faults/2/groups/1", "must not be empty"},
      {{R"(faults.2={"at_ms":5,"action":"partition","groups":[["n1","n1"]]})"},
       "/faults/2/groups/0/1",
       R"("n1" is already in group 0)"},
      {{R"(protocol="multi-paxos")", R"(workload={"type":"kv","clients":2,"readers":3})"},
       "/workload/readers",
       "between 0 and 2"},
      {{R"(faults.2={"at_ms":5,"action":"cut","from":[],"to":"*"})"}, "/faults/2/from", "must not be empty"},
      {{R"(faults.2={"at_ms":5,"action":"cut","from":["c1"],"to":"*"})"},
       "/faults/2/from/0",
       R"(no client "c1" (this scenario has no clients))"},
      {{R"(faults.2={"at_ms":5,"action":"cut","from":"n1","to":"*"})"}, "/faults/2/from", "expected an array"},
      {{R"(faults.2={"at_ms":5,"action":"network"})"}, "/faults/2", "at least one of"},
      {{R"(faults.2={"at_ms":5,"action":"explode"})"}, "/faults/2/action", R"(unknown action "explode")"},
      {{R"(faults.2={"action":"heal"})"}, "/faults/2", R"(missing required key "at_ms")"},
      {{R"(faults.2={"at_ms":5,"action":"heal","node":"n1"})"}, "/faults/2/node", R"(unknown key "node")"},
      {{R"(faults.2={"at_ms":5,"action":"restart","node":"n1","disk":"lost"})"},
       "/faults/2/disk",
       R"(unknown disk "lost")"},
      {{R"(faults.2={"at_ms":5,"action":"pause","node":"boss"})"},
       "/faults/2/node",
       R"(no node "boss" (nodes are n1..n5; or "leader" or "random"))"},
      {{R"(faults.2={"at_ms":5,"action":"clock","node":"n1"})"},
       "/faults/2",
       R"(a clock action needs "offset_ms", "drift_ppm" or both)"},
      {{R"(faults.2={"at_ms":5,"action":"clock","node":"n1","drift_ppm":-1000000})"},
       "/faults/2/drift_ppm",
       "a clock must run forward"},
      {{R"(faults.2={"at_ms":5,"action":"pause","node":"c1"})"},
       "/faults/2/node",
       R"(no node "c1")"},
      {{R"(workload.type="kv")"}, "/workload/proposals", R"(unknown key "proposals")"},
      {{R"(workload={"type":"kv"})"}, "/workload/type", R"(the "kv" workload needs protocol "multi-paxos")"},
      {{R"(workload={"type":"chat"})"}, "/workload/type", R"(unknown workload type "chat")"},
      // Pointers escape '/' and '~' in keys; a tape stream's name is reported at the stream.
      {{"faults.0.x/y~z=1"}, "/faults/0/x~1y~0z", R"(unknown key "x/y~z")"},
      {{R"(tape={"timers/n9":[1]})"}, "/tape/timers~1n9", R"(no node "n9")"},
      // A real mistake is reported before a feature that is not supported yet.
      {{R"(protocol="multi-paxos")", R"(faults.0.node="n9")"}, "/faults/0/node", R"(no node "n9")"},
      {{R"(protocol="multi-paxos")", "shards=2", R"(faults.0.node="n9")"}, "/faults/0/node", R"(no node "n9")"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.sets.front());
    const auto e = error_after_sets(c.sets);
    REQUIRE(e.has_value());
    CHECK(e->file == k_file);
    CHECK(e->path == c.path);
    CHECK_MESSAGE(e->message.find(c.message) != std::string::npos, e->message);
  }
}

TEST_CASE("scenario: kv workloads are parsed; lock workloads are validated") {
  const json kv = json::parse(R"({
    "schema_version": 1, "name": "kv", "protocol": "multi-paxos", "nodes": 3,
    "workload": {"type": "kv", "clients": 3, "ops_per_client": 5, "keys": 2,
                 "mix": {"put": 0.1, "get": 0.2, "append": 0.7}, "think_ms": 0, "timeout_ms": 400,
                 "requests": [{"at_ms": 1, "client": "c3", "op": "put", "key": "k", "value": "v", "via": "n2"},
                              {"at_ms": 2, "client": "c1", "op": "get", "key": "k"}]},
    "faults": [{"at_ms": 5, "action": "partition", "groups": [["n1", "c1"], ["n2", "n3", "c2", "c3"]]},
               {"at_ms": 6, "action": "cut", "from": ["c3"], "to": "*"}],
    "invariants": ["linearizable", "log"]
  })");
  const sim::Scenario s = parse_scenario(kv, k_file);
  CHECK(s.protocol == sim::Protocol::multi_paxos);
  CHECK(s.workload.type == sim::Workload::Type::kv);
  CHECK(s.workload.clients == 3);
  CHECK(s.endpoints() == 6);
  CHECK(s.workload.ops_per_client == 5);
  CHECK(s.workload.keys == 2);
  CHECK(s.workload.mix_put == doctest::Approx(0.1));
  CHECK(s.workload.mix_get == doctest::Approx(0.2));
  CHECK(s.workload.mix_append == doctest::Approx(0.7));
  CHECK(s.workload.timeout_ms.a == doctest::Approx(400));
  REQUIRE(s.workload.requests.size() == 2);
  CHECK(s.workload.requests[0].client == 2);  // c3
  CHECK(s.workload.requests[0].op == paxsim::KvOpKind::put);
  CHECK(s.workload.requests[0].via == std::optional<paxsim::NodeId>(1));
  CHECK(s.workload.requests[0].at_us == 1000);
  CHECK(s.workload.requests[1].client == 0);
  CHECK(s.workload.requests[1].op == paxsim::KvOpKind::get);
  CHECK(s.faults[0].groups[0] == std::vector<paxsim::EndpointId>{0, 3});  // n1, c1

  struct Case {
    std::string set;
    std::string path;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"(faults.1.from=["c4"])", "/faults/1/from/0", R"(no client "c4" (clients are c1..c3))"},
      {R"(faults.0.groups.1.0="x1")", "/faults/0/groups/1/0",
       R"(no node or client "x1" (nodes are n1..n3; clients are c1..c3))"},
      {"workload.clients=0", "/workload/clients", "between 1 and 1000"},
      {R"(workload.mix={"put":0.5})", "/workload/mix", "sum to 0.5, not 1"},
      {R"(workload.mix={"put":0.5,"delete":0.5})", "/workload/mix/delete", R"(unknown key "delete")"},
      {R"(workload.requests.1.value="v")", "/workload/requests/1/value", "a get takes no value"},
      {R"(workload.requests.2={"at_ms":1,"client":"c1","op":"put","key":"k"})", "/workload/requests/2",
       R"(missing required key "value")"},
      {R"(workload.requests.0.via="c1")", "/workload/requests/0/via", R"(no node "c1")"},
      {R"(workload.requests.0.client="n1")", "/workload/requests/0/client", R"(no client "n1")"},
      {R"(workload={"type":"lock","clients":2,"acquires_per_client":3,"hold_ms":5,"lease_ms":0})", "/workload/lease_ms",
       "must not be always 0"},
      {R"(workload={"type":"lock","clients":3,"acquires_per_client":3,"hold_ms":5,"lease_ms":50,"fencing":1})",
       "/workload/fencing", "expected true or false"},
      {R"(workload={"type":"lock","clients":3,"acquires_per_client":3,"hold_ms":5,"lease_ms":50,"lock":"x"})",
       "/workload/lock", R"(unknown key "lock")"},
      {R"(workload={"type":"lock","acquires_per_client":3,"hold_ms":5,"lease_ms":50})", "/faults/0/groups/1/2",
       R"(no client "c2" (the only client is c1))"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.set);
    const auto e = error_of([&] {
      json doc = kv;
      apply_set(doc, c.set, k_file);
      (void)parse_scenario(doc, k_file);
    });
    REQUIRE(e.has_value());
    CHECK(e->path == c.path);
    CHECK_MESSAGE(e->message.find(c.message) != std::string::npos, e->message);
  }
}

TEST_CASE("scenario: the document must be an object") {
  const auto e = error_of([] { (void)parse_scenario(json::array(), k_file); });
  REQUIRE(e.has_value());
  CHECK(e->path == "");
}

TEST_CASE("scenario: apply_set edits the document") {
  json doc = base_doc();

  SUBCASE("a number, creating missing objects") {
    apply_set(doc, "network.drop=0.2", k_file);
    CHECK(doc["network"]["drop"] == 0.2);
  }
  SUBCASE("nested, replacing a value") {
    apply_set(doc, "limits.max_time_ms=5000", k_file);
    CHECK(doc["limits"]["max_time_ms"] == 5000);
    CHECK(parse_scenario(doc, k_file).max_time_us == 5'000'000);
  }
  SUBCASE("an array index, and an index equal to the size appends") {
    apply_set(doc, "faults.1.at_ms=5", k_file);
    apply_set(doc, R"(faults.2={"at_ms":1,"action":"heal"})", k_file);
    CHECK(doc["faults"][1]["at_ms"] == 5);
    REQUIRE(doc["faults"].size() == 3);
    const sim::Scenario s = parse_scenario(doc, k_file);
    CHECK(s.faults.front().action == sim::FaultAction::heal);
    CHECK(s.faults.back().at_us == 10'000);
  }
  SUBCASE("a numeric part under a missing key makes an array") {
    apply_set(doc, R"(tags.0="x")", k_file);
    CHECK(doc["tags"] == json::array({"x"}));
  }
  SUBCASE("an object value") {
    apply_set(doc, R"(workload.mix={"put":1})", k_file);
    CHECK(doc["workload"]["mix"] == json{{"put", 1}});
  }
  SUBCASE("VALUE may contain '='") {
    apply_set(doc, R"(description="a=b")", k_file);
    CHECK(doc["description"] == "a=b");
  }
}

TEST_CASE("scenario: a bad --set is an InputError and leaves the document as it was") {
  struct Case {
    std::string set;
    std::string path;
    std::string message;
  };
  const Case cases[] = {
      {"name=abc", "/name", R"(VALUE is not valid JSON (line 1, column 1: )"},
      {"network.drop=0.2.3", "/network/drop", "VALUE is not valid JSON"},
      {R"(workload.mix={"put":1,"put":0})", "/workload/mix", R"(duplicate key "put")"},
      {"network.drop", "", "expected PATH=VALUE"},
      {"network..drop=1", "", "PATH has an empty part"},
      {"faults.5.at_ms=1", "/faults", "index 5 is past the end of /faults (2 elements)"},
      {"faults.first.at_ms=1", "/faults", R"(/faults is an array; "first" is not an index)"},
      {"name.x=1", "/name", R"(/name is "base", which has no "x")"},
      {"new.deeper.0.x=oops", "/new/deeper/0/x", "not valid JSON"},
      // Fails after creating /tags: nothing of the half-made path may stay.
      {"tags.0.x.5=1", "/tags/0/x", "index 5 is past the end of /tags/0/x (0 elements)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.set);
    json doc = base_doc();
    const auto e = error_of([&] { apply_set(doc, c.set, k_file); });
    REQUIRE(e.has_value());
    CHECK(e->file == k_file);
    CHECK(e->path == c.path);
    CHECK_MESSAGE(e->message.find("--set " + c.set + ": ") == 0, e->message);
    CHECK_MESSAGE(e->message.find(c.message) != std::string::npos, e->message);
    CHECK(doc == base_doc());
  }
  const auto hint = error_of([] {
    json doc = base_doc();
    apply_set(doc, "name=abc", k_file);
  });
  REQUIRE(hint.has_value());
  CHECK(hint->message.find(R"(a string needs quotes: 'name="abc"')") != std::string::npos);
}

TEST_CASE("scenario: load_scenario applies --set before validating") {
  const sim::Scenario s = load_scenario(bad_file("wrong-type.json"), {"nodes=3", "seed=7"});
  CHECK(s.nodes == 3);
  CHECK(s.seed == 7);
  CHECK(s.name == "wrong-type");

  const auto e = error_of([] {
    (void)load_scenario(bad_file("wrong-type.json"), {"nodes=3", "faults.0.node=\"n1\""});
  });
  REQUIRE(e.has_value());
  CHECK(e->path == "/faults/0");
  CHECK(e->message.find(R"(missing required key "action")") != std::string::npos);
}
