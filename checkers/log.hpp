// `log`: replicas apply the same command at every log index, in order, with
// no gaps. A restarted replica rebuilds its state machine from the start of
// its log, so its expected next index starts again at 0.
#pragma once

#include <optional>
#include <vector>

#include "checkers/violation.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

class LogChecker : public sim::Observer {
 public:
  LogChecker(const sim::Scenario& s, ViolationSink& sink);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::apply, sim::Hook::restart);
  sim::HookSet hooks() const override { return k_hooks; }
  void on_apply(Time_us t, NodeId n, const Learned& a) override;
  void on_restart(Time_us, NodeId n, bool) override { next_[n] = 0; }

 private:
  struct First {
    // A constructor, for optional's emplace (clang 14 builds no aggregate
    // from parentheses; see Acceptance in paxos/acceptor.hpp).
    First(const Value& v, NodeId n) : value(v), node(n) {}
    Value value;
    NodeId node;
  };
  [[gnu::noinline]] void check_apply(Time_us t, NodeId n, const Learned& a);
  [[gnu::cold, gnu::noinline]] void report_out_of_order(Time_us t, NodeId n, const Learned& a);
  [[gnu::cold, gnu::noinline]] void report_divergence(Time_us t, NodeId n, const Learned& a, const First& f);

  ViolationSink& sink_;
  std::vector<Slot> next_;                  // per replica: the index it must apply next
  std::vector<std::optional<First>> first_;  // per index: the first command applied there, and by whom
  std::size_t first_size_ = 0;               // first_.size(), kept (see grow_to)
};
static_assert(sim::overridden_hooks<LogChecker>() == LogChecker::k_hooks);

}  // namespace paxsim::checkers
