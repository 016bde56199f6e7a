#include "checkers/promises.hpp"

#include <memory>

#include <fmt/format.h>

#include "checkers/by_slot.hpp"
#include "checkers/chosen.hpp"

namespace paxsim::checkers {

PromiseChecker::PromiseChecker(const sim::Scenario& s, ViolationSink& sink)
    : sink_(sink), nodes_(s.nodes), durable_(s.nodes) {
  for (Durable& d : durable_) d.accepted.reserve(expected_slots(s));
}

void PromiseChecker::report(Time_us t, std::string message, std::vector<std::string> evidence) {
  sink_.report(Violation{"promises", step_index(), t, std::move(message), std::move(evidence)});
}

void PromiseChecker::on_restart(Time_us, NodeId n, bool wiped) {
  if (wiped) {  // forgets all, keeping the table's capacity
    durable_[n].promised = Ballot{};
    durable_[n].accepted.clear();
    durable_[n].accepted_size = 0;
  }
}

void PromiseChecker::check_durable(Time_us t, NodeId n, const Record& r) {
  Durable& d = durable_[n];
  if (r.kind == RecordKind::promise) {
    if (r.ballot < d.promised)
      report_promise_back(t, n, r, d);
    else
      d.promised = r.ballot;
  } else if (r.kind == RecordKind::accept) {
    if (r.ballot < d.promised)
      report_accept_below(t, n, r, d);
    else
      d.promised = r.ballot;  // accepting b promises b
    grow_to(d.accepted, r.slot + 1, d.accepted_size);
    std::pair<Ballot, Value>& accepted = d.accepted[r.slot];  // assigned in place, without a temporary pair
    accepted.first = r.ballot;
    accepted.second = r.value;
  }
}

void PromiseChecker::check_send(Time_us t, const Message& m) {
  const Durable& d = durable_[m.from];
  if (m.kind == MsgKind::promise) {
    if (d.promised < m.ballot) report_promise_not_durable(t, m, d);
  } else if (m.kind == MsgKind::accepted) {
    const std::pair<Ballot, Value>* it = m.slot < d.accepted_size && !d.accepted[m.slot].first.is_null()
                                             ? &d.accepted[m.slot]
                                             : nullptr;
    const bool covered = it && (it->first > m.ballot || (it->first == m.ballot && it->second == m.value));
    if (!covered) report_accepted_not_durable(t, m, it);
  }
}

// ---------------------------------------------------------------- reports
// Out of line, so that the checks above, on every record and answer, stay
// small.

void PromiseChecker::report_promise_back(Time_us t, NodeId n, const Record& r, const Durable& d) {
  report(t, fmt::format("{}'s durable promise went back from {} to {}", node_name(n), to_string(d.promised),
                        to_string(r.ballot)),
         {fmt::format("durable promise before: {}", to_string(d.promised)),
          fmt::format("new durable promise: {}", to_string(r.ballot))});
}

void PromiseChecker::report_accept_below(Time_us t, NodeId n, const Record& r, const Durable& d) {
  report(t, fmt::format("{} durably accepted {} at ballot {}, below its durable promise {}", node_name(n),
                        quote(r.value), to_string(r.ballot), to_string(d.promised)),
         {fmt::format("durable promise: {}", to_string(d.promised)),
          fmt::format("acceptance: slot {} ballot {} value {}", r.slot, to_string(r.ballot), quote(r.value))});
}

void PromiseChecker::report_promise_not_durable(Time_us t, const Message& m, const Durable& d) {
  report(t, fmt::format("{} sent a promise for {} that is not durable (durable promise: {})", node_name(m.from),
                        to_string(m.ballot), to_string(d.promised)),
         {fmt::format("message: promise {} from {} to {}", to_string(m.ballot), node_name(m.from), node_name(m.to)),
          "a crash now would let this acceptor promise or accept below it"});
}

void PromiseChecker::report_accepted_not_durable(Time_us t, const Message& m, const std::pair<Ballot, Value>* it) {
  report(t, fmt::format("{} acknowledged {} at ballot {} in slot {} before it was durable", node_name(m.from),
                        quote(m.value), to_string(m.ballot), m.slot),
         {!it ? std::string("durable acceptance in this slot: none")
              : fmt::format("durable acceptance in this slot: {} at {}", quote(it->second), to_string(it->first)),
          "a crash now would lose an acceptance that a learner may already count"});
}

}  // namespace paxsim::checkers
