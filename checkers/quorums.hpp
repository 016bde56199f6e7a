// `quorums`: every quorum a proposer or learner acts on is a majority of
// distinct acceptors, each of which really sent the promise or acceptance
// for that ballot (so any two quorums overlap in an acceptor that saw both).
#pragma once

#include <deque>
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
  // Per slot: (kind, ballot, acceptor) of every promise and acceptance sent.
  struct Answer {
    MsgKind kind;
    Ballot ballot;
    NodeId from;
    bool operator==(const Answer&) const = default;
  };
  std::deque<std::vector<Answer>> answered_;
  ViolationSink& sink_;
  std::uint32_t nodes_;
};

}  // namespace paxsim::checkers
