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
#include <limits>
#include <string>
#include <vector>

#include "checkers/by_slot.hpp"
#include "checkers/chosen.hpp"
#include "checkers/shard_checks.hpp"
#include "paxos/flat_hash_map.hpp"
#include "sim/observer.hpp"
#include "sim/rng.hpp"
#include "sim/simulation.hpp"

namespace paxsim::checkers {

class LivenessChecker : public sim::Observer {
 public:
  LivenessChecker(const sim::Simulation& sim, sim::Liveness bound, ChosenTracker& chosen);
  LivenessChecker(const sim::Simulation& sim, sim::Liveness bound, ShardChecks& shards);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::step, sim::Hook::client_call, sim::Hook::request_open,
                                                        sim::Hook::request_done, sim::Hook::request_dropped);
  sim::HookSet hooks() const override { return k_hooks; }
  // The simulator calls on_step only for steps after next_due_ (the
  // earliest deadline, or never once none is left or the check failed);
  // another caller may call it for any step, and it asks the same.
  const Time_us* step_due() const override { return &next_due_; }
  void on_step(const sim::StepInfo& info) override {
    if (next_due_ < info.time) expire_before(info.time, false);
  }
  // Shards: a kv request's key names the group that must answer it.
  void on_client_call(Time_us, std::uint32_t, const Command& c) override;
  void on_request_open(Time_us t, std::uint64_t id, NodeId n) override;
  void on_request_done(Time_us, std::uint64_t id) override { close(id); }
  void on_request_dropped(Time_us, std::uint64_t id) override { close(id); }

  // The run ended at `end`: check every deadline up to and including it.
  void finish(Time_us end) { expire_before(end, true); }

  bool ok() const { return !failed_; }
  // !ok(), as a flag a run loop can test after every step.
  const bool* failed_flag() const { return &failed_; }
  const std::string& failure() const { return failure_; }
  Time_us failure_time_us() const { return failure_time_us_; }

 private:
  // Deadlines fall due in the order of `at`, those of one instant in the
  // order they were set.
  struct Deadline {
    Time_us at;
    bool request;         // else: a chosen slot to learn
    std::uint32_t group;  // shards: the slot's group
    std::uint64_t what;   // request id or slot
  };
  struct Open {
    NodeId node;
    Time_us issued_us;
    std::uint32_t group;  // shards: the group its key belongs to
  };
  // A client has one request open at a time, nearly always: it sits in the
  // client's own entry (by sim::request_client_plus_one), found without
  // hashing; any other open request (a proposal, a client's second) is in
  // the table.
  struct ClientOpen {
    std::uint64_t id = 0;  // 0: none (a client's ids are never 0)
    Open open{};
  };
  ClientOpen* client_entry(std::uint64_t id) {
    const std::uint64_t c = sim::request_client_plus_one(id);
    return c != 0 && c <= by_client_.size() ? &by_client_[c - 1] : nullptr;
  }
  void close(std::uint64_t id) {
    if (ClientOpen* e = client_entry(id); e && e->id == id) e->id = 0;
    else if (!open_.empty()) open_.erase(id);
  }
  const Open* find_open(std::uint64_t id);
  // A request id's bits spread over the low ones the table indexes by (a kv
  // client's id has its client number at bit 40, its request count below).
  struct IdHash {
    std::uint64_t operator()(std::uint64_t id) const { return sim::mix64(id); }
  };
  static constexpr Time_us k_never = std::numeric_limits<Time_us>::max();

  void reserve();  // the tables, sized for the scenario
  // A new deadline, nearly always due no sooner than the last one: appended
  // in line; the queue's next one changes only if it was empty.
  void add_deadline(const Deadline& d) {
    const bool was_empty = first_due_ == due_.size();
    if (!was_empty && d.at < due_.back().at) return insert_deadline(d);
    due_.push_back(d);
    if (was_empty && !failed_) next_due_ = d.at;
  }
  [[gnu::noinline]] void insert_deadline(const Deadline& d);
  void expire_before(Time_us t, bool inclusive);
  void check(const Deadline& d);
  void fail(std::string what, Time_us at);
  Time_us deadline_for(Time_us t) const { return std::max(bound_.after_us, t) + bound_.within_us; }

  const sim::Simulation& sim_;
  sim::Liveness bound_;
  const ShardChecks* shards_ = nullptr;  // shards: slots are learned per group
  // The deadlines not yet due, from due_[first_due_] on, in the order they
  // fall due. Each is set at the time of its step, as that time plus the
  // same bound, so a new one nearly always goes at the end: a queue, where
  // a heap cost a sift per deadline.
  std::vector<Deadline> due_;
  std::size_t first_due_ = 0;
  Time_us next_due_ = k_never;  // due_[first_due_].at; k_never if none, or once failed
  std::vector<ClientOpen> by_client_;               // by client
  FlatHashMap<std::uint64_t, Open, IdHash> open_;  // the other open requests; looked up by id only: never iterated
  std::uint32_t calling_group_ = 0;  // shards: the group of the call about to open
  std::string failure_;
  Time_us failure_time_us_ = 0;
  bool failed_ = false;
};
static_assert(sim::overridden_hooks<LivenessChecker>() == LivenessChecker::k_hooks);

}  // namespace paxsim::checkers
