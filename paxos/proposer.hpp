// The proposer role of single-decree Paxos: phase 1 (prepare/promise) to learn
// what may already be chosen, phase 2 (accept/accepted) to get one value
// accepted by a majority. Dueling proposers end because a preempted proposer
// backs off for a randomised, doubling delay (drawn by the simulator).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "paxos/effects.hpp"
#include "paxos/node.hpp"

namespace paxsim {

class Proposer {
 public:
  enum class Phase : std::uint8_t { idle, preparing, accepting, backing_off, done };

  void recover(std::span<const Record> durable);

  // Starts proposing `v` unless a proposal is already under way.
  void propose(const NodeConfig& cfg, const Value& v, Ballot promised, Effects& out);
  void on_promise(const NodeConfig& cfg, const Message& m, Effects& out);
  // Decide mode: counts acceptances of its own ballot; returns the chosen
  // value once a quorum accepted it.
  std::optional<Value> on_accepted(const NodeConfig& cfg, const Message& m, Effects& out);
  void on_nack(const NodeConfig& cfg, const Message& m, Effects& out);
  void on_retry(const NodeConfig& cfg, std::uint64_t token, Ballot promised, Effects& out);
  // The value is chosen (by us or anyone): stop proposing.
  void finish() { phase_ = Phase::done; }

  Phase phase() const { return phase_; }
  void hash_state(StateHasher& h) const {
    h.add(static_cast<std::uint64_t>(phase_));
    h.add(own_value_.has_value());
    if (own_value_) h.add_bytes(*own_value_);
    h.add(round_floor_);
    h.add(highest_seen_);
    h.add(ballot_);
    h.add(failures_);
    h.add_token(retry_token_);
    h.add(won_phase1_);
    h.add_voters(promisers_);
    h.add(best_ballot_);
    h.add(best_value_.has_value());
    if (best_value_) h.add_bytes(*best_value_);
    // Set only under the bug first-promise-value (the one behaviour that
    // depends on the order promises arrived), and then part of the state.
    h.add(first_value_.has_value());
    if (first_value_) h.add_bytes(*first_value_);
    h.add_bytes(proposal_);
    h.add_voters(acceptors_);
  }
  Ballot ballot() const { return ballot_; }
  // Won phase 1 with its current ballot (and is in phase 2, or finished it).
  bool leads() const { return phase_ == Phase::accepting || (phase_ == Phase::done && won_phase1_); }

 private:
  void new_round(const NodeConfig& cfg, Ballot promised, Effects& out);
  void arm_retry(Effects& out, std::uint32_t backoff);
  static bool counted(const NodeConfig& cfg, const std::vector<NodeId>& voters, NodeId n);

  Phase phase_ = Phase::idle;
  std::optional<Value> own_value_;
  std::uint64_t round_floor_ = 0;   // durable: every round we used is <= this
  std::uint64_t highest_seen_ = 0;  // highest round seen in a nack
  Ballot ballot_;
  std::uint32_t failures_ = 0;      // consecutive failed rounds, for backoff
  std::uint64_t retry_token_ = 0;
  bool won_phase1_ = false;         // a quorum promised ballot_

  // Phase 1 tally.
  std::vector<NodeId> promisers_;
  Ballot best_ballot_;
  std::optional<Value> best_value_;
  std::optional<Value> first_value_;  // only under the bug first-promise-value
  // Phase 2 tally.
  Value proposal_;
  std::vector<NodeId> acceptors_;
};

}  // namespace paxsim
