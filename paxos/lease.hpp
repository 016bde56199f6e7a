// Leader leases for local reads (params.leader_lease_ms; off at 0).
//
// Followers grant a lease of L (measured on their own clock) with every
// heartbeat they accept, and answer it with a `lease_ack`. While a grant
// runs, by the follower's clock, its acceptor refuses to promise any other
// candidate. The leader counts a lease from the *send* time of a heartbeat
// round, on its own clock, once a majority (itself included) acknowledged
// that round; it serves gets from its own state only while such a lease
// runs and it has applied every slot it recovered when it took office.
//
// Why that is safe, with every clock's drift within +-d (d = max_drift_ppm
// / 1e6): a follower's grant starts when the heartbeat arrives, after it was
// sent at true time S, and lasts L on a clock that runs at most 1 + d fast,
// so it ends no earlier than S + L / (1 + d) in true time. The leader's lease
// of L_h on a clock that runs at least 1 - d fast ends no later than
// S + L_h / (1 - d). So L_h = L (1 - d) / (1 + d) ends first: any rival
// needs a promise from a majority, that majority shares an acceptor with the
// round's majority, and that acceptor promises only after its grant ended.
// The bug switch lease-without-drift-margin uses L_h = L.
//
// A node forgets the grants it made when it crashes, so after every start it
// refuses all promises for one whole lease.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "paxos/node.hpp"

namespace paxsim {

// d = max_drift_ppm / 1e6; the factor (1 - d) / (1 + d) (0 when d >= 1).
double lease_safety_factor(double max_drift_ppm);
// How long a holder may rely on a lease of `lease_us`, counted on its own
// clock from before the grant: floor(lease_us x (1 - d) / (1 + d)).
Time_us holder_lease_us(Time_us lease_us, double max_drift_ppm);

inline constexpr Time_us k_time_min = std::numeric_limits<Time_us>::min();

// The follower side: the grants this acceptor made, by its own clock.
class LeaseGrantor {
 public:
  // After a (re)start: whatever was granted before is forgotten, so refuse
  // every promise until a whole lease has passed.
  void on_start(Time_us local_now, Time_us lease_us);
  void grant(NodeId to, Time_us local_now, Time_us lease_us);
  // Whether a promise to `candidate` must be refused at `local_now`.
  bool refuses(NodeId candidate, Time_us local_now) const;

  void hash_state(StateHasher& h) const {
    h.add(static_cast<std::uint64_t>(blocked_until_));
    for (const Grant& g : grants_) {
      h.add(g.to);
      h.add(static_cast<std::uint64_t>(g.until));
    }
  }

 private:
  struct Grant {
    NodeId to;
    Time_us until;
  };
  Time_us blocked_until_ = k_time_min;  // everyone refused until then (after a start)
  std::vector<Grant> grants_;           // at most one per grantee
};

// The leader side: heartbeat rounds and the lease they earned.
class LeaseHolder {
 public:
  // Rounds remembered for late acks; older rounds no longer matter.
  static constexpr std::size_t k_rounds_max = 16;

  // A heartbeat round under ballot `b`, sent at `local_now`; returns its
  // number (never 0) for the heartbeat to carry. A new ballot starts afresh.
  std::uint64_t start_round(const NodeConfig& cfg, Ballot b, Time_us local_now);
  // A lease_ack from `from` for round `seq` under ballot `b`.
  void on_ack(const NodeConfig& cfg, NodeId from, Ballot b, std::uint64_t seq);
  // Whether the lease under `current` runs at `local_now`.
  bool holds(Ballot current, Time_us local_now) const { return current == ballot_ && local_now < until_; }
  Time_us until() const { return until_; }

  void hash_state(StateHasher& h) const {
    h.add(ballot_);
    h.add(static_cast<std::uint64_t>(until_));
    h.add(next_seq_);
    for (const Round& r : rounds_) {
      h.add(r.seq);
      h.add(static_cast<std::uint64_t>(r.sent));
      h.add_voters(r.acks);
    }
  }

 private:
  struct Round {
    std::uint64_t seq;
    Time_us sent;
    std::vector<NodeId> acks;
  };
  void count(const NodeConfig& cfg, const Round& r);

  Ballot ballot_;
  Time_us until_ = k_time_min;
  std::uint64_t next_seq_ = 1;
  std::deque<Round> rounds_;
};

}  // namespace paxsim
