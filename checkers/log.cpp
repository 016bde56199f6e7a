#include "checkers/log.hpp"

#include <fmt/format.h>

#include "checkers/by_slot.hpp"
#include "checkers/chosen.hpp"

namespace paxsim::checkers {

LogChecker::LogChecker(const sim::Scenario& s, ViolationSink& sink) : sink_(sink), next_(s.nodes, 0) {
  first_.reserve(expected_slots(s));
}

void LogChecker::on_apply(Time_us t, NodeId n, const Learned& a) {
  // The usual cases, without a call (so without saving registers): the next
  // index, applied there first, or where another replica applied the very
  // same handle before.
  if (a.slot == next_[n] && a.slot < first_size_) {
    auto& f = first_[a.slot];
    if (!f) {
      f.emplace(a.value, n);
      next_[n] = a.slot + 1;
      return;
    }
    if (f->value.same_text(a.value)) {
      next_[n] = a.slot + 1;
      return;
    }
  }
  check_apply(t, n, a);
}

void LogChecker::check_apply(Time_us t, NodeId n, const Learned& a) {
  if (a.slot != next_[n]) return report_out_of_order(t, n, a);
  next_[n] = a.slot + 1;
  grow_to(first_, a.slot + 1, first_size_);
  auto& f = first_[a.slot];
  if (!f) {
    f = First{a.value, n};
  } else if (f->value != a.value) {
    report_divergence(t, n, a, *f);
  }
}

// ---------------------------------------------------------------- reports
// Out of line, so that the check above, on every command applied, stays small.

void LogChecker::report_out_of_order(Time_us t, NodeId n, const Learned& a) {
  sink_.report(Violation{"log", step_index(), t,
                         fmt::format("{} applied index {} but its next index was {} (a gap or a reordering)",
                                     node_name(n), a.slot, next_[n]),
                         {fmt::format("{} applied {} at index {}", node_name(n), quote(a.value), a.slot)}});
}

void LogChecker::report_divergence(Time_us t, NodeId n, const Learned& a, const First& f) {
  sink_.report(Violation{"log", step_index(), t,
                         fmt::format("replicas diverge at index {}: {} applied {}, {} applied {}", a.slot,
                                     node_name(f.node), quote(f.value), node_name(n), quote(a.value)),
                         {fmt::format("{} applied {} at index {}", node_name(f.node), quote(f.value), a.slot),
                          fmt::format("{} applied {} at index {}", node_name(n), quote(a.value), a.slot)}});
}

}  // namespace paxsim::checkers
