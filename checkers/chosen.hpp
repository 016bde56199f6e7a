// The omniscient observer of what is chosen, independent of what learners
// claim: a value v is chosen in a slot once, for some ballot b, a majority of
// acceptors have at some time durably accepted (b, v). It remembers every
// durable acceptance ever made, so a slot stays chosen when those acceptors
// later accept higher ballots, crash, or restart.
//
// It checks three invariants, each incrementally (work per step is bounded by
// the number of acceptors, not by the length of the run):
//   agreement: per slot, every chosen (b, v) has the same v, and every value
//              a learner learns is that slot's chosen value;
//   validity:  only proposed values (or no-ops) are chosen;
//   stability: once (b, v) is chosen, every durable acceptance in that slot
//              with a ballot above b carries v (Paxos's P2).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "checkers/by_slot.hpp"
#include "checkers/value_set.hpp"
#include "checkers/violation.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

// The first choice made in a slot, as a copy (for tests and reports).
struct Choice {
  Ballot ballot;
  Value value;
  std::vector<NodeId> acceptors;  // the majority that accepted (ballot, value), in the order they did
  Time_us time_us = 0;
};

class ChosenTracker : public sim::Observer {
 public:
  ChosenTracker(const sim::Scenario& s, ViolationSink& sink, bool agreement, bool validity, bool stability);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::durable, sim::Hook::learn, sim::Hook::propose);
  sim::HookSet hooks() const override { return hooks_; }
  sim::RecordKindSet durables_watched() const override { return sim::record_kind_set(RecordKind::accept); }
  void on_propose(Time_us, NodeId, const Value& v) override { proposed_.insert(v); }
  void on_durable(Time_us t, NodeId n, const Record& r) override {
    if (r.kind == RecordKind::accept) on_accept(t, n, r);
  }
  void on_learn(Time_us t, NodeId n, const Learned& l) override;

  // The value chosen in a slot, if any (valid until the next observation).
  const Value* chosen(Slot s) const {
    return s < slots_size_ && slots_[s].chosen != k_none ? &chosen_value(slots_[s]) : nullptr;
  }
  std::optional<Choice> choice(Slot s) const;
  std::uint64_t chosen_slots() const { return chosen_count_; }
  // Called once per slot, when it first becomes chosen, with the time it did
  // (liveness).
  void on_chosen(std::function<void(Slot, Time_us)> f) { listeners_.push_back(std::move(f)); }

 private:
  friend class SafetyChecks;  // takes over Hook::durable (safety_checks.hpp)
  static constexpr std::uint32_t k_none = 0xffffffffu;
  // The acceptors that durably accepted (ballot, value) in a slot, ever: they
  // are who_[first_who .. first_who + who_count), in the order they accepted.
  // Each tally owns `nodes_` entries of who_ (an acceptor counts once), so
  // the tallies of all slots share flat arrays and a slot costs no
  // allocation of its own. `seen` has the bit of each acceptor below 64
  // counted, so that the test on every acceptance is a bit, not a search.
  struct Tally {
    Ballot ballot;
    Value value;
    std::uint32_t next = k_none;  // the slot's next tally, in order of first acceptance
    std::uint32_t who_count = 0;
    std::size_t first_who = 0;
    std::uint64_t seen = 0;
  };
  // A slot's first tally (nearly always its only one: the acceptances of
  // the one ballot) lies in the slot's own state, so an acceptance finds it
  // without going through an index, and the first acceptance in a slot
  // pushes nothing; any other is in tallies_, in a list from it. A tally is
  // named by its number in tallies_, or k_in_slot for the slot's own.
  static constexpr std::uint32_t k_in_slot = k_none - 1;
  // The first choice made in a slot is its tally that first reached a
  // quorum: its ballot and value, and the first quorum_ acceptors it counted
  // (those it counts later come after them). So a slot keeps that tally's
  // name, not a copy of its acceptors or of its value (a tally is never
  // dropped, so its value, which every learn and acceptance in the slot is
  // compared with, stays in it).
  struct SlotState {
    // Not value-initialised as a table grows (which would zero the whole
    // state before setting the fields below).
    SlotState() {}
    Tally first;                         // none while its who_count is 0 (a tally counts its first acceptor at once)
    std::uint32_t last_tally = k_none;   // the last in tallies_ (k_none: `first` is the slot's only one)
    std::uint32_t chosen = k_none;       // the first choice's tally
    Ballot lowest_chosen;                // stability: acceptances above this must carry the chosen value
    Time_us chosen_us = 0;               // when it was chosen
  };
  Tally& tally_at(SlotState& st, std::uint32_t t) { return t == k_in_slot ? st.first : tallies_[t]; }
  const Tally& tally_at(const SlotState& st, std::uint32_t t) const { return t == k_in_slot ? st.first : tallies_[t]; }
  // The value chosen in a chosen slot: its first choice's.
  const Value& chosen_value(const SlotState& st) const { return tally_at(st, st.chosen).value; }
  // The slot's tallies, in order of first acceptance: the first, or k_none.
  static std::uint32_t first_tally(const SlotState& st) { return st.first.who_count != 0 ? k_in_slot : k_none; }
  std::span<const NodeId> who(const Tally& t) const { return {who_.data() + t.first_who, t.who_count}; }
  // The majority that made the tally a choice, in the order they accepted.
  std::span<const NodeId> choosers(const Tally& t) const { return who(t).first(quorum_); }
  // The tally of (b, v) in the slot, added if new.
  std::uint32_t tally_of(SlotState& st, const Ballot& b, const Value& v) {
    for (std::uint32_t i = first_tally(st); i != k_none; i = tally_at(st, i).next)
      if (tally_at(st, i).ballot == b && tally_at(st, i).value == v) return i;
    return add_tally(st, b, v);
  }
  [[gnu::noinline]] void on_accept(Time_us t, NodeId n, const Record& r);
  [[gnu::noinline]] void accept_slow(Time_us t, NodeId n, const Record& r);
  // The slot's first acceptance (n below 64, a quorum above one): its first tally started.
  [[gnu::noinline]] void first_acceptance(SlotState& st, NodeId n, const Record& r);
  [[gnu::always_inline]] std::uint32_t add_tally(SlotState& st, const Ballot& b, const Value& v);  // in accept_slow
  // A new tally's run of nodes_ entries in who_: where it starts.
  [[gnu::always_inline]] std::size_t take_who_run();
  // Starts the slot's first tally, in place (add_tally's usual case, and
  // on_accept's in line): its count and bits are still unset, and its value
  // handle is empty (nothing to release), so the value is made there.
  [[gnu::always_inline]] void start_first_tally(SlotState& st, const Ballot& b, const Value& v);
  void chose(Slot s, SlotState& st, std::uint32_t chosen, Time_us t);
  // chose's other cases, out of line: a first choice to check in full (a
  // value not found by its handle, other tallies in the slot), the
  // listeners, and a slot chosen again.
  [[gnu::noinline]] void first_choice_checks(Slot s, const SlotState& st, Time_us t);
  [[gnu::noinline]] void notify_chosen(Slot s, Time_us t);
  [[gnu::noinline]] void chose_again(Slot s, SlotState& st, std::uint32_t chosen, Time_us t);
  void check_stability_above(Slot s, const SlotState& st, const Ballot& b);
  [[gnu::cold, gnu::noinline]] void report_late_acceptance(Time_us t, NodeId n, const Record& r, const SlotState& st);
  [[gnu::cold, gnu::noinline]] void report_unproposed(Slot s, const Tally& tally, Time_us t);
  [[gnu::cold, gnu::noinline]] void report_second_value(Slot s, const SlotState& st, const Tally& tally, Time_us t);
  [[gnu::cold, gnu::noinline]] void report_accepted_above(Slot s, const SlotState& st, const Tally& t, const Ballot& b);
  [[gnu::noinline]] void check_learned(Time_us t, NodeId n, const Learned& l);
  [[gnu::cold, gnu::noinline]] void report_learned(Time_us t, NodeId n, const Learned& l);
  void report(const char* invariant, Time_us t, std::string message, std::vector<std::string> evidence);
  std::string describe(const Ballot& b, const Value& v, std::span<const NodeId> who) const;

  sim::HookSet hooks_ = k_hooks;
  std::uint32_t quorum_;
  std::uint32_t nodes_;
  ViolationSink& sink_;
  bool agreement_, validity_, stability_;
  ValueSet proposed_;               // membership only: never iterated
  std::vector<SlotState> slots_;    // by slot; slots are dense from 0
  std::size_t slots_size_ = 0;      // slots_.size(), kept (see grow_to): tested on every acceptance and learn
  std::vector<Tally> tallies_;      // the slots' other tallies, linked per slot
  // nodes_ entries per tally, those not yet counted unset: never read, so
  // not zeroed as the table grows.
  std::vector<NodeId, DefaultInitAllocator<NodeId>> who_;
  std::size_t who_size_ = 0;        // who_.size(), kept (see grow_to)
  std::size_t who_used_ = 0;        // the entries the tallies own
  std::uint64_t chosen_count_ = 0;
  std::vector<std::function<void(Slot, Time_us)>> listeners_;
};
static_assert(sim::overridden_hooks<ChosenTracker>() == ChosenTracker::k_hooks);

std::string quote(const Value& v);  // a value as users read it: "A", or no-op
std::string node_list(std::span<const NodeId> who);  // "n1,n3,n4"

}  // namespace paxsim::checkers
