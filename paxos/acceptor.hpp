// The acceptor role: it promises not to accept below a ballot, and accepts
// values. Its promise and acceptances are the state Paxos's safety rests on,
// so they are persisted before any reply that reveals them leaves the node.
#pragma once

#include <span>

#include "paxos/effects.hpp"
#include "paxos/node.hpp"
#include "paxos/slot_map.hpp"

namespace paxsim {

struct Acceptance {
  Acceptance() = default;
  // SlotMap builds one in place from its fields, with parentheses: a
  // constructor, since clang 14 builds no aggregate that way (C++20's
  // parenthesised aggregate initialisation came in clang 16).
  Acceptance(Ballot b, const Value& v) : ballot(b), value(v) {}
  Ballot ballot;
  Value value;
};

class Acceptor {
 public:
  // Rebuilds the role from durable records, in the order they were written.
  void recover(const NodeConfig& cfg, std::span<const Record> durable);

  void on_prepare(const NodeConfig& cfg, const Message& m, Effects& out);
  void on_accept(const NodeConfig& cfg, const Message& m, Effects& out) {
    if (would_accept(cfg, m.ballot)) take_accept(cfg, m, out);
    else refuse_accept(cfg, m, out);
  }
  // on_accept's two ways, for a caller that asked would_accept itself (a
  // Multi-Paxos node notes its leader from the answer), so it asks once.
  void take_accept(const NodeConfig& cfg, const Message& m, Effects& out);
  void refuse_accept(const NodeConfig& cfg, const Message& m, Effects& out);

  Ballot promised() const { return promised_; }
  void hash_state(StateHasher& h) const {
    h.add(promised_);
    h.add(accepted_.size());
    accepted_.for_each([&](Slot s, const Acceptance& a) {
      h.add(s);
      h.add(a.ballot);
      h.add_bytes(a.value);
    });
  }
  const Acceptance* accepted(Slot s) const;
  // True if an accept with ballot b would be taken (b is not below the promise).
  bool would_accept(const NodeConfig& cfg, Ballot b) const {
    return !(b < promised_) || cfg.bugs.has(Bug::accept_below_promise);
  }

 private:
  // Invariant: promised_ >= every accepted ballot (accepting b promises b).
  Ballot promised_;
  SlotMap<Acceptance> accepted_;
};

}  // namespace paxsim
