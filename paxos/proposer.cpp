#include "paxos/proposer.hpp"

#include <algorithm>

namespace paxsim {

// Retry tokens live in their own number space per node; the node's timers of
// other kinds use other tokens, and a stale token is simply ignored.
void Proposer::recover(std::span<const Record> durable) {
  for (const Record& r : durable)
    if (r.kind == RecordKind::proposer_round) round_floor_ = std::max(round_floor_, r.ballot.round);
}

bool Proposer::counted(const NodeConfig& cfg, const std::vector<NodeId>& voters, NodeId n) {
  if (cfg.bugs.has(Bug::count_duplicate_acks)) return false;
  return std::find(voters.begin(), voters.end(), n) != voters.end();
}

void Proposer::arm_retry(Effects& out, std::uint32_t backoff) {
  out.timers.push_back(TimerRequest{TimerKind::retry, ++retry_token_, backoff});
}

void Proposer::propose(const NodeConfig& cfg, const Value& v, Ballot promised, Effects& out) {
  if (phase_ == Phase::done) return;
  if (!own_value_) own_value_ = v;
  if (phase_ == Phase::idle) new_round(cfg, promised, out);
}

void Proposer::new_round(const NodeConfig& cfg, Ballot promised, Effects& out) {
  // A round above everything this node used (durably) or saw, so a restarted
  // proposer never reuses a ballot with a different value.
  const std::uint64_t round = std::max({round_floor_, highest_seen_, promised.round}) + 1;
  round_floor_ = round;
  ballot_ = Ballot{round, cfg.bugs.has(Bug::round_only_ballots) ? 0u : cfg.self};
  out.persist.push_back(Record{RecordKind::proposer_round, 0, Ballot{round, cfg.self}, {}});
  phase_ = Phase::preparing;
  won_phase1_ = false;
  promisers_.clear();
  best_ballot_ = Ballot{};
  best_value_.reset();
  first_value_.reset();
  acceptors_.clear();

  Message m;
  m.kind = MsgKind::prepare;
  m.from = cfg.self;
  m.ballot = ballot_;
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    m.to = n;
    out.send_copy(m, true);
  }
  // The round's timeout; on expiry the next round starts.
  arm_retry(out, failures_);
}

void Proposer::on_promise(const NodeConfig& cfg, const Message& m, Effects& out) {
  if (phase_ != Phase::preparing || m.ballot != ballot_) return;
  if (counted(cfg, promisers_, m.from)) return;  // a duplicate promise counts once
  promisers_.push_back(m.from);
  if (!m.accepted_ballot.is_null()) {
    if (!first_value_ && cfg.bugs.has(Bug::first_promise_value)) first_value_ = m.value;
    if (m.accepted_ballot > best_ballot_) {
      best_ballot_ = m.accepted_ballot;
      best_value_ = m.value;
    }
  }
  if (promisers_.size() < cfg.quorum()) return;

  // P2c: propose the value of the highest-ballot acceptance among the
  // promises, or our own value when none of the quorum accepted anything.
  if (cfg.bugs.has(Bug::ignore_promised_value)) {
    proposal_ = *own_value_;
  } else if (cfg.bugs.has(Bug::first_promise_value)) {
    proposal_ = first_value_ ? *first_value_ : *own_value_;
  } else {
    proposal_ = best_value_ ? *best_value_ : *own_value_;
  }
  out.quorum_copy(QuorumUse::Phase::promise, m.slot, ballot_, promisers_);
  phase_ = Phase::accepting;
  won_phase1_ = true;

  Message a;
  a.kind = MsgKind::accept;
  a.from = cfg.self;
  a.slot = m.slot;
  a.ballot = ballot_;
  a.value = proposal_;
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    a.to = n;
    out.send_copy(a, true);
  }
}

std::optional<Value> Proposer::on_accepted(const NodeConfig& cfg, const Message& m, Effects& out) {
  if (phase_ != Phase::accepting || m.ballot != ballot_ || m.value != proposal_) return std::nullopt;
  if (counted(cfg, acceptors_, m.from)) return std::nullopt;
  acceptors_.push_back(m.from);
  if (acceptors_.size() < cfg.quorum()) return std::nullopt;
  out.quorum_copy(QuorumUse::Phase::accepted, m.slot, ballot_, acceptors_);
  phase_ = Phase::done;
  return proposal_;
}

void Proposer::on_nack(const NodeConfig& cfg, const Message& m, Effects& out) {
  (void)cfg;
  highest_seen_ = std::max(highest_seen_, m.ballot.round);
  if ((phase_ != Phase::preparing && phase_ != Phase::accepting) || !(m.ballot > ballot_)) return;
  // Preempted: back off before trying again, longer after each failure.
  phase_ = Phase::backing_off;
  ++failures_;
  arm_retry(out, failures_);
}

void Proposer::on_retry(const NodeConfig& cfg, std::uint64_t token, Ballot promised, Effects& out) {
  if (token != retry_token_ || phase_ == Phase::done || phase_ == Phase::idle) return;
  if (phase_ == Phase::preparing || phase_ == Phase::accepting) ++failures_;  // the round timed out
  new_round(cfg, promised, out);
}

}  // namespace paxsim
