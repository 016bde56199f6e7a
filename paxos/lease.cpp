#include "paxos/lease.hpp"

#include <algorithm>
#include <cmath>

namespace paxsim {

double lease_safety_factor(double max_drift_ppm) {
  const double d = max_drift_ppm * 1e-6;
  if (d >= 1) return 0;
  return (1 - d) / (1 + d);
}

Time_us holder_lease_us(Time_us lease_us, double max_drift_ppm) {
  if (max_drift_ppm <= 0) return lease_us;
  return static_cast<Time_us>(std::floor(static_cast<double>(lease_us) * lease_safety_factor(max_drift_ppm)));
}

void LeaseGrantor::on_start(Time_us local_now, Time_us lease_us) {
  grants_.clear();
  blocked_until_ = local_now + lease_us;
}

void LeaseGrantor::grant(NodeId to, Time_us local_now, Time_us lease_us) {
  // Expired grants no longer matter; one entry per grantee keeps this bounded by N.
  std::erase_if(grants_, [&](const Grant& g) { return g.until <= local_now || g.to == to; });
  grants_.push_back(Grant{to, local_now + lease_us});
}

bool LeaseGrantor::refuses(NodeId candidate, Time_us local_now) const {
  if (local_now < blocked_until_) return true;
  return std::any_of(grants_.begin(), grants_.end(),
                     [&](const Grant& g) { return g.to != candidate && local_now < g.until; });
}

std::uint64_t LeaseHolder::start_round(const NodeConfig& cfg, Ballot b, Time_us local_now) {
  if (b != ballot_) {
    ballot_ = b;
    until_ = k_time_min;
    rounds_.clear();
  }
  if (rounds_.size() == k_rounds_max) rounds_.pop_front();
  rounds_.push_back(Round{next_seq_, local_now, {cfg.self}});
  count(cfg, rounds_.back());  // a one-node cluster is its own majority
  return next_seq_++;
}

void LeaseHolder::on_ack(const NodeConfig& cfg, NodeId from, Ballot b, std::uint64_t seq) {
  if (b != ballot_) return;
  auto it = std::find_if(rounds_.begin(), rounds_.end(), [&](const Round& r) { return r.seq == seq; });
  if (it == rounds_.end()) return;
  if (std::find(it->acks.begin(), it->acks.end(), from) != it->acks.end()) return;  // a duplicate ack
  it->acks.push_back(from);
  count(cfg, *it);
}

void LeaseHolder::count(const NodeConfig& cfg, const Round& r) {
  if (r.acks.size() < cfg.quorum()) return;
  const Time_us lease = cfg.bugs.has(Bug::lease_without_drift_margin)
                            ? cfg.leader_lease_us
                            : holder_lease_us(cfg.leader_lease_us, cfg.max_drift_ppm);
  until_ = std::max(until_, r.sent + lease);
}

}  // namespace paxsim
