// A single-decree Paxos (Synod) node: acceptor, proposer and learner in one,
// each a separate role; this class only routes inputs to them. One slot: 0.
#include <memory>

#include "paxos/acceptor.hpp"
#include "paxos/learner.hpp"
#include "paxos/node.hpp"
#include "paxos/proposer.hpp"

namespace paxsim {

namespace {

class SynodNode final : public Node {
 public:
  SynodNode(const NodeConfig& cfg, std::span<const Record> durable) : cfg_(cfg) {
    acceptor_.recover(cfg_, durable);
    proposer_.recover(durable);
    learner_.recover(durable);
  }

  void step(const Input& in, Effects& out) override {
    switch (in.kind) {
      case Input::Kind::start:
        // Open proposals died with the old incarnation; a learner that has not
        // learned yet keeps asking its peers until it does.
        if (!learner_.decided()) learner_.arm_catchup(out);
        break;
      case Input::Kind::propose:
        if (learner_.decided()) {
          out.learned_copy(0, *learner_.decided());  // answered at once
        } else {
          proposer_.propose(cfg_, *in.value, acceptor_.promised(), out);
        }
        break;
      case Input::Kind::timer:
        if (in.timer == TimerKind::retry) {
          if (!learner_.decided()) proposer_.on_retry(cfg_, in.token, acceptor_.promised(), out);
        } else if (in.timer == TimerKind::catchup) {
          on_catchup(in.token, out);
        }
        break;
      case Input::Kind::message:
        on_message(*in.msg, out);
        break;
    }
  }

  NodeView view() const override {
    NodeView v;
    v.leads = proposer_.leads();
    v.lead_ballot = proposer_.leads() ? proposer_.ballot() : Ballot{};
    v.promised = acceptor_.promised();
    if (const Acceptance* a = acceptor_.accepted(0)) {
      v.accepted_ballot = a->ballot;
      v.accepted_value = a->value;
    }
    v.learned_slots = learner_.decided() ? 1 : 0;
    return v;
  }

  bool has_learned(Slot s) const override { return s == 0 && learner_.decided().has_value(); }
  std::optional<Value> learned(Slot s) const override {
    return s == 0 ? learner_.decided() : std::nullopt;
  }
  std::unique_ptr<Node> clone() const override { return std::make_unique<SynodNode>(*this); }
  void hash_state(StateHasher& h) const override {
    acceptor_.hash_state(h);
    proposer_.hash_state(h);
    learner_.hash_state(h);
    h.add(unanswered_catchups_);
  }

 private:
  // Each message kind has exactly one handler.
  void on_message(const Message& m, Effects& out) {
    switch (m.kind) {
      case MsgKind::prepare: acceptor_.on_prepare(cfg_, m, out); break;
      case MsgKind::accept: acceptor_.on_accept(cfg_, m, out); break;
      case MsgKind::promise: proposer_.on_promise(cfg_, m, out); break;
      case MsgKind::nack: proposer_.on_nack(cfg_, m, out); break;
      case MsgKind::accepted: on_accepted(m, out); break;
      case MsgKind::decide: decide(m.slot, m.value, m.ballot, false, out); break;
      case MsgKind::learn_request: learner_.on_learn_request(cfg_, m, out); break;
      case MsgKind::heartbeat:
      case MsgKind::client_request:
      case MsgKind::client_reply:
      case MsgKind::redirect:
      case MsgKind::lease_ack:
      case MsgKind::heartbeat_ack: break;  // not part of the synod: counted as strange input, ignored
    }
  }

  // A value may be chosen although nobody learned it: its proposer crashed,
  // or the acknowledgements were lost, and no proposer is left to retry.
  // Asking peers cannot help then, so after a few unanswered rounds of
  // asking, a node that has accepted a value drives a round itself. Phase 1
  // makes it re-propose whatever may have been chosen (our own acceptance is
  // a proposed value, so validity holds whichever value the round settles on).
  void on_catchup(std::uint64_t token, Effects& out) {
    if (learner_.decided()) return;
    if (!learner_.on_catchup(cfg_, token, out)) return;  // a stale timer
    const Acceptance* mine = acceptor_.accepted(0);
    if (++unanswered_catchups_ >= k_catchups_before_recovery && mine &&
        proposer_.phase() == Proposer::Phase::idle)
      proposer_.propose(cfg_, mine->value, acceptor_.promised(), out);
  }

  void on_accepted(const Message& m, Effects& out) {
    if (cfg_.learning == LearningMode::all_to_all) {
      if (auto v = learner_.on_accepted(cfg_, m, out)) decide(m.slot, *v, m.ballot, false, out);
    } else if (auto v = proposer_.on_accepted(cfg_, m, out)) {
      decide(m.slot, *v, m.ballot, true, out);
    }
  }

  void decide(Slot slot, const Value& v, Ballot b, bool tell_peers, Effects& out) {
    if (!learner_.learn(cfg_, slot, v, b, out)) return;
    proposer_.finish();
    if (tell_peers) learner_.broadcast_decide(cfg_, slot, out);
  }

  static constexpr std::uint32_t k_catchups_before_recovery = 2;

  NodeConfig cfg_;
  std::uint32_t unanswered_catchups_ = 0;
  Acceptor acceptor_;
  Proposer proposer_;
  Learner learner_;
};

}  // namespace

std::unique_ptr<Node> make_synod_node(const NodeConfig& cfg, std::span<const Record> durable) {
  return std::make_unique<SynodNode>(cfg, durable);
}

}  // namespace paxsim
