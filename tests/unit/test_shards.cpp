// Shards: the shard map (key hash, placement), the sharded node's routing
// and translation at its border, and the one-shard case being plain
// Multi-Paxos, fingerprint for fingerprint.
#include <doctest/doctest.h>

#include <set>

#include "helpers.hpp"
#include "paxos/kv.hpp"
#include "paxos/shard_map.hpp"
#include "paxos/sharded_node.hpp"

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
