#include "checkers/safety_checks.hpp"

namespace paxsim::checkers {

SafetyChecks::SafetyChecks(ChosenTracker& chosen, PromiseChecker& promises, QuorumChecker& quorums)
    : chosen_(chosen), promises_(promises), quorums_(quorums) {
  chosen_.hooks_ &= ~sim::hook_set(sim::Hook::durable);
  promises_.hooks_ &= ~k_hooks;
  quorums_.hooks_ &= ~sim::hook_set(sim::Hook::send);
}

// The checkers' usual cases, in line and together, so that a hook keeps no
// registers across a call; anything else is each checker's hook, whole, in
// the checkers' order. The usual cases report nothing, and each reads and
// changes its own checker only, so they may come in any order.

void SafetyChecks::on_send(Time_us t, const Message& m) {
  // Only promises and acceptances come here (sends_watched), so their kind
  // is not tested again; one from a sender that is no node concerns neither
  // checker (both test that), so it is tested once.
  if (m.from >= quorums_.nodes_) return;
  if (!quorums_.answer_in_line(m)) return first_answer(t, m);
  if (!promises_.answer_in_line(m)) promises_.check_send(t, m);
}

void SafetyChecks::first_answer(Time_us t, const Message& m) {
  // The usual first answer without a call (so without saving registers),
  // but the promise checker's out of line; anything else, in full.
  if (!quorums_.first_answer_in_line(m)) return first_answer_slow(t, m);
  if (!promises_.send_in_line(m)) promises_.check_send(t, m);
}

void SafetyChecks::first_answer_slow(Time_us t, const Message& m) {
  quorums_.make_first_answer(m);
  promises_.PromiseChecker::on_send(t, m);
}

void SafetyChecks::on_durable(Time_us t, NodeId n, const Record& r) {
  if (promises_.durable_in_line(n, r)) return chosen_.ChosenTracker::on_durable(t, n, r);
  durable_slow(t, n, r);
}

void SafetyChecks::durable_slow(Time_us t, NodeId n, const Record& r) {
  chosen_.ChosenTracker::on_durable(t, n, r);
  promises_.check_durable(t, n, r);
}

}  // namespace paxsim::checkers
