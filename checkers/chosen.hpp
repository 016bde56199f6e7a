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

#include <functional>
#include <deque>
#include <map>
#include <unordered_set>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checkers/violation.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

struct Choice {
  Ballot ballot;
  Value value;
  std::vector<NodeId> acceptors;  // the majority that accepted (ballot, value)
  Time_us time_us = 0;
};

class ChosenTracker : public sim::Observer {
 public:
  ChosenTracker(const sim::Scenario& s, ViolationSink& sink, bool agreement, bool validity, bool stability);

  sim::HookSet hooks() const override { return sim::hook_set(sim::Hook::durable, sim::Hook::learn); }
  void on_propose(Time_us, NodeId, const Value& v) override { proposed_.insert(v); }
  void on_durable(Time_us t, NodeId n, const Record& r) override;
  void on_learn(Time_us t, NodeId n, const Learned& l) override;

  // The first choice made in a slot, if any.
  const Choice* chosen(Slot s) const;
  std::uint64_t chosen_slots() const { return chosen_count_; }
  // Called once per slot, when it first becomes chosen (liveness, quiescence).
  void on_chosen(std::function<void(Slot, const Choice&)> f) { listeners_.push_back(std::move(f)); }

 private:
  // The acceptors that durably accepted (ballot, value) in a slot, ever.
  struct Tally {
    Ballot ballot;
    Value value;
    std::vector<NodeId> who;
  };
  struct SlotState {
    std::vector<Tally> accepted;     // a handful per slot: one per ballot that reached it
    std::optional<Choice> first;     // the first choice made
    Ballot lowest_chosen;            // stability: acceptances above this must carry first->value
  };
  SlotState& slot_state(Slot s) {
    if (s >= slots_.size()) slots_.resize(s + 1);
    return slots_[s];
  }
  void chose(Slot s, SlotState& st, const Ballot& b, const Value& v, const std::vector<NodeId>& who, Time_us t);
  void check_stability_above(Slot s, const SlotState& st, const Ballot& b);
  void report(const char* invariant, Time_us t, std::string message, std::vector<std::string> evidence);
  std::string describe(const Ballot& b, const Value& v, const std::vector<NodeId>& who) const;

  std::uint32_t quorum_;
  std::uint32_t nodes_;
  ViolationSink& sink_;
  bool agreement_, validity_, stability_;
  std::unordered_set<Value> proposed_;  // membership only: never iterated
  std::deque<SlotState> slots_;         // by slot; slots are dense from 0
  std::uint64_t chosen_count_ = 0;
  std::vector<std::function<void(Slot, const Choice&)>> listeners_;
};

std::string quote(const Value& v);  // a value as users read it: "A", or no-op
std::string node_list(const std::vector<NodeId>& who);  // "n1,n3,n4"

}  // namespace paxsim::checkers
