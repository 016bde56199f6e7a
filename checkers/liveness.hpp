// Liveness, as scenario.md defines it: with {"after_ms": T, "within_ms": D},
// every request open at T or issued later, by a client that is live, must be
// answered by max(T, issue time) + D, and every live node must have learned a
// value chosen at time t by max(T, t) + D. Deadlines are checked against the
// state at the deadline (before the first step after it).
//
// Shards: a slot of group g chosen at t must be learned by max(T, t) + D by
// every member of g that is live in g (ShardChecks::live_in): a member cut off
// from its group's majority cannot learn what the group chose, whatever else
// it reaches. The per-group trackers of ShardChecks say when a slot is chosen.
#pragma once

#include <cstdint>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "checkers/chosen.hpp"
#include "checkers/shard_checks.hpp"
#include "sim/observer.hpp"
#include "sim/simulation.hpp"

namespace paxsim::checkers {

class LivenessChecker : public sim::Observer {
 public:
  LivenessChecker(const sim::Simulation& sim, sim::Liveness bound, ChosenTracker& chosen);
  LivenessChecker(const sim::Simulation& sim, sim::Liveness bound, ShardChecks& shards);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::step, sim::Hook::client_call, sim::Hook::request_open,
                                                        sim::Hook::request_done, sim::Hook::request_dropped);
  sim::HookSet hooks() const override { return k_hooks; }
  void on_step(const sim::StepInfo& info) override { expire_before(info.time, false); }
  // Shards: a kv request's key names the group that must answer it.
  void on_client_call(Time_us, std::uint32_t, const Command& c) override;
  void on_request_open(Time_us t, std::uint64_t id, NodeId n) override;
  void on_request_done(Time_us, std::uint64_t id) override { open_.erase(id); }
  void on_request_dropped(Time_us, std::uint64_t id) override { open_.erase(id); }

  // The run ended at `end`: check every deadline up to and including it.
  void finish(Time_us end) { expire_before(end, true); }

  bool ok() const { return !failed_; }
  // !ok(), as a flag a run loop can test after every step.
  const bool* failed_flag() const { return &failed_; }
  const std::string& failure() const { return failure_; }
  Time_us failure_time_us() const { return failure_time_us_; }

 private:
  struct Deadline {
    Time_us at;
    std::uint64_t seq;
    bool request;         // else: a chosen slot to learn
    std::uint32_t group;  // shards: the slot's group
    std::uint64_t what;   // request id or slot
    bool operator>(const Deadline& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Open {
    NodeId node;
    Time_us issued_us;
    std::uint32_t group;  // shards: the group its key belongs to
  };
  void expire_before(Time_us t, bool inclusive);
  void check(const Deadline& d);
  void fail(std::string what, Time_us at);
  Time_us deadline_for(Time_us t) const { return std::max(bound_.after_us, t) + bound_.within_us; }

  const sim::Simulation& sim_;
  sim::Liveness bound_;
  const ShardChecks* shards_ = nullptr;  // shards: slots are learned per group
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::map<std::uint64_t, Open> open_;
  std::uint32_t calling_group_ = 0;  // shards: the group of the call about to open
  std::uint64_t seq_ = 0;
  std::string failure_;
  Time_us failure_time_us_ = 0;
  bool failed_ = false;
};
static_assert(sim::overridden_hooks<LivenessChecker>() == LivenessChecker::k_hooks);

}  // namespace paxsim::checkers
