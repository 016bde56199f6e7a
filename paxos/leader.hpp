// The leader role of Multi-Paxos: elections (phase 1 once, for every slot from
// the commit point on), recovery of what a previous leader may have had
// chosen, and phase 2 for each new command, with at most `window` slots in
// flight. A leader steps down as soon as it sees a higher ballot.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "paxos/accept_tally.hpp"
#include "paxos/command_set.hpp"
#include "paxos/effects.hpp"
#include "paxos/node.hpp"
#include "paxos/slot_window.hpp"

namespace paxsim {

class Leader {
 public:
  enum class Role : std::uint8_t { follower, candidate, leader };
  // Commands waiting for a slot; beyond this a leader drops new ones (the
  // clients retry after their timeout).
  static constexpr std::size_t k_max_pending = 4096;

  void recover(std::span<const Record> durable);

  // Phase 1 for every slot from `from` on, with a ballot above all we know.
  void start_election(const NodeConfig& cfg, Ballot promised, Slot from, Effects& out);
  // Returns true when this promise completes a quorum: we lead. Then
  // `recovered()` holds the highest-ballot acceptance per slot seen.
  bool on_promise(const NodeConfig& cfg, const Message& m, Effects& out);
  // Decide mode: true once a quorum accepted the slot's value, which is
  // m.value's text (so the caller decides m.value: no copy of the handle is
  // made and dropped). Inline: every acknowledgement asks, and most only add
  // a vote or come late; the quorum is reported out of line.
  bool on_accepted(const NodeConfig& cfg, const Message& m, Effects& out) {
    if (role_ != Role::leader || m.ballot != ballot_) return false;
    return count_accepted(cfg, m, out);
  }
  // on_accepted for a caller that found us leading under m.ballot itself.
  bool count_accepted(const NodeConfig& cfg, const Message& m, Effects& out) {
    Proposal* p = proposal(m.slot);
    return p && count_accepted(cfg, *p, m, out);
  }
  // A slot's proposal in flight (proposed by us and not yet settled).
  struct Proposal {
    Value value;
    AcceptTally::Voters acceptors;  // the first five inline, so that counting one calls nothing
    std::uint64_t sent_tick = 0;
  };
  // Slot `s`'s proposal in flight, or null: an acknowledgement for any
  // other slot comes late (the slot was settled) and counts for nothing.
  Proposal* proposal(Slot s) { return in_flight_.find(s); }
  // count_accepted's usual case, without a call: an acknowledgement that
  // carries the proposal's own value handle, from a voter not counted yet,
  // that leaves the tally short of a quorum (and fits inline). Then counts
  // it and returns true. Otherwise changes nothing and returns false:
  // count_accepted decides (a repeated voter too, which the
  // count-duplicate-acks bug counts). `quorum` is cfg.quorum(), which the
  // caller keeps rather than work out (a test of the bugs) per acknowledgement.
  static bool add_vote(std::uint32_t quorum, Proposal& p, const Message& m) {
    if (!p.value.same_text(m.value) || p.acceptors.size() + 1 >= quorum) return false;
    return p.acceptors.push_back_new_inline(m.from);
  }
  // count_accepted for a caller that found m.slot's proposal `p` itself.
  bool count_accepted(const NodeConfig& cfg, Proposal& p, const Message& m, Effects& out) {
    if (p.value != m.value) return false;
    if (counted(cfg, p.acceptors, m.from)) return false;
    p.acceptors.push_back(m.from);
    if (p.acceptors.size() < cfg.quorum()) return false;
    accepted_by_quorum(m.slot, p, out);
    return true;
  }
  void step_down(Ballot seen);
  // A higher ballot seen while staying in office: the next election starts above it.
  void saw(Ballot seen) { round_floor_ = std::max(round_floor_, seen.round); }

  // Leader only: re-proposes the recovered slots from `from_slot()` up, fills
  // the holes with no-ops, then opens new slots from `next_free` on.
  // `decided(s)` tells which slots this node already knows are chosen.
  template <class Decided>
  void take_office(const NodeConfig& cfg, Slot next_free, Decided decided, Effects& out);
  // Queues a command (ignores one already queued or in flight) and proposes
  // as many queued commands as the window allows.
  // In line for the usual command, proposed at once (see submit_queued).
  void submit(const NodeConfig& cfg, const Value& command, Effects& out) {
    if (role_ != Role::leader) return;
    if (pending_.empty() && in_flight_.size() < cfg.window && queued_.insert_in_cell(command))
      return propose(cfg, next_slot_++, command, out);
    submit_queued(cfg, command, out);
  }
  // Proposes queued commands while the window has room. Inline for the
  // usual case after each learned slot: nothing queued (or not leading).
  void fill_window(const NodeConfig& cfg, Effects& out) {
    if (role_ == Role::leader && !pending_.empty()) fill(cfg, out);
  }
  // A slot was decided (by us or anyone): it no longer occupies the window.
  // Inline for followers, whose window is empty: every node learns every
  // slot, and only the leader has one to settle.
  void settled(Slot s) {
    if (!in_flight_.empty()) settle(s);
  }
  // Called once per heartbeat: phase 2 messages get lost too, so accepts
  // still unanswered after k_resend_after_ticks heartbeats go out again.
  void tick(const NodeConfig& cfg, Effects& out);
  static constexpr std::uint32_t k_resend_after_ticks = 2;

  Role role() const { return role_; }
  void hash_state(StateHasher& h) const {
    h.add(static_cast<std::uint64_t>(role_));
    h.add(ballot_);
    h.add(round_floor_);
    h.add(from_slot_);
    h.add(next_slot_);
    // The tick counter matters only through each proposal's age in ticks,
    // and only up to k_resend_after_ticks: that is the canonical form.
    if (!h.canonical()) h.add(tick_);
    h.add_voters(promisers_);
    for (const auto& [s, e] : recovered_) {
      h.add(s);
      h.add(e.ballot);
      h.add_bytes(e.value);
    }
    in_flight_.for_each([&](Slot s, const Proposal& p) {
      h.add(s);
      h.add_bytes(p.value);
      h.add(h.canonical() ? std::min<std::uint64_t>(tick_ - p.sent_tick, k_resend_after_ticks) : p.sent_tick);
      h.add_voters(p.acceptors.ids());
    });
    for (const Value& v : pending_) h.add_bytes(v);
  }
  Ballot ballot() const { return ballot_; }
  Slot from_slot() const { return from_slot_; }
  Slot next_slot() const { return next_slot_; }  // the next slot a new command gets
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  void propose(const NodeConfig& cfg, Slot s, const Value& v, Effects& out);
  void settle(Slot s);
  void fill(const NodeConfig& cfg, Effects& out);
  // True if `n` is among `voters` already (its vote counts once). Inline:
  // the leader asks once per acknowledgement.
  bool counted(const NodeConfig& cfg, const std::vector<NodeId>& voters, NodeId n) const {
    if (cfg.bugs.has(Bug::count_duplicate_acks)) return false;
    return std::find(voters.begin(), voters.end(), n) != voters.end();
  }
  bool counted(const NodeConfig& cfg, const AcceptTally::Voters& voters, NodeId n) const {
    return !cfg.bugs.has(Bug::count_duplicate_acks) && voters.contains(n);
  }

  // submit's other cases: a command already queued or in flight, a queue
  // not empty, a full window.
  void submit_queued(const NodeConfig& cfg, const Value& command, Effects& out);
  void send_accepts(const NodeConfig& cfg, Slot s, const Value& v, Effects& out) const;
  // Reports the quorum that accepted `p` (in slot `s`).
  [[gnu::noinline]] void accepted_by_quorum(Slot s, const Proposal& p, Effects& out) const;

  Role role_ = Role::follower;
  Ballot ballot_;
  std::uint64_t round_floor_ = 0;  // durable: every round we used is <= this
  Slot from_slot_ = 0;
  Slot next_slot_ = 0;
  std::uint64_t tick_ = 0;
  std::vector<NodeId> promisers_;
  std::map<Slot, LogEntry> recovered_;  // highest-ballot acceptance per slot among the promises
  SlotWindow<Proposal> in_flight_;      // proposed in increasing slot order, settled in any
  std::deque<Value> pending_;
  // Pending or in flight, to drop duplicates of a retried request.
  CommandSet queued_;
};

template <class Decided>
void Leader::take_office(const NodeConfig& cfg, Slot next_free, Decided decided, Effects& out) {
  Slot top = from_slot_;
  if (!cfg.bugs.has(Bug::no_recovery_above_commit)) {
    for (const auto& [s, e] : recovered_) {
      top = std::max(top, s + 1);
    }
    // Every slot from the commit point to the highest acceptance seen gets a
    // value: the highest-ballot one accepted there (it may be chosen), or a
    // no-op where the quorum accepted nothing (then nothing was chosen there).
    for (Slot s = from_slot_; s < top; ++s) {
      if (decided(s)) continue;
      auto it = recovered_.find(s);
      const bool have = it != recovered_.end();
      propose(cfg, s, have && !cfg.bugs.has(Bug::noop_over_accepted) ? it->second.value : k_noop_value, out);
    }
    next_slot_ = std::max(top, next_free);
  } else {
    next_slot_ = from_slot_;  // the bug: new commands go over slots that may hold chosen values
  }
  recovered_.clear();
  fill_window(cfg, out);
}

}  // namespace paxsim
