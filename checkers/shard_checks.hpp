// The per-group safety checks of a sharded run (`shards` S > 1): one set of
// the usual checkers (agreement, validity, stability via ChosenTracker;
// promises; quorums; log) per Paxos group, each watching only its group's
// events, so every invariant is kept per (group, slot) and per (group,
// acceptor). Each group's checkers see the group as a cluster of its own R
// members, numbered in ascending order (as the group's nodes do, see
// paxos/sharded_node.hpp): events are translated back to that numbering on
// the way in, and the node names in a violation's text back to real names on
// the way out, prefixed with the shard.
//
// It also keeps per-shard statistics (messages sent, slots chosen) and tells
// the runner when every live member of every group has learned what its group
// chose (quiescence). Linearizability needs nothing per group: it is checked
// per key over the whole history, and a key lives in one group.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checkers/chosen.hpp"
#include "checkers/log.hpp"
#include "checkers/promises.hpp"
#include "checkers/quorums.hpp"
#include "checkers/violation.hpp"
#include "sim/observer.hpp"
#include "sim/simulation.hpp"

namespace paxsim::checkers {

struct ShardStats {
  std::uint32_t group = 0;
  std::vector<NodeId> members;
  std::uint64_t chosen_slots = 0;
  std::uint64_t messages_sent = 0;  // node-to-node messages of this group (client traffic not counted)
};

struct ShardCheckOptions {
  bool agreement = true, validity = true, stability = true, promises = true, quorums = true, log = true;
};

class ShardChecks : public sim::Observer {
 public:
  ShardChecks(const sim::Scenario& s, ViolationSink& sink, ShardCheckOptions opt);
  ~ShardChecks() override;

  static constexpr sim::HookSet k_hooks =
      sim::hook_set(sim::Hook::after_step, sim::Hook::send, sim::Hook::durable, sim::Hook::learn, sim::Hook::quorum,
                    sim::Hook::apply, sim::Hook::propose, sim::Hook::crash, sim::Hook::restart);
  sim::HookSet hooks() const override { return k_hooks; }
  void watch_step_count(const std::uint64_t* count) override;
  void after_step(const sim::StepInfo& info) override;
  void on_send(Time_us t, const Message& m) override;
  void on_durable(Time_us t, NodeId n, const Record& r) override;
  void on_learn(Time_us t, NodeId n, const Learned& l) override;
  void on_quorum(Time_us t, NodeId n, const QuorumUse& q) override;
  void on_propose(Time_us t, NodeId n, const Value& v) override;
  void on_apply(Time_us t, NodeId n, const Learned& a) override;
  void on_crash(Time_us t, NodeId n) override;
  void on_restart(Time_us t, NodeId n, bool wiped) override;

  std::uint64_t chosen_slots() const;  // over every group
  std::vector<ShardStats> stats() const;
  // Every member of every group that is live in its group (live_in) has
  // learned every slot its group chose.
  bool caught_up(const sim::Simulation& sim) const;

  // Called once per (group, slot), when the slot first becomes chosen in that
  // group (liveness). Slots are the group's own; register before the run.
  void on_chosen(std::function<void(std::uint32_t group, Slot, Time_us)> f);
  const std::vector<NodeId>& members(std::uint32_t group) const;
  // `n`, a member of `group`, is up, not paused and can exchange messages with
  // a majority of the group's members (running ones, itself included): what
  // sim::Simulation::is_live asks of the whole cluster, asked of the group,
  // since only the group's members can tell `n` what the group chose.
  bool live_in(const sim::Simulation& sim, std::uint32_t group, NodeId n) const;
  // Endpoint `e` (a member or a client) can exchange messages with a majority
  // of the group's members (running ones): for a client, whether the group
  // that holds its key can answer it.
  bool reaches_majority(const sim::Simulation& sim, std::uint32_t group, EndpointId e) const;
  std::uint32_t shards() const { return static_cast<std::uint32_t>(groups_.size()); }

 private:
  struct Group;
  void forward(std::uint32_t g);

  const sim::Scenario& s_;
  ViolationSink& sink_;
  ShardLayout layout_;
  std::vector<std::unique_ptr<Group>> groups_;
};
static_assert(sim::overridden_hooks<ShardChecks>() == ShardChecks::k_hooks);

}  // namespace paxsim::checkers
