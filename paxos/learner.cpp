#include "paxos/learner.hpp"

#include <algorithm>

namespace paxsim {

void Learner::recover(std::span<const Record> durable) {
  for (const Record& r : durable)
    if (r.kind == RecordKind::decided && !decided_) {
      decided_ = r.value;
      decided_ballot_ = r.ballot;
    }
}

std::optional<Value> Learner::on_accepted(const NodeConfig& cfg, const Message& m, Effects& out) {
  if (decided_) return std::nullopt;
  const bool mixed = cfg.bugs.has(Bug::mixed_ballot_learning);
  auto& voters = tally_[{mixed ? Ballot{} : m.ballot, m.value}];
  if (!cfg.bugs.has(Bug::count_duplicate_acks) &&
      std::find(voters.begin(), voters.end(), m.from) != voters.end())
    return std::nullopt;
  voters.push_back(m.from);
  if (voters.size() < cfg.quorum()) return std::nullopt;
  out.quorum_copy(QuorumUse::Phase::accepted, m.slot, m.ballot, voters);
  tally_.clear();  // bounded: nothing more to count once decided
  return m.value;
}

bool Learner::learn(const NodeConfig& cfg, Slot slot, const Value& v, Ballot b, Effects& out) {
  (void)cfg;
  if (decided_) return false;
  decided_ = v;
  decided_ballot_ = b;
  tally_.clear();
  // Not needed for safety (a node can always learn again), so nothing waits on it.
  out.persist_new(RecordKind::decided, slot, b, v);
  out.learned_copy(slot, v);
  return true;
}

void Learner::broadcast_decide(const NodeConfig& cfg, Slot slot, Effects& out) const {
  Message d;
  d.kind = MsgKind::decide;
  d.from = cfg.self;
  d.slot = slot;
  d.ballot = decided_ballot_;
  d.value = *decided_;
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    if (n == cfg.self) continue;
    d.to = n;
    out.send_copy(d, false);
  }
}

void Learner::on_learn_request(const NodeConfig& cfg, const Message& m, Effects& out) {
  if (!decided_) return;
  Message d;
  d.kind = MsgKind::decide;
  d.from = cfg.self;
  d.to = m.from;
  d.slot = m.slot;
  d.ballot = decided_ballot_;
  d.value = *decided_;
  out.send_copy(d, false);
}

void Learner::arm_catchup(Effects& out) {
  out.timers.push_back(TimerRequest{TimerKind::catchup, ++catchup_token_, 0});
}

bool Learner::on_catchup(const NodeConfig& cfg, std::uint64_t token, Effects& out) {
  if (token != catchup_token_ || decided_) return false;
  Message q;
  q.kind = MsgKind::learn_request;
  q.from = cfg.self;
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    if (n == cfg.self) continue;
    q.to = n;
    out.send_copy(q, false);
  }
  arm_catchup(out);
  return true;
}

}  // namespace paxsim
