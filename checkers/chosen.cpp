#include "checkers/chosen.hpp"

#include <algorithm>
#include <memory>
#include <fmt/format.h>

#include "checkers/by_slot.hpp"
#include "paxos/kv.hpp"
#include "sim/assert.hpp"

namespace paxsim::checkers {

std::string quote(const Value& v) {
  if (v == k_noop_value) return "no-op";
  if (auto c = decode(v)) {
    std::string args = c->op == KvOpKind::get ? c->key : fmt::format("{}, {}", c->key, c->value);
    return fmt::format("c{}#{}:{}({})", c->client + 1, c->request, to_string(c->op), args);
  }
  return fmt::format("\"{}\"", v);
}

std::string node_list(std::span<const NodeId> who) {
  std::string s;
  for (NodeId n : who) {
    if (!s.empty()) s += ',';
    s += node_name(n);
  }
  return s;
}

static std::string names(std::span<const NodeId> who) { return fmt::format("{{{}}}", node_list(who)); }

ChosenTracker::ChosenTracker(const sim::Scenario& s, ViolationSink& sink, bool agreement, bool validity,
                             bool stability)
    : quorum_(s.nodes / 2 + 1), nodes_(s.nodes), sink_(sink), agreement_(agreement), validity_(validity), stability_(stability) {
  // A tally per slot, nearly always: one ballot reaches it.
  const std::size_t slots = expected_slots(s);
  slots_.reserve(slots);
  who_.reserve(slots * nodes_);
  proposed_.reserve(slots);  // a command per slot
}

std::optional<Choice> ChosenTracker::choice(Slot s) const {
  if (!chosen(s)) return std::nullopt;
  const SlotState& st = slots_[s];
  const Tally& first = tally_at(st, st.chosen);
  const std::span<const NodeId> who = choosers(first);
  return Choice{first.ballot, first.value, std::vector<NodeId>(who.begin(), who.end()), st.chosen_us};
}

std::string ChosenTracker::describe(const Ballot& b, const Value& v, std::span<const NodeId> who) const {
  return fmt::format("{} at ballot {} by {}", quote(v), to_string(b), names(who));
}

void ChosenTracker::report(const char* invariant, Time_us t, std::string message, std::vector<std::string> evidence) {
  sink_.report(Violation{invariant, step_index(), t, std::move(message), std::move(evidence)});
}

inline std::size_t ChosenTracker::take_who_run() {
  const std::size_t first_who = who_used_;
  who_used_ += nodes_;  // entries only written as acceptors are counted: nothing to fill
  grow_to(who_, who_used_, who_size_);
  return first_who;
}

inline void ChosenTracker::start_first_tally(SlotState& st, const Ballot& b, const Value& v) {
  st.first.first_who = take_who_run();
  st.first.ballot = b;
  std::construct_at(&st.first.value, v);
}

inline std::uint32_t ChosenTracker::add_tally(SlotState& st, const Ballot& b, const Value& v) {
  if (st.first.who_count == 0) {
    start_first_tally(st, b, v);
    return k_in_slot;
  }
  const std::size_t first_who = take_who_run();
  PAXSIM_ASSERT(tallies_.size() < k_in_slot);
  const auto i = static_cast<std::uint32_t>(tallies_.size());
  tallies_.push_back(Tally{b, v, k_none, 0, first_who});
  (st.last_tally == k_none ? st.first.next : tallies_[st.last_tally].next) = i;
  st.last_tally = i;
  return i;
}

void ChosenTracker::on_accept(Time_us t, NodeId n, const Record& r) {
  // The usual acceptance: one more acceptor (an id below 64) for the slot's
  // first tally, of the very same handle, with no other choice in the slot
  // to compare it with; or the slot's first acceptance, which starts that tally. It
  // calls nothing but chose, last, so it saves no registers; the slot's
  // first acceptance, which may grow who_, goes to first_acceptance, and
  // anything else (another tally too) to accept_slow, which does it all.
  if (r.slot < slots_size_ && n < 64) {
    SlotState& st = slots_[r.slot];
    Tally& tally = st.first;
    const std::uint64_t bit = std::uint64_t{1} << n;
    if (tally.ballot == r.ballot && tally.value.same_text(r.value) && tally.who_count != 0) {
      if (tally.seen & bit) return;
      // Nothing to compare with when the slot is not chosen, or this tally
      // is the choice (its value is the chosen one, by this very handle):
      // the usual slot's later acceptances. Another choice: accept_slow.
      if (st.chosen == k_none || st.chosen == k_in_slot || !stability_) {
        tally.seen |= bit;
        PAXSIM_ASSERT(tally.who_count < nodes_);
        who_[tally.first_who + tally.who_count++] = n;
        if (tally.who_count == quorum_) chose(r.slot, st, k_in_slot, t);
        return;
      }
    } else if (tally.who_count == 0 && quorum_ > 1) {
      return first_acceptance(st, n, r);
    }
  }
  accept_slow(t, n, r);
}

void ChosenTracker::first_acceptance(SlotState& st, NodeId n, const Record& r) {
  // What accept_slow does then: no other tally, nothing chosen, no quorum yet.
  Tally& tally = st.first;
  start_first_tally(st, r.ballot, r.value);
  tally.seen = std::uint64_t{1} << n;
  who_[tally.first_who] = n;
  tally.who_count = 1;
}

void ChosenTracker::accept_slow(Time_us t, NodeId n, const Record& r) {
  grow_to(slots_, r.slot + 1, slots_size_);
  SlotState& st = slots_[r.slot];
  const std::uint32_t i = tally_of(st, r.ballot, r.value);
  Tally& tally = tally_at(st, i);
  if (n < 64) {
    const std::uint64_t bit = std::uint64_t{1} << n;
    if (tally.seen & bit) return;
    tally.seen |= bit;
  } else {
    const std::span<const NodeId> before = who(tally);
    if (std::find(before.begin(), before.end(), n) != before.end()) return;
  }
  PAXSIM_ASSERT(tally.who_count < nodes_);
  who_[tally.first_who + tally.who_count++] = n;

  // Stability against what is already chosen: an acceptance above the chosen
  // ballot with another value breaks P2 (it may become chosen later).
  if (stability_ && st.chosen != k_none && r.ballot > st.lowest_chosen && r.value != chosen_value(st))
    report_late_acceptance(t, n, r, st);
  if (tally.who_count == quorum_) chose(r.slot, st, i, t);
}

void ChosenTracker::chose(Slot s, SlotState& st, std::uint32_t chosen, Time_us t) {
  if (st.chosen != k_none) return chose_again(s, st, chosen, t);
  const Tally& tally = tally_at(st, chosen);
  st.chosen = chosen;
  st.chosen_us = t;
  st.lowest_chosen = tally.ballot;
  ++chosen_count_;
  // The usual first choice, without a call (so without saving registers):
  // the very handle proposed, and the slot's one tally (which carries the
  // value). Anything else is checked out of line, in full.
  if ((validity_ && !proposed_.contains_handle(tally.value)) || (stability_ && st.last_tally != k_none))
    return first_choice_checks(s, st, t);
  if (!listeners_.empty()) notify_chosen(s, t);
}

void ChosenTracker::first_choice_checks(Slot s, const SlotState& st, Time_us t) {
  const Tally& tally = tally_at(st, st.chosen);
  const Value& v = tally.value;
  if (validity_ && v != k_noop_value && !proposed_.contains(v)) report_unproposed(s, tally, t);
  if (stability_ && st.last_tally != k_none) check_stability_above(s, st, tally.ballot);
  notify_chosen(s, t);
}

void ChosenTracker::notify_chosen(Slot s, Time_us t) {
  for (auto& f : listeners_) f(s, t);
}

void ChosenTracker::chose_again(Slot s, SlotState& st, std::uint32_t chosen, Time_us t) {
  const Tally& tally = tally_at(st, chosen);
  const Ballot& b = tally.ballot;
  const Value& v = tally.value;
  if (v != chosen_value(st)) {
    if (agreement_) report_second_value(s, st, tally, t);
    return;
  }
  if (b < st.lowest_chosen) {
    st.lowest_chosen = b;
    if (stability_) check_stability_above(s, st, b);
  }
}

void ChosenTracker::check_stability_above(Slot s, const SlotState& st, const Ballot& b) {
  for (std::uint32_t i = first_tally(st); i != k_none; i = tally_at(st, i).next) {
    const Tally& t = tally_at(st, i);
    if (!(t.ballot > b) || t.value == chosen_value(st)) continue;
    report_accepted_above(s, st, t, b);
    return;
  }
}

void ChosenTracker::on_learn(Time_us t, NodeId n, const Learned& l) {
  if (!agreement_) return;
  const Value* c = chosen(l.slot);
  // The usual case, the very handle chosen, without a call (so without
  // saving registers); anything else compares the texts out of line.
  if (c && c->same_text(l.value)) return;
  check_learned(t, n, l);
}

void ChosenTracker::check_learned(Time_us t, NodeId n, const Learned& l) {
  const Value* c = chosen(l.slot);
  if (!c || *c != l.value) report_learned(t, n, l);
}

// ---------------------------------------------------------------- reports
// Out of line, so that the checks above, on every acceptance and learn, stay
// small.

void ChosenTracker::report_late_acceptance(Time_us t, NodeId n, const Record& r, const SlotState& st) {
  const Tally& first = tally_at(st, st.chosen);
  report("stability", t,
         fmt::format("slot {}: {} durably accepted {} at ballot {} after {} was chosen",
                     r.slot, node_name(n), quote(r.value), to_string(r.ballot), quote(first.value)),
         {fmt::format("chosen: {}", describe(first.ballot, first.value, choosers(first))),
          fmt::format("later acceptance: {} at ballot {} by {}", quote(r.value), to_string(r.ballot), node_name(n))});
}

void ChosenTracker::report_unproposed(Slot s, const Tally& tally, Time_us t) {
  report("validity", t, fmt::format("slot {}: {} was chosen but never proposed", s, quote(tally.value)),
         {fmt::format("chosen: {}", describe(tally.ballot, tally.value, who(tally)))});
}

void ChosenTracker::report_second_value(Slot s, const SlotState& st, const Tally& tally, Time_us t) {
  const Tally& first = tally_at(st, st.chosen);
  report("agreement", t,
         fmt::format("slot {}: two different values chosen, {} and {}", s, quote(first.value), quote(tally.value)),
         {fmt::format("first chosen: {}", describe(first.ballot, first.value, choosers(first))),
          fmt::format("then chosen:  {}", describe(tally.ballot, tally.value, who(tally)))});
}

void ChosenTracker::report_accepted_above(Slot s, const SlotState& st, const Tally& t, const Ballot& b) {
  const Tally& first = tally_at(st, st.chosen);
  report("stability", st.chosen_us,
         fmt::format("slot {}: {} was accepted at ballot {}, above the ballot {} at which {} is chosen", s,
                     quote(t.value), to_string(t.ballot), to_string(b), quote(first.value)),
         {fmt::format("chosen: {}", describe(first.ballot, first.value, choosers(first))),
          fmt::format("acceptance above it: {}", describe(t.ballot, t.value, who(t)))});
}

void ChosenTracker::report_learned(Time_us t, NodeId n, const Learned& l) {
  if (!chosen(l.slot)) {
    report("agreement", t,
           fmt::format("slot {}: {} learned {}, but no value is chosen", l.slot, node_name(n), quote(l.value)),
           {"no majority of acceptors has durably accepted any (ballot, value) in this slot"});
  } else {
    const Tally& first = tally_at(slots_[l.slot], slots_[l.slot].chosen);
    report("agreement", t,
           fmt::format("slot {}: {} learned {}, but {} is chosen", l.slot, node_name(n), quote(l.value),
                       quote(first.value)),
           {fmt::format("chosen: {}", describe(first.ballot, first.value, choosers(first)))});
  }
}

}  // namespace paxsim::checkers
