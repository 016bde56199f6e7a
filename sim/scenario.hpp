// A scenario as plain data: what the simulator runs. JSON parsing and
// validation live at the edge (cli/scenario_json.*); by the time a Scenario
// exists, every field has been checked, every name resolved to an index and
// every time converted to integer microseconds.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "paxos/bugs.hpp"
#include "paxos/effects.hpp"
#include "paxos/kv.hpp"
#include "paxos/message.hpp"
#include "paxos/node.hpp"
#include "paxos/shard_map.hpp"
#include "paxos/types.hpp"
#include "sim/decisions.hpp"

namespace paxsim::sim {

// Milliseconds to integer microseconds, rounded to the nearest.
// Milliseconds to microseconds, rounded halves away from zero (std::llround),
// without the library call in the common case: below 2^52 the fraction
// x - trunc(x) is exact, so the result is the same to the bit. Inline: every
// delay drawn goes through here.
[[gnu::always_inline]] inline Time_us ms_to_us(double ms) {
  const double x = ms * 1000.0;
  if (!(std::fabs(x) < 4503599627370496.0)) return static_cast<Time_us>(std::llround(x));  // 2^52, or NaN
  auto i = static_cast<Time_us>(x);  // toward zero
  const double fraction = x - static_cast<double>(i);
  if (fraction >= 0.5) ++i;
  else if (fraction <= -0.5) --i;
  return i;
}

// A number, or a distribution drawn afresh at every use (values in ms).
struct Distribution {
  enum class Kind : std::uint8_t { constant, uniform, exponential };
  Kind kind = Kind::constant;
  double a = 0;  // constant: the value; uniform: low; exponential: mean
  double b = 0;  // uniform: high; exponential: max (0: no cap)

  static Distribution constant(double v) { return {Kind::constant, v, 0}; }
  static Distribution uniform(double lo, double hi) { return {Kind::uniform, lo, hi}; }
  static Distribution exponential(double mean, double max) { return {Kind::exponential, mean, max}; }
  // Always `a`, drawing nothing: a constant, or a uniform range that is empty.
  bool draws_nothing() const { return kind == Kind::constant || (kind == Kind::uniform && b <= a); }
};

struct LinkModel {
  Distribution delay_ms = Distribution::uniform(1, 10);
  double drop = 0;
  double duplicate = 0;
};

// The `network` fault action changes only the keys it names.
struct LinkPatch {
  std::optional<Distribution> delay_ms;
  std::optional<double> drop;
  std::optional<double> duplicate;
};

enum class Protocol : std::uint8_t { synod, multi_paxos };

enum class FaultAction : std::uint8_t { partition, cut, heal, crash, restart, pause, resume, network, clock };
const char* to_string(FaultAction a);

struct NodeSelector {
  enum class Kind : std::uint8_t { index, leader, random };
  Kind kind = Kind::index;
  NodeId index = 0;
};

struct Fault {
  Time_us at_us = 0;
  FaultAction action = FaultAction::heal;
  std::size_t order = 0;  // position in the file: actions at one instant run in file order
  std::vector<std::vector<EndpointId>> groups;  // partition
  std::optional<std::size_t> leader_group;       // partition: the group the leader of the moment joins
  std::vector<EndpointId> from, to;             // cut; "*" already expanded to every endpoint
  NodeSelector node;                             // crash, restart, pause, resume, clock
  bool wipe_disk = false;                        // restart
  LinkPatch network;                             // network
  std::optional<double> offset_ms;               // clock: a step of the clock (absent: none)
  std::optional<double> drift_ppm;               // clock: its new rate (absent: unchanged)
};

struct Nemesis {
  Time_us from_us = 0;
  Time_us until_us = 0;
  Distribution interval_ms = Distribution::uniform(50, 300);
  Distribution duration_ms = Distribution::uniform(50, 300);  // the interval's when absent in the file
  std::vector<FaultAction> actions;  // among partition, cut, crash, pause
  std::uint32_t max_down = 0;
};

struct Proposal {
  Time_us at_us = 0;
  NodeId node = 0;
  Value value;
};

struct KvRequest {
  Time_us at_us = 0;
  std::uint32_t client = 0;  // client index (c1 = 0)
  KvOpKind op = KvOpKind::get;
  std::string key;
  std::string value;
  std::optional<NodeId> via;
};

struct Workload {
  enum class Type : std::uint8_t { propose, kv, lock };
  Type type = Type::propose;
  std::vector<Proposal> proposals;  // propose
  std::uint32_t clients = 0;        // kv, lock
  // kv
  std::uint64_t ops_per_client = 0;
  std::uint32_t keys = 1;
  double mix_put = 0.5, mix_get = 0.5, mix_append = 0;
  std::uint32_t readers = 0;  // the last `readers` clients only get (their draws are those of the mix)
  Distribution think_ms = Distribution::constant(0);
  Distribution timeout_ms = Distribution::constant(500);
  std::vector<KvRequest> requests;  // sorted by (at_us, position in the file)
  // lock (sim/lock_clients.hpp); think_ms and timeout_ms as for kv
  std::uint64_t acquires_per_client = 0;
  Distribution hold_ms = Distribution::constant(0);
  Distribution lease_ms = Distribution::constant(100);
  Distribution act_ms = Distribution::uniform(1, 5);     // one action on the protected resource
  Distribution retry_ms = Distribution::uniform(5, 15);  // after a "busy" answer
  bool fencing = false;                                  // the resource checks fencing tokens
};

struct Params {
  LearningMode learning = LearningMode::decide;
  Distribution retry_ms = Distribution::uniform(20, 60);
  double retry_ms_max = 1000;
  Distribution catchup_ms = Distribution::uniform(100, 200);
  Distribution heartbeat_ms = Distribution::constant(20);
  Distribution election_timeout_ms = Distribution::uniform(150, 300);
  double max_drift_ppm = 200;
  std::uint32_t window = 8;  // multi-paxos: slots a leader may have open at once
  double leader_lease_ms = 0;  // multi-paxos: leader leases for local reads (0: off)
  std::uint32_t shard_replicas = 0;  // shards > 1: nodes per group (0: every node)
};

struct Range {
  std::optional<std::uint64_t> min;
  std::optional<std::uint64_t> max;
  bool contains(std::uint64_t v) const { return (!min || v >= *min) && (!max || v <= *max); }
};

struct Expect {
  bool violation = false;                // false: {"verdict": "pass"}
  std::vector<std::string> invariants;   // with violation: the run must stop on one of these
  std::optional<Range> chosen;
  std::optional<Range> completed;
};

struct Liveness {
  Time_us after_us = 0;
  Time_us within_us = 0;
};

// One step of a pinned schedule (the optional "schedule" key; `paxsim explore`
// writes one into every repro). With a schedule the simulator draws nothing:
// it takes exactly these steps, in order, matching each against what is
// pending (a message by its content, a node's timer by kind, its oldest
// unsynced write), and the run ends after the last one.
struct ScheduledStep {
  enum class Kind : std::uint8_t { deliver, drop, duplicate, timer, durable, crash, restart, propose, request };
  Kind kind = Kind::deliver;
  Message msg;                         // deliver, drop, duplicate
  NodeId node = 0;                     // timer, durable, crash, restart
  TimerKind timer = TimerKind::retry;  // timer
  std::size_t index = 0;               // propose: index into workload.proposals; request: into workload.requests
};
const char* to_string(ScheduledStep::Kind k);

struct Scenario {
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  std::uint64_t seed = 1;
  std::optional<Bug> bug;
  Protocol protocol = Protocol::synod;
  std::uint32_t nodes = 1;
  std::uint32_t shards = 1;
  Params params;
  LinkModel network;
  Distribution fsync_ms = Distribution::uniform(0.1, 1);
  Workload workload;
  std::vector<Fault> faults;          // sorted by (at_us, order)
  std::optional<Nemesis> nemesis;
  std::vector<std::string> invariants;  // empty: every one that applies
  std::optional<Liveness> liveness;
  Time_us max_time_us = 60'000'000;
  std::uint64_t max_steps = 10'000'000;
  Expect expect;
  std::vector<ScheduledStep> schedule;  // empty: the run draws its own schedule from the seed
  Tape tape;  // pinned random decisions (sim/decisions.hpp); empty: all drawn from the seed

  std::uint32_t clients() const { return workload.clients; }
  std::uint32_t endpoints() const { return nodes + clients(); }
};

std::string endpoint_name(const Scenario& s, EndpointId e);  // "n3" or "c2"
// The shard map of a multi-paxos scenario (paxos/shard_map.hpp).
ShardLayout shard_layout(const Scenario& s);

}  // namespace paxsim::sim
