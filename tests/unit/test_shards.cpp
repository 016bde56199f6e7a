// Shards: the shard map (key hash, placement), the sharded node's routing
// and translation at its border, the one-shard case being plain
// Multi-Paxos, fingerprint for fingerprint, and learn deadlines per group.
#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <span>

#include "helpers.hpp"
#include "paxos/kv.hpp"
#include "paxos/shard_map.hpp"
#include "paxos/sharded_node.hpp"
#include "sim/simulation.hpp"

using namespace paxsim;
using namespace paxsim::test;

TEST_CASE("shard map: FNV-1a 64 of the key, mod S") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);  // the published FNV-1a test vector
  CHECK(shard_of("anything", 1) == 0);
  CHECK(shard_of("k1", 2) == fnv1a64("k1") % 2);
  CHECK(shard_of("k1", 2) == 1);
  CHECK(shard_of("k2", 2) == 0);
  // Every shard gets keys.
  std::set<std::uint32_t> seen;
  for (int i = 1; i <= 64; ++i) seen.insert(shard_of("k" + std::to_string(i), 4));
  CHECK(seen.size() == 4);
}

TEST_CASE("shard map: groups of R consecutive nodes from floor(g N / S), sorted") {
  const ShardLayout all{3, 5, 5};
  for (std::uint32_t g = 0; g < 3; ++g) CHECK(all.members(g) == std::vector<NodeId>{0, 1, 2, 3, 4});

  const ShardLayout two{2, 5, 3};
  CHECK(two.members(0) == std::vector<NodeId>{0, 1, 2});
  CHECK(two.members(1) == std::vector<NodeId>{2, 3, 4});
  CHECK(two.is_member(0, 2));
  CHECK_FALSE(two.is_member(0, 3));

  const ShardLayout four{4, 5, 3};
  CHECK(four.members(3) == std::vector<NodeId>{0, 3, 4});  // wraps around
  for (std::uint32_t g = 0; g < 4; ++g)
    for (NodeId n = 0; n < 5; ++n) {
      const auto m = four.members(g);
      CHECK(four.is_member(g, n) == (std::find(m.begin(), m.end(), n) != m.end()));
    }
}

namespace {

NodeConfig multi_config(NodeId self, std::uint32_t nodes) {
  NodeConfig cfg = config(self, nodes);
  cfg.log = true;
  return cfg;
}

}  // namespace

TEST_CASE("sharded node: each group's node sees its own members; effects carry the group and real ids") {
  const ShardLayout layout{2, 5, 3};  // group 0: n1,n2,n3; group 1: n3,n4,n5
  auto n3 = make_sharded_node(multi_config(2, 5), {}, layout);
  Effects out;
  n3->step(Input::start(), out);
  const auto election = timers_of(out, TimerKind::election);
  REQUIRE(election.size() == 2);  // n3 is in both groups
  std::set<std::uint64_t> groups;
  for (const TimerRequest& t : election) groups.insert(t.token % 2);
  CHECK(groups == std::set<std::uint64_t>{0, 1});

  // Group 1's election timer: prepares go to group 1's members only, with n3's real id in the ballot.
  const TimerRequest t1 = election[0].token % 2 == 1 ? election[0] : election[1];
  out.clear();
  n3->step(Input::fire(TimerKind::election, t1.token), out);
  CHECK(destinations(out, MsgKind::prepare) == std::vector<EndpointId>{2, 3, 4});
  for (const Outgoing& o : sends_of(out, MsgKind::prepare)) {
    CHECK(o.msg.group == 1);
    CHECK(o.msg.from == 2);
    CHECK(o.msg.ballot.node == 2);
  }
  for (const Record& r : out.persist) CHECK(r.group == 1);

  // A prepare for group 0 from n1 is answered by group 0's acceptor, to n1.
  Message p = prepare(0, 2, Ballot{1, 0});
  p.group = 0;
  out.clear();
  n3->step(Input::message(p), out);
  const auto promised = records_of(out, RecordKind::promise);
  REQUIRE(promised.size() == 1);
  CHECK(promised[0].group == 0);
  CHECK(promised[0].ballot == Ballot{1, 0});
  const Message reply = only_send(out, MsgKind::promise);
  CHECK(reply.to == 0);
  CHECK(reply.group == 0);
  CHECK(reply.ballot == Ballot{1, 0});

  // From a node outside the group: ignored.
  Message stray = prepare(4, 2, Ballot{9, 4});
  stray.group = 0;
  out.clear();
  n3->step(Input::message(stray), out);
  CHECK(out.send.empty());
}

TEST_CASE("sharded node: a client request goes to its key's group; a group it does not replicate redirects") {
  const ShardLayout layout{2, 5, 3};
  auto n1 = make_sharded_node(multi_config(0, 5), {}, layout);
  Effects out;
  n1->step(Input::start(), out);
  Message m = message(MsgKind::client_request, 5, 0);  // from c1
  m.request = 1;
  m.value = encode(Command{0, 1, KvOpKind::put, "k1", "v"});  // k1: shard 1 (n3,n4,n5)
  out.clear();
  n1->step(Input::message(m), out);
  const Message r = only_send(out, MsgKind::redirect);
  CHECK(r.to == 5);
  CHECK(r.leader_hint == 2);  // shard 1's first member, n3
  CHECK(r.group == 1);

  m.value = encode(Command{0, 1, KvOpKind::put, "k2", "v"});  // k2: shard 0, ours, no leader yet
  out.clear();
  n1->step(Input::message(m), out);
  const Message r0 = only_send(out, MsgKind::redirect);
  CHECK(r0.group == 0);
  CHECK(r0.leader_hint == k_no_node);
}

TEST_CASE("sharded node: recovers each group from its own records") {
  const ShardLayout layout{2, 5, 3};
  // n3 promised (4, n5) in group 1 only; group 0 is untouched.
  Record r{RecordKind::promise, 0, Ballot{4, 4}, {}};
  r.group = 1;
  const std::vector<Record> disk = {r};
  auto n3 = make_sharded_node(multi_config(2, 5), disk, layout);
  Effects out;
  n3->step(Input::start(), out);
  Message p1 = prepare(3, 2, Ballot{3, 3});
  p1.group = 1;
  out.clear();
  n3->step(Input::message(p1), out);
  CHECK(only_send(out, MsgKind::nack).ballot == Ballot{4, 4});
  Message p0 = prepare(0, 2, Ballot{3, 0});
  p0.group = 0;
  out.clear();
  n3->step(Input::message(p0), out);
  CHECK(sends_of(out, MsgKind::promise).size() == 1);
}

TEST_CASE("shards: one shard is plain Multi-Paxos, step for step") {
  const auto load = [](const char* file) {
    return cli::load_scenario(std::string(PAXSIM_SOURCE_DIR) + "/scenarios/" + file, {});
  };
  const cli::RunResult plain = cli::run_scenario(load("kv/progress.json"));
  const cli::RunResult one = cli::run_scenario(load("shards/one-shard.json"));
  CHECK(one.pass);
  CHECK(cli::fingerprint_hex(one.fingerprint) == cli::fingerprint_hex(plain.fingerprint));
  CHECK(one.stats.steps == plain.stats.steps);
}

TEST_CASE("shards: a group that lost its majority stalls while the other serves") {
  const sim::Scenario s =
      cli::load_scenario(std::string(PAXSIM_SOURCE_DIR) + "/scenarios/shards/one-group-stalled.json", {});
  const cli::RunResult r = cli::run_scenario(s);
  CHECK(r.pass);
  REQUIRE(r.shards.size() == 2);
  CHECK(r.shards[0].chosen_slots == 8);   // only what came before the crash
  CHECK(r.shards[1].chosen_slots == 38);  // before and after
}

// ---------------------------------------------------------------- liveness per group

namespace {

// Broken: its replica of one group neither hears nor speaks to the group's
// other members (clients still reach it), so it never learns what the group
// chooses although the network would let it. The other members are a
// majority without it, so the group serves on.
class SilentReplica final : public Node {
 public:
  SilentReplica(std::unique_ptr<Node> inner, std::uint32_t nodes, std::uint32_t group)
      : inner_(std::move(inner)), nodes_(nodes), group_(group) {}
  void step(const Input& in, Effects& out) override {
    if (in.kind == Input::Kind::message && among_members(*in.msg)) return;
    scratch_.clear();
    inner_->step(in, scratch_);
    for (const Record& r : scratch_.persist) out.persist.push_back(r);
    for (const Outgoing& o : scratch_.send)
      if (!among_members(o.msg)) out.send.push_back(o);
    for (const TimerRequest& t : scratch_.timers) out.timers.push_back(t);
    for (const Learned& l : scratch_.learned) out.observe(out.learned) = l;
    for (const QuorumUse& q : scratch_.quorums) out.observe(out.quorums) = q;
    for (const Learned& a : scratch_.applied) out.observe(out.applied) = a;
    for (const Value& v : scratch_.proposed) out.observe(out.proposed) = v;
  }
  NodeView view() const override { return inner_->view(); }
  bool has_learned(Slot s) const override { return inner_->has_learned(s); }
  std::optional<Value> learned(Slot s) const override { return inner_->learned(s); }
  bool has_learned_in(std::uint32_t g, Slot s) const override { return inner_->has_learned_in(g, s); }
  std::uint64_t learned_slots_in(std::uint32_t g) const override { return inner_->learned_slots_in(g); }
  std::unique_ptr<Node> clone() const override {
    return std::make_unique<SilentReplica>(inner_->clone(), nodes_, group_);
  }
  void hash_state(StateHasher& h) const override { inner_->hash_state(h); }

 private:
  bool among_members(const Message& m) const { return m.group == group_ && m.from < nodes_ && m.to < nodes_; }
  std::unique_ptr<Node> inner_;
  std::uint32_t nodes_, group_;
  Effects scratch_;
};

// Every node as the scenario builds it, but node `silent`'s replica of `group` is a SilentReplica.
sim::NodeFactory silent_factory(const sim::Scenario& s, NodeId silent, std::uint32_t group) {
  return [real = sim::default_node_factory(s), silent, group, nodes = s.nodes](const NodeConfig& cfg,
                                                                               std::span<const Record> durable) {
    std::unique_ptr<Node> n = real(cfg, durable);
    if (cfg.self != silent) return n;
    return std::unique_ptr<Node>(std::make_unique<SilentReplica>(std::move(n), nodes, group));
  };
}

cli::RunResult run_with(const sim::Scenario& s, sim::NodeFactory f) {
  cli::RunOptions opt;
  opt.factory = std::move(f);
  return cli::run_scenario(s, opt);
}

// Two shards of three on five nodes: group 0 on n1,n2,n3 (key k2), group 1 on
// n3,n4,n5 (key k1). One write to each group.
constexpr const char* k_two_groups = R"({"schema_version": 1, "name": "shards-learn-deadline", "seed": 1,
  "protocol": "multi-paxos", "nodes": 5, "shards": 2, "params": {"shard_replicas": 3},
  "workload": {"type": "kv", "clients": 2, "requests": [
    {"at_ms": 100, "client": "c1", "op": "put", "key": "k2", "value": "a"},
    {"at_ms": 100, "client": "c2", "op": "put", "key": "k1", "value": "b"}]},
  "liveness": {"after_ms": 0, "within_ms": 1000},
  "limits": {"max_time_ms": 3000}})";

}  // namespace

// A member of group 1 that never learns what its group chose, while it is up
// and can exchange messages with the whole group: a liveness failure that
// names the group. (Every request is answered, so only the learn deadline
// can catch it.)
TEST_CASE("shards: liveness: a live member that does not learn its group's slot is caught") {
  const sim::Scenario s = scenario_from_json(k_two_groups);
  const cli::RunResult real = cli::run_scenario(s);
  CHECK(real.pass);
  CHECK(real.outcome == cli::Outcome::safe);

  const cli::RunResult broken = run_with(s, silent_factory(s, 3, 1));  // n4, in group 1
  CAPTURE(broken.liveness_message);
  CHECK(broken.violations.empty());
  CHECK(broken.stats.client_ops_completed == 2);
  REQUIRE(broken.outcome == cli::Outcome::liveness);
  CHECK(contains(broken.liveness_message, "n4 is live but had not learned slot 0 of group 1 by "));
  CHECK_FALSE(broken.pass);

  // The flat message is unchanged: the same broken member in one Multi-Paxos group.
  sim::Scenario flat = s;
  flat.shards = 1;
  const cli::RunResult one = run_with(flat, silent_factory(flat, 3, 0));
  CAPTURE(one.liveness_message);
  REQUIRE(one.outcome == cli::Outcome::liveness);
  CHECK(contains(one.liveness_message, "n4 is live but had not learned slot 0 by "));
}

// Live means live in the group: n1, cut off from n2 and n3 for the whole run,
// still exchanges messages with a majority of all nodes (n1, n4, n5) but not
// with a majority of group 0, so it cannot learn group 0's slots and is not
// asked to (as for quiescence). The deadlines fall inside the run.
TEST_CASE("shards: liveness: a member cut off from its group's majority need not learn") {
  const sim::Scenario s = scenario_from_json(R"({"schema_version": 1, "name": "shards-cut-member", "seed": 1,
    "protocol": "multi-paxos", "nodes": 5, "shards": 2, "params": {"shard_replicas": 3},
    "workload": {"type": "kv", "clients": 1, "requests": [
      {"at_ms": 100, "client": "c1", "op": "put", "key": "k2", "value": "a", "via": "n2"},
      {"at_ms": 600, "client": "c1", "op": "put", "key": "k2", "value": "b", "via": "n2"},
      {"at_ms": 1100, "client": "c1", "op": "put", "key": "k2", "value": "c", "via": "n2"},
      {"at_ms": 1600, "client": "c1", "op": "put", "key": "k1", "value": "d", "via": "n3"}]},
    "faults": [{"at_ms": 0, "action": "cut", "from": ["n1"], "to": ["n2", "n3"]},
               {"at_ms": 0, "action": "cut", "from": ["n2", "n3"], "to": ["n1"]}],
    "liveness": {"after_ms": 0, "within_ms": 300},
    "limits": {"max_time_ms": 5000}})");
  const cli::RunResult r = cli::run_scenario(s);
  CAPTURE(r.liveness_message);
  CHECK(r.pass);
  CHECK(r.outcome == cli::Outcome::safe);
  CHECK(r.stats.client_ops_completed == 4);
  REQUIRE(r.shards.size() == 2);
  CHECK(r.shards[0].chosen_slots >= 3);
  CHECK(r.sim_time_us > 1'600'000);  // the first slots' deadlines were judged during the run
}
