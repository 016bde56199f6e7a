#include "paxos/leader.hpp"

#include <algorithm>

namespace paxsim {

void Leader::recover(std::span<const Record> durable) {
  for (const Record& r : durable)
    if (r.kind == RecordKind::proposer_round) round_floor_ = std::max(round_floor_, r.ballot.round);
}

void Leader::start_election(const NodeConfig& cfg, Ballot promised, Slot from, Effects& out) {
  const std::uint64_t round = std::max(round_floor_, promised.round) + 1;
  round_floor_ = round;
  ballot_ = Ballot{round, cfg.bugs.has(Bug::round_only_ballots) ? 0u : cfg.self};
  out.persist.push_back(Record{RecordKind::proposer_round, 0, Ballot{round, cfg.self}, {}});
  role_ = Role::candidate;
  from_slot_ = from;
  promisers_.clear();
  recovered_.clear();
  in_flight_.clear();
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    Message& m = out.send_new(true);  // built in its effects slot, not copied from one on the stack
    m.kind = MsgKind::prepare;
    m.from = cfg.self;
    m.to = n;
    m.slot = from;
    m.ballot = ballot_;
  }
}

bool Leader::on_promise(const NodeConfig& cfg, const Message& m, Effects& out) {
  if (role_ != Role::candidate || m.ballot != ballot_ || m.slot != from_slot_) return false;
  if (counted(cfg, promisers_, m.from)) return false;
  promisers_.push_back(m.from);
  for (const LogEntry& e : m.entries) {
    auto [it, fresh] = recovered_.emplace(e.slot, e);
    if (!fresh && e.ballot > it->second.ballot) it->second = e;
  }
  if (promisers_.size() < cfg.quorum()) return false;
  out.quorum_copy(QuorumUse::Phase::promise, from_slot_, ballot_, promisers_);
  role_ = Role::leader;
  return true;
}

void Leader::step_down(Ballot seen) {
  round_floor_ = std::max(round_floor_, seen.round);
  if (role_ == Role::follower) return;
  role_ = Role::follower;
  in_flight_.clear();
  pending_.clear();
  queued_.clear();
  recovered_.clear();
}

void Leader::propose(const NodeConfig& cfg, Slot s, const Value& v, Effects& out) {
  Proposal& p = in_flight_.add(s);  // a reused cell: its tally keeps its buffer
  p.value = v;
  p.acceptors.clear();
  p.sent_tick = tick_;
  send_accepts(cfg, s, v, out);
}

void Leader::tick(const NodeConfig& cfg, Effects& out) {
  ++tick_;
  in_flight_.for_each([&](Slot s, Proposal& p) {
    if (tick_ - p.sent_tick < k_resend_after_ticks) return;
    p.sent_tick = tick_;
    send_accepts(cfg, s, p.value, out);
  });
}

void Leader::send_accepts(const NodeConfig& cfg, Slot s, const Value& v, Effects& out) const {
  // Each built in its effects slot: no temporary to copy from and destroy.
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    out.send_new(true, MsgKind::accept, cfg.self, n, s, ballot_, v);
  }
}

void Leader::submit_queued(const NodeConfig& cfg, const Value& command, Effects& out) {
  // The queue's size is asked only when it holds any: a deque's size is a
  // sum over its blocks, and the queue is usually empty.
  if ((!pending_.empty() && pending_.size() >= k_max_pending) || !queued_.insert(command)) return;
  // Nothing queued before it and room in the window: proposed at once, as
  // fill would, without a trip through the queue.
  if (pending_.empty() && in_flight_.size() < cfg.window) {
    propose(cfg, next_slot_++, command, out);
    return;
  }
  pending_.push_back(command);
  fill_window(cfg, out);
}

void Leader::fill(const NodeConfig& cfg, Effects& out) {
  while (role_ == Role::leader && in_flight_.size() < cfg.window && !pending_.empty()) {
    propose(cfg, next_slot_++, pending_.front(), out);
    pending_.pop_front();
  }
}

void Leader::accepted_by_quorum(Slot s, const Proposal& p, Effects& out) const {
  out.quorum_copy(QuorumUse::Phase::accepted, s, ballot_, p.acceptors.ids());
}

void Leader::settle(Slot s) {
  const Proposal* p = in_flight_.find(s);
  if (!p) return;
  // Out of the window first, while its place is still at hand (after the
  // queue's erase, an out-of-line call at times, it would be looked up
  // again). The proposal keeps its storage, its value too, until a later
  // slot takes the place: p stays good for the queue's erase.
  in_flight_.erase(s);
  queued_.erase(p->value);
}

}  // namespace paxsim
