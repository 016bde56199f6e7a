// The one door into a protocol node. A node is a pure state machine: it gets
// an Input (a message, a fired timer, a proposal, its start after boot) and
// appends Effects. It reads no clock, socket, file or random source, so the
// simulator can run it, crash it (destroy the object) and rebuild it from the
// records its disk kept, and a test can drive it by hand.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "paxos/bugs.hpp"
#include "paxos/effects.hpp"
#include "paxos/message.hpp"
#include "paxos/state_hash.hpp"
#include "paxos/types.hpp"

namespace paxsim {

enum class LearningMode : std::uint8_t {
  decide,      // acceptors answer the proposer, which broadcasts a decide: O(N) messages
  all_to_all,  // every acceptor sends `accepted` to every learner: O(N^2) messages
};

// What a node knows about its cluster and how it behaves. Plain data, built
// from the scenario at the edge.
struct NodeConfig {
  NodeId self = 0;
  std::uint32_t nodes = 1;
  LearningMode learning = LearningMode::decide;
  bool log = false;          // multi-paxos: a log of slots (promises list accepted entries)
  std::uint32_t window = 8;  // multi-paxos: slots a leader may have in flight at once
  BugSet bugs;
  // Leader leases (paxos/lease.hpp): 0 is off. Measured on the node's own clock.
  Time_us leader_lease_us = 0;
  double max_drift_ppm = 200;  // the clock drift bound that leases and lock leases assume

  std::uint32_t quorum() const {
    if (bugs.has(Bug::minority_quorum) && nodes > 1) return nodes / 2;
    return nodes / 2 + 1;
  }
};

struct Input {
  enum class Kind : std::uint8_t { start, message, timer, propose };
  Kind kind = Kind::start;
  const Message* msg = nullptr;     // message
  TimerKind timer = TimerKind::retry;  // timer
  std::uint64_t token = 0;          // timer
  const Value* value = nullptr;     // propose
  // The node's own clock at this input (sim/clock.hpp): the only time a node
  // ever reads. Not true time: it may be offset and drift.
  Time_us local_us = 0;

  static Input start() { return Input{}; }
  static Input message(const Message& m) { Input i; i.kind = Kind::message; i.msg = &m; return i; }
  static Input fire(TimerKind k, std::uint64_t t) { Input i; i.kind = Kind::timer; i.timer = k; i.token = t; return i; }
  static Input propose(const Value& v) { Input i; i.kind = Kind::propose; i.value = &v; return i; }
};

// A read-only summary for the simulator (resolving "node": "leader", the
// end-of-run check) and for traces. Never used to decide anything in a node.
struct NodeView {
  bool leads = false;        // believes it leads (won phase 1) ...
  Ballot lead_ballot;        // ... with this ballot
  Ballot promised;
  Ballot accepted_ballot;    // synod: slot 0
  Value accepted_value;
  std::uint64_t learned_slots = 0;  // how many slots this node has learned
};

class Node {
 public:
  virtual ~Node() = default;
  virtual void step(const Input& in, Effects& out) = 0;
  virtual NodeView view() const = 0;
  virtual bool has_learned(Slot s) const = 0;
  virtual std::optional<Value> learned(Slot s) const = 0;
  // Shards (paxos/sharded_node.hpp): what the node learned in one Paxos group.
  virtual bool has_learned_in(std::uint32_t group, Slot s) const { return group == 0 && has_learned(s); }
  virtual std::uint64_t learned_slots_in(std::uint32_t group) const { return group == 0 ? view().learned_slots : 0; }
  virtual std::unique_ptr<Node> clone() const = 0;
  // Folds the node's whole state into `h` (roles, timers' tokens, tallies),
  // so that two nodes in the same state hash alike.
  virtual void hash_state(StateHasher& h) const = 0;
};

// Builds a node from the records its disk kept (empty on first boot or after a
// wiped disk). The simulator calls step(Input::start()) right after.
std::unique_ptr<Node> make_synod_node(const NodeConfig& cfg, std::span<const Record> durable);
std::unique_ptr<Node> make_multi_paxos_node(const NodeConfig& cfg, std::span<const Record> durable);

}  // namespace paxsim
