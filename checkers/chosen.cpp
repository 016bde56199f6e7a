#include "checkers/chosen.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "paxos/kv.hpp"

namespace paxsim::checkers {

std::string quote(const Value& v) {
  if (v == k_noop_value) return "no-op";
  if (auto c = decode(v)) {
    std::string args = c->op == KvOpKind::get ? c->key : fmt::format("{}, {}", c->key, c->value);
    return fmt::format("c{}#{}:{}({})", c->client + 1, c->request, to_string(c->op), args);
  }
  return fmt::format("\"{}\"", v);
}

std::string node_list(const std::vector<NodeId>& who) {
  std::string s;
  for (NodeId n : who) {
    if (!s.empty()) s += ',';
    s += node_name(n);
  }
  return s;
}

static std::string names(const std::vector<NodeId>& who) { return fmt::format("{{{}}}", node_list(who)); }

ChosenTracker::ChosenTracker(const sim::Scenario& s, ViolationSink& sink, bool agreement, bool validity,
                             bool stability)
    : quorum_(s.nodes / 2 + 1), nodes_(s.nodes), sink_(sink), agreement_(agreement), validity_(validity), stability_(stability) {}

const Choice* ChosenTracker::chosen(Slot s) const {
  return s < slots_.size() && slots_[s].first ? &*slots_[s].first : nullptr;
}

std::string ChosenTracker::describe(const Ballot& b, const Value& v, const std::vector<NodeId>& who) const {
  return fmt::format("{} at ballot {} by {}", quote(v), to_string(b), names(who));
}

void ChosenTracker::report(const char* invariant, Time_us t, std::string message, std::vector<std::string> evidence) {
  sink_.report(Violation{invariant, step_index(), t, std::move(message), std::move(evidence)});
}

void ChosenTracker::on_durable(Time_us t, NodeId n, const Record& r) {
  if (r.kind != RecordKind::accept) return;
  SlotState& st = slot_state(r.slot);
  auto tally = std::find_if(st.accepted.begin(), st.accepted.end(),
                            [&](const Tally& x) { return x.ballot == r.ballot && x.value == r.value; });
  if (tally == st.accepted.end()) {
    st.accepted.push_back(Tally{r.ballot, r.value, {}});
    tally = st.accepted.end() - 1;
    tally->who.reserve(nodes_);  // one allocation, not one per doubling
  }
  auto& who = tally->who;
  if (std::find(who.begin(), who.end(), n) != who.end()) return;
  who.push_back(n);

  // Stability against what is already chosen: an acceptance above the chosen
  // ballot with another value breaks P2 (it may become chosen later).
  if (stability_ && st.first && r.ballot > st.lowest_chosen && r.value != st.first->value) {
    report("stability", t,
           fmt::format("slot {}: {} durably accepted {} at ballot {} after {} was chosen",
                       r.slot, node_name(n), quote(r.value), to_string(r.ballot), quote(st.first->value)),
           {fmt::format("chosen: {}", describe(st.first->ballot, st.first->value, st.first->acceptors)),
            fmt::format("later acceptance: {} at ballot {} by {}", quote(r.value), to_string(r.ballot), node_name(n))});
  }
  if (who.size() == quorum_) chose(r.slot, st, tally->ballot, tally->value, who, t);
}

void ChosenTracker::chose(Slot s, SlotState& st, const Ballot& b, const Value& v, const std::vector<NodeId>& who,
                          Time_us t) {
  if (!st.first) {
    st.first = Choice{b, v, who, t};
    st.lowest_chosen = b;
    ++chosen_count_;
    if (validity_ && v != k_noop_value && !proposed_.contains(v)) {
      report("validity", t, fmt::format("slot {}: {} was chosen but never proposed", s, quote(v)),
             {fmt::format("chosen: {}", describe(b, v, who))});
    }
    if (stability_) check_stability_above(s, st, b);
    for (auto& f : listeners_) f(s, *st.first);
    return;
  }
  if (v != st.first->value) {
    if (agreement_) {
      report("agreement", t,
             fmt::format("slot {}: two different values chosen, {} and {}", s, quote(st.first->value), quote(v)),
             {fmt::format("first chosen: {}", describe(st.first->ballot, st.first->value, st.first->acceptors)),
              fmt::format("then chosen:  {}", describe(b, v, who))});
    }
    return;
  }
  if (b < st.lowest_chosen) {
    st.lowest_chosen = b;
    if (stability_) check_stability_above(s, st, b);
  }
}

void ChosenTracker::check_stability_above(Slot s, const SlotState& st, const Ballot& b) {
  for (const Tally& t : st.accepted) {
    if (!(t.ballot > b) || t.value == st.first->value) continue;
    report("stability", st.first->time_us,
           fmt::format("slot {}: {} was accepted at ballot {}, above the ballot {} at which {} is chosen", s,
                       quote(t.value), to_string(t.ballot), to_string(b), quote(st.first->value)),
           {fmt::format("chosen: {}", describe(st.first->ballot, st.first->value, st.first->acceptors)),
            fmt::format("acceptance above it: {}", describe(t.ballot, t.value, t.who))});
    return;
  }
}

void ChosenTracker::on_learn(Time_us t, NodeId n, const Learned& l) {
  if (!agreement_) return;
  const Choice* c = chosen(l.slot);
  if (!c) {
    report("agreement", t,
           fmt::format("slot {}: {} learned {}, but no value is chosen", l.slot, node_name(n), quote(l.value)),
           {"no majority of acceptors has durably accepted any (ballot, value) in this slot"});
  } else if (c->value != l.value) {
    report("agreement", t,
           fmt::format("slot {}: {} learned {}, but {} is chosen", l.slot, node_name(n), quote(l.value),
                       quote(c->value)),
           {fmt::format("chosen: {}", describe(c->ballot, c->value, c->acceptors))});
  }
}

}  // namespace paxsim::checkers
