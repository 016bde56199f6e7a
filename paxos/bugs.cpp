#include "paxos/bugs.hpp"

#include <array>

namespace paxsim {

namespace {
constexpr std::array k_bugs = {
    BugInfo{Bug::promise_before_durable, "promise-before-durable",
            "an acceptor sends its promise before the promise is durable (promises, agreement)"},
    BugInfo{Bug::ack_before_durable, "ack-before-durable",
            "an acceptor acknowledges an acceptance before it is durable (promises, agreement)"},
    BugInfo{Bug::volatile_promise, "volatile-promise",
            "an acceptor keeps its promise only in memory and forgets it on restart (promises, agreement)"},
    BugInfo{Bug::accept_below_promise, "accept-below-promise",
            "an acceptor accepts a ballot below the one it promised (promises, stability)"},
    BugInfo{Bug::ignore_promised_value, "ignore-promised-value",
            "a proposer proposes its own value instead of the highest-ballot value among the promises (agreement, stability)"},
    BugInfo{Bug::first_promise_value, "first-promise-value",
            "a proposer takes the value of the first promise, not of the highest ballot (agreement, stability)"},
    BugInfo{Bug::round_only_ballots, "round-only-ballots",
            "ballots are the round alone, so two proposers can share one (agreement)"},
    BugInfo{Bug::minority_quorum, "minority-quorum",
            "a quorum is floor(N/2) acceptors, so two quorums need not overlap (quorums, agreement)"},
    BugInfo{Bug::count_duplicate_acks, "count-duplicate-acks",
            "duplicate promises or acceptances from one acceptor are counted twice (quorums, agreement)"},
    BugInfo{Bug::mixed_ballot_learning, "mixed-ballot-learning",
            "with all-to-all learning, a learner counts acceptances of one value from different ballots together (quorums, agreement)"},
    BugInfo{Bug::no_recovery_above_commit, "no-recovery-above-commit",
            "multi-paxos: a new leader does not re-propose the values accepted above its commit point (agreement, stability, log)"},
    BugInfo{Bug::noop_over_accepted, "noop-over-accepted",
            "multi-paxos: a new leader fills a slot with a no-op even though a promise showed a value accepted there (stability, agreement)"},
    BugInfo{Bug::duplicate_execution, "duplicate-execution",
            "multi-paxos: a retried client request that lands in the log twice is executed twice (linearizable)"},
    BugInfo{Bug::stale_local_read, "stale-local-read",
            "multi-paxos: a leader serves reads from its own state without confirming it still leads (linearizable)"},
    BugInfo{Bug::lease_without_drift_margin, "lease-without-drift-margin",
            "leader leases: the leader relies on its lease for the whole lease length by its own clock, with no margin for clock drift (linearizable)"},
    BugInfo{Bug::lock_grant_before_commit, "lock-grant-before-commit",
            "lock service: the leader answers an acquire from its current state before the grant's log entry commits, so two clients can get the same fencing token (lock)"},
    BugInfo{Bug::holder_ignores_lease, "holder-ignores-lease",
            "lock workload: a holder keeps acting until its hold is over without checking its lease by its own clock (lock)"},
};
}  // namespace

std::span<const BugInfo> all_bugs() { return k_bugs; }

std::optional<Bug> bug_by_name(std::string_view name) {
  for (const auto& b : k_bugs)
    if (b.name == name) return b.bug;
  return std::nullopt;
}

std::string_view bug_name(Bug b) {
  for (const auto& i : k_bugs)
    if (i.bug == b) return i.name;
  return "?";
}

}  // namespace paxsim
