// `quorums`: every quorum a proposer or learner acts on is a majority of
// distinct acceptors, each of which really sent the promise or acceptance
// for that ballot (so any two quorums overlap in an acceptor that saw both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "checkers/by_slot.hpp"
#include "checkers/violation.hpp"
#include "sim/assert.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

class QuorumChecker : public sim::Observer {
 public:
  QuorumChecker(const sim::Scenario& s, ViolationSink& sink);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::send, sim::Hook::quorum);
  sim::HookSet hooks() const override { return hooks_; }
  sim::MsgKindSet sends_watched() const override {
    return sim::msg_kind_set(MsgKind::promise, MsgKind::accepted);
  }
  void on_send(Time_us, const Message& m) override {
    if (!send_in_line(m)) add_first_answer(m);
  }
  void on_quorum(Time_us t, NodeId n, const QuorumUse& q) override;

 private:
  friend class SafetyChecks;  // takes over Hook::send (safety_checks.hpp)
  // The usual send, in line: one of a kind it ignores, or an answer to add
  // to a set already there (without a call, so without saving registers).
  // False: add_first_answer(m) must follow.
  bool send_in_line(const Message& m) {
    if ((m.kind != MsgKind::promise && m.kind != MsgKind::accepted) || m.from >= nodes_) return true;
    return answer_in_line(m);
  }
  // The same for an answer (a promise or an acceptance) from a node.
  bool answer_in_line(const Message& m) {
    if (AnswerSet* a = answer_set(m.slot, m.kind, m.ballot)) {
      add_member(*a, m.from);
      return true;
    }
    return false;
  }
  // Per slot: for each (kind, ballot) answered in it, the acceptors that sent
  // that promise or acceptance, as a bit set: the first 64 nodes in the set
  // itself (every node of the usual cluster, so an answer sets a bit where
  // the set was found), any beyond in words_ - 1 words of masks_. A slot's
  // first set lies in its own entry of the table by slot (nearly always its
  // only one: the acceptances of the one ballot), so an answer finds it
  // without going through an index; any other is in sets_, in a list from
  // it. A slot costs no allocation of its own, and a test is a bit.
  static constexpr std::uint32_t k_none = 0xffffffffu;
  static constexpr MsgKind k_no_kind = static_cast<MsgKind>(0xff);  // a slot's entry with no set yet
  struct AnswerSet {
    MsgKind kind = k_no_kind;
    Ballot ballot;
    std::uint32_t next = k_none;  // the slot's next set, in sets_
    std::uint64_t low = 0;        // nodes 0 to 63
    std::size_t more = 0;         // node n >= 64: bit n % 64 of masks_[more + n / 64 - 1]
  };
  AnswerSet* answer_set(Slot s, MsgKind kind, const Ballot& b) {
    if (s >= slots_size_) return nullptr;
    // A slot's entry with no set never matches: no message is of k_no_kind.
    for (AnswerSet* a = &slots_[s];; a = &sets_[a->next]) {
      if (a->ballot == b && a->kind == kind) return a;
      if (a->next == k_none) return nullptr;
    }
  }
  bool member(const AnswerSet& a, NodeId n) const {
    return ((n < 64 ? a.low : masks_[a.more + n / 64 - 1]) >> (n % 64)) & 1;
  }
  void add_member(AnswerSet& a, NodeId n) {
    (n < 64 ? a.low : masks_[a.more + n / 64 - 1]) |= std::uint64_t{1} << (n % 64);
  }
  enum class Problem : std::uint8_t { counted_twice, not_a_majority, never_sent };
  // `arg`: not_a_majority, the count; never_sent, the acceptor.
  [[gnu::cold, gnu::noinline]] void report(Time_us t, NodeId n, const QuorumUse& q, Problem p, std::size_t arg);
  [[gnu::noinline]] void check_quorum(Time_us t, NodeId n, const QuorumUse& q);  // sorts the members; reports
  // The first answer of its kind and ballot in its slot: out of line for
  // the checker's own hook, in line where SafetyChecks takes it (already
  // out of its hook's usual path), so that it is one call, not two.
  [[gnu::noinline]] void add_first_answer(const Message& m);
  // make_first_answer's usual case, in line (it calls nothing, so it
  // saves no registers): the slot's first set, within the table, of one
  // word. False: make_first_answer must do it.
  bool first_answer_in_line(const Message& m) {
    if (m.slot >= slots_size_ || words_ != 1) return false;
    AnswerSet& first = slots_[m.slot];
    if (first.kind != k_no_kind) return false;
    first.kind = m.kind;
    first.ballot = m.ballot;
    first.more = masks_.size();
    add_member(first, m.from);
    return true;
  }
  [[gnu::always_inline]] void make_first_answer(const Message& m) {
    grow_to(slots_, m.slot + 1, slots_size_);
    AnswerSet& first = slots_[m.slot];
    AnswerSet* a = &first;
    if (first.kind != k_no_kind) {  // another (kind, ballot) in the slot: after its first
      PAXSIM_ASSERT(sets_.size() < k_none);
      a = &sets_.emplace_back(AnswerSet{m.kind, m.ballot, first.next, 0, 0});
      first.next = static_cast<std::uint32_t>(sets_.size() - 1);
    }
    a->kind = m.kind;
    a->ballot = m.ballot;
    a->more = masks_.size();
    for (std::uint32_t w = 1; w < words_; ++w) masks_.push_back(0);
    add_member(*a, m.from);
  }

  sim::HookSet hooks_ = k_hooks;
  std::vector<AnswerSet> slots_;  // by slot: its first set
  std::size_t slots_size_ = 0;    // slots_.size(), kept (see grow_to): tested on every answer
  std::vector<AnswerSet> sets_;   // the slots' other sets
  std::vector<std::uint64_t> masks_;  // empty up to 64 nodes
  ViolationSink& sink_;
  std::uint32_t nodes_;
  std::uint32_t words_;  // per set: one bit per node
};
static_assert(sim::overridden_hooks<QuorumChecker>() == QuorumChecker::k_hooks);

}  // namespace paxsim::checkers
