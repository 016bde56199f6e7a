// The learner role: finds out which value was chosen, either from a decide
// (decide mode) or by counting a majority of acceptances of one ballot
// (all-to-all mode), and catches up by asking peers when it may have missed it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "paxos/effects.hpp"
#include "paxos/node.hpp"

namespace paxsim {

class Learner {
 public:
  void recover(std::span<const Record> durable);

  // All-to-all mode: returns the value once a quorum accepted one (ballot, value).
  std::optional<Value> on_accepted(const NodeConfig& cfg, const Message& m, Effects& out);
  void on_learn_request(const NodeConfig& cfg, const Message& m, Effects& out);
  // Records a learned value (idempotent). Returns true the first time.
  bool learn(const NodeConfig& cfg, Slot slot, const Value& v, Ballot b, Effects& out);
  // Tells every peer, so that they learn without counting (decide mode).
  void broadcast_decide(const NodeConfig& cfg, Slot slot, Effects& out) const;
  void arm_catchup(Effects& out);
  // Asks every peer for the decision and re-arms; false for a stale timer.
  bool on_catchup(const NodeConfig& cfg, std::uint64_t token, Effects& out);

  const std::optional<Value>& decided() const { return decided_; }
  void hash_state(StateHasher& h) const {
    h.add(decided_.has_value());
    if (decided_) h.add_bytes(*decided_);
    h.add(decided_ballot_);
    h.add_token(catchup_token_);
    for (const auto& [k, voters] : tally_) {
      h.add(k.first);
      h.add_bytes(k.second);
      h.add_voters(voters);
    }
  }

 private:
  std::optional<Value> decided_;
  Ballot decided_ballot_;
  std::uint64_t catchup_token_ = 0;
  // All-to-all tally: acceptors per (ballot, value). With the bug
  // mixed-ballot-learning the ballot is left out of the key.
  std::map<std::pair<Ballot, Value>, std::vector<NodeId>> tally_;
};

}  // namespace paxsim
