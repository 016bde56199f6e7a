#include "checkers/log.hpp"

#include <fmt/format.h>

#include "checkers/chosen.hpp"

namespace paxsim::checkers {

LogChecker::LogChecker(const sim::Scenario& s, ViolationSink& sink) : sink_(sink), next_(s.nodes, 0) {}

void LogChecker::on_apply(Time_us t, NodeId n, const Learned& a) {
  if (a.slot != next_[n]) {
    sink_.report(Violation{"log", step_index(), t,
                           fmt::format("{} applied index {} but its next index was {} (a gap or a reordering)",
                                       node_name(n), a.slot, next_[n]),
                           {fmt::format("{} applied {} at index {}", node_name(n), quote(a.value), a.slot)}});
    return;
  }
  next_[n] = a.slot + 1;
  if (first_.size() <= a.slot) first_.resize(a.slot + 1);
  auto& f = first_[a.slot];
  if (!f) {
    f = First{a.value, n};
  } else if (f->value != a.value) {
    sink_.report(Violation{"log", step_index(), t,
                           fmt::format("replicas diverge at index {}: {} applied {}, {} applied {}", a.slot,
                                       node_name(f->node), quote(f->value), node_name(n), quote(a.value)),
                           {fmt::format("{} applied {} at index {}", node_name(f->node), quote(f->value), a.slot),
                            fmt::format("{} applied {} at index {}", node_name(n), quote(a.value), a.slot)}});
  }
}

}  // namespace paxsim::checkers
