// `promises`: an acceptor's durable promised ballot never decreases; it never
// durably accepts below its durable promise; every promise or accepted
// message a node sends is covered by its durable state at the moment it is
// sent (persist before send). A wiped disk is outside the fault model: the
// checker forgets that node's durable state with it, so that what follows
// (two values chosen) shows as what it is.
#pragma once

#include <utility>
#include <vector>

#include "checkers/violation.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

class PromiseChecker : public sim::Observer {
 public:
  PromiseChecker(const sim::Scenario& s, ViolationSink& sink);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::durable, sim::Hook::send, sim::Hook::restart);
  sim::HookSet hooks() const override { return k_hooks; }
  sim::MsgKindSet sends_watched() const override {
    return sim::msg_kind_set(MsgKind::promise, MsgKind::accepted);
  }
  sim::RecordKindSet durables_watched() const override {
    return sim::record_kind_set(RecordKind::promise, RecordKind::accept);
  }
  void on_durable(Time_us t, NodeId n, const Record& r) override;
  void on_send(Time_us t, const Message& m) override;
  void on_restart(Time_us, NodeId n, bool wiped) override;

 private:
  struct Durable {
    Ballot promised;                       // max over promise and accept records
    std::vector<std::pair<Ballot, Value>> accepted;  // by slot; a null ballot: nothing accepted
    std::size_t accepted_size = 0;                   // accepted.size(), kept (see grow_to)
  };
  void report(Time_us t, std::string message, std::vector<std::string> evidence);
  [[gnu::noinline]] void check_send(Time_us t, const Message& m);
  [[gnu::noinline]] void check_durable(Time_us t, NodeId n, const Record& r);
  [[gnu::cold, gnu::noinline]] void report_promise_back(Time_us t, NodeId n, const Record& r, const Durable& d);
  [[gnu::cold, gnu::noinline]] void report_accept_below(Time_us t, NodeId n, const Record& r, const Durable& d);
  [[gnu::cold, gnu::noinline]] void report_promise_not_durable(Time_us t, const Message& m, const Durable& d);
  [[gnu::cold, gnu::noinline]] void report_accepted_not_durable(Time_us t, const Message& m,
                                                                const std::pair<Ballot, Value>* it);

  ViolationSink& sink_;
  std::uint32_t nodes_;
  std::vector<Durable> durable_;
};
static_assert(sim::overridden_hooks<PromiseChecker>() == PromiseChecker::k_hooks);

}  // namespace paxsim::checkers
