// The hooks that two safety checkers of an unsharded run share, as one
// observer: every acceptance message is read by the promise and the quorum
// checkers, every durable acceptance by the chosen tracker and the promise
// checker, so the simulator makes one virtual call for each instead of two.
// The checkers stay observers of their other hooks; this takes the shared
// ones over from them (they are no longer called for those), and calls each
// checker's hook in the order the checkers are registered (chosen, promises,
// quorums): each sees what it would see alone, and reports when it would.
#pragma once

#include "checkers/chosen.hpp"
#include "checkers/promises.hpp"
#include "checkers/quorums.hpp"
#include "sim/observer.hpp"

namespace paxsim::checkers {

class SafetyChecks final : public sim::Observer {
 public:
  // Make it before adding the checkers to the simulation (which reads the
  // hooks they are left with), and add it right after the chosen tracker,
  // before the others. The checkers must outlive it.
  SafetyChecks(ChosenTracker& chosen, PromiseChecker& promises, QuorumChecker& quorums);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::send, sim::Hook::durable);
  sim::HookSet hooks() const override { return k_hooks; }
  sim::MsgKindSet sends_watched() const override { return promises_.sends_watched() | quorums_.sends_watched(); }
  sim::RecordKindSet durables_watched() const override {
    return static_cast<sim::RecordKindSet>(chosen_.durables_watched() | promises_.durables_watched());
  }
  void on_send(Time_us t, const Message& m) override;
  void on_durable(Time_us t, NodeId n, const Record& r) override;

 private:
  // The first answer of its kind and ballot in its slot (the quorum checker
  // makes its set), and then the promise checker's hook.
  [[gnu::noinline]] void first_answer(Time_us t, const Message& m);
  [[gnu::noinline]] void first_answer_slow(Time_us t, const Message& m);
  // The promise checker's record out of the usual: the chosen tracker's
  // hook, then the promise checker's full check.
  [[gnu::noinline]] void durable_slow(Time_us t, NodeId n, const Record& r);

  ChosenTracker& chosen_;
  PromiseChecker& promises_;
  QuorumChecker& quorums_;
};
static_assert(sim::overridden_hooks<SafetyChecks>() == SafetyChecks::k_hooks);

}  // namespace paxsim::checkers
