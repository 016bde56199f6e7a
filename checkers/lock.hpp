// `lock`: mutual exclusion in true time, for the lock workload
// (sim/lock_clients.hpp). A client's *tenure* under a fencing token opens
// with its first action the resource accepts under that token and closes
// when the client ends its hold (releases, gives up because its lease may
// have run out, or crashes). The invariant: the resource never accepts an
// action of one tenure while another tenure is open. So two clients never
// act under the lock at once, where "act" means an action the resource took.
//
// With fencing the resource rejects any token below the highest it accepted:
// from the moment it accepts a higher token, an older tenure can never act
// again, so it counts as closed then (the client may not know yet; it does
// not matter, nothing it does is taken). Without fencing every action is
// accepted, and a tenure stays open until its client ends it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "checkers/violation.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

class LockChecker : public sim::Observer {
 public:
  LockChecker(const sim::Scenario& s, ViolationSink& sink);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::lock_event);
  sim::HookSet hooks() const override { return k_hooks; }
  void on_lock_event(Time_us t, const sim::LockEvent& e) override;

  std::uint64_t tenures() const { return tenures_; }

 private:
  struct Tenure {
    std::uint32_t client = 0;
    std::uint64_t token = 0;
    Time_us first_us = 0;  // its first accepted action
    Time_us last_us = 0;   // its latest accepted action
  };
  using Key = std::pair<std::uint32_t, std::uint64_t>;  // (client, token)

  ViolationSink& sink_;
  bool fencing_;
  std::map<Key, Tenure> open_;  // tenures that acted and have not closed; at most one unless violated
  std::uint64_t tenures_ = 0;
};
static_assert(sim::overridden_hooks<LockChecker>() == LockChecker::k_hooks);

}  // namespace paxsim::checkers
