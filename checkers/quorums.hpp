// `quorums`: every quorum a proposer or learner acts on is a majority of
// distinct acceptors, each of which really sent the promise or acceptance
// for that ballot (so any two quorums overlap in an acceptor that saw both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "checkers/violation.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

class QuorumChecker : public sim::Observer {
 public:
  QuorumChecker(const sim::Scenario& s, ViolationSink& sink);

  sim::HookSet hooks() const override { return sim::hook_set(sim::Hook::send, sim::Hook::quorum); }
  sim::MsgKindSet sends_watched() const override {
    return sim::msg_kind_set(MsgKind::promise, MsgKind::accepted);
  }
  void on_send(Time_us t, const Message& m) override;
  void on_quorum(Time_us t, NodeId n, const QuorumUse& q) override;

 private:
  // Per slot: (kind, ballot, acceptor) of every promise and acceptance sent,
  // a list through one flat array (newest first), so a slot costs no
  // allocation of its own.
  static constexpr std::uint32_t k_none = 0xffffffffu;
  struct Answer {
    MsgKind kind;
    Ballot ballot;
    NodeId from;
    std::uint32_t next;  // the slot's next (older) answer
  };
  bool answered(Slot s, MsgKind kind, const Ballot& b, NodeId from) const;
  enum class Problem : std::uint8_t { counted_twice, not_a_majority, never_sent };
  // `arg`: not_a_majority, the count; never_sent, the acceptor.
  [[gnu::cold, gnu::noinline]] void report(Time_us t, NodeId n, const QuorumUse& q, Problem p, std::size_t arg);

  std::vector<std::uint32_t> first_answer_;  // by slot: its newest answer, or k_none
  std::vector<Answer> answers_;
  ViolationSink& sink_;
  std::uint32_t nodes_;
};

}  // namespace paxsim::checkers
