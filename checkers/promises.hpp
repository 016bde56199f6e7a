// `promises`: an acceptor's durable promised ballot never decreases; it never
// durably accepts below its durable promise; every promise or accepted
// message a node sends is covered by its durable state at the moment it is
// sent (persist before send). A wiped disk is outside the fault model: the
// checker forgets that node's durable state with it, so that what follows
// (two values chosen) shows as what it is.
#pragma once

#include <memory>
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
  sim::HookSet hooks() const override { return hooks_; }
  sim::MsgKindSet sends_watched() const override {
    return sim::msg_kind_set(MsgKind::promise, MsgKind::accepted);
  }
  sim::RecordKindSet durables_watched() const override {
    return sim::record_kind_set(RecordKind::promise, RecordKind::accept);
  }
  void on_durable(Time_us t, NodeId n, const Record& r) override {
    if (!durable_in_line(n, r)) check_durable(t, n, r);
  }
  void on_send(Time_us t, const Message& m) override {
    if (!send_in_line(m)) check_send(t, m);
  }
  void on_restart(Time_us, NodeId n, bool wiped) override;

 private:
  friend class SafetyChecks;  // takes over Hook::durable and Hook::send (safety_checks.hpp)
  struct Durable {
    Ballot promised;                       // max over promise and accept records
    std::vector<std::pair<Ballot, Value>> accepted;  // by slot; a null ballot: nothing accepted
    std::size_t accepted_size = 0;                   // accepted.size(), kept (see grow_to)
  };
  // The usual acceptance, in line (without a call, so without saving
  // registers): at or above the node's durable promise, in a slot within its
  // table where it holds no value yet. An empty handle has nothing to
  // release, so the new one is made in its place (an assignment would test
  // for a release, and keep registers for the call that could follow). Also
  // true for a kind of record it ignores. False: check_durable must follow.
  bool durable_in_line(NodeId n, const Record& r) {
    if (r.kind == RecordKind::accept) {
      Durable& d = durable_[n];
      const Ballot b = r.ballot;  // read once: the stores below might alias it
      if (r.slot < d.accepted_size && !(b < d.promised)) {
        std::pair<Ballot, Value>& accepted = d.accepted[r.slot];
        if (accepted.second.empty()) {
          std::construct_at(&accepted.second, r.value);
          d.promised = b;  // accepting b promises b
          accepted.first = b;
          return true;
        }
      }
      return false;
    }
    return r.kind != RecordKind::promise;
  }
  // The usual acknowledgement, in line: the durable acceptance is of its
  // ballot and the very same handle. Also true for a sender that is no
  // node. False: check_send must follow.
  bool send_in_line(const Message& m) const { return m.from >= nodes_ || answer_in_line(m); }
  // The same for a message from a node.
  bool answer_in_line(const Message& m) const {
    if (m.kind == MsgKind::accepted) {
      const Durable& d = durable_[m.from];
      const std::vector<std::pair<Ballot, Value>>& accepted = d.accepted;
      if (m.slot < d.accepted_size && accepted[m.slot].first == m.ballot && !m.ballot.is_null() &&
          accepted[m.slot].second.same_text(m.value))
        return true;
    }
    return false;
  }
  void report(Time_us t, std::string message, std::vector<std::string> evidence);
  [[gnu::noinline]] void check_send(Time_us t, const Message& m);
  [[gnu::noinline]] void check_durable(Time_us t, NodeId n, const Record& r);
  [[gnu::cold, gnu::noinline]] void report_promise_back(Time_us t, NodeId n, const Record& r, const Durable& d);
  [[gnu::cold, gnu::noinline]] void report_accept_below(Time_us t, NodeId n, const Record& r, const Durable& d);
  [[gnu::cold, gnu::noinline]] void report_promise_not_durable(Time_us t, const Message& m, const Durable& d);
  [[gnu::cold, gnu::noinline]] void report_accepted_not_durable(Time_us t, const Message& m,
                                                                const std::pair<Ballot, Value>* it);

  sim::HookSet hooks_ = k_hooks;
  ViolationSink& sink_;
  std::uint32_t nodes_;
  std::vector<Durable> durable_;
};
static_assert(sim::overridden_hooks<PromiseChecker>() == PromiseChecker::k_hooks);

}  // namespace paxsim::checkers
