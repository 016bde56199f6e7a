// Known-bug switches: realistic mistakes compiled in, off by default, each
// turned on by name (`--bug NAME`) to prove that the checkers catch it. When
// off a switch costs one predictable branch on a bitset.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace paxsim {

enum class Bug : std::uint8_t {
  promise_before_durable,
  ack_before_durable,
  volatile_promise,
  accept_below_promise,
  ignore_promised_value,
  first_promise_value,
  round_only_ballots,
  minority_quorum,
  count_duplicate_acks,
  mixed_ballot_learning,
  // Multi-Paxos
  no_recovery_above_commit,
  noop_over_accepted,
  duplicate_execution,
  stale_local_read,
  // Leases and the lock service
  lease_without_drift_margin,
  lock_grant_before_commit,
  holder_ignores_lease,
};

struct BugInfo {
  Bug bug;
  std::string_view name;
  std::string_view breaks;
};

std::span<const BugInfo> all_bugs();
std::optional<Bug> bug_by_name(std::string_view name);
std::string_view bug_name(Bug b);

class BugSet {
 public:
  void enable(Bug b) { bits_ |= mask(b); }
  bool has(Bug b) const { return (bits_ & mask(b)) != 0; }
  bool any() const { return bits_ != 0; }

 private:
  static constexpr std::uint32_t mask(Bug b) { return 1u << static_cast<unsigned>(b); }
  std::uint32_t bits_ = 0;
};

}  // namespace paxsim
