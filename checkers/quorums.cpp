#include "checkers/quorums.hpp"

#include "checkers/by_slot.hpp"
#include "checkers/chosen.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

#include "sim/assert.hpp"

namespace paxsim::checkers {

QuorumChecker::QuorumChecker(const sim::Scenario& s, ViolationSink& sink)
    : sink_(sink), nodes_(s.nodes), words_((s.nodes + 63) / 64) {
  // A set per slot, nearly always: the acceptances of the one ballot.
  const std::size_t slots = expected_slots(s);
  slots_.reserve(slots);
  masks_.reserve(slots * (words_ - 1));
}

void QuorumChecker::add_first_answer(const Message& m) { make_first_answer(m); }

void QuorumChecker::on_quorum(Time_us t, NodeId n, const QuorumUse& q) {
  // The usual case, up to 64 nodes (one word per set), without sorting: a
  // majority of distinct members, each of which sent its answer. Anything
  // else goes to the full check, which reports.
  // The members first, then their set: the loop holds no more than fits in
  // the registers a call may clobber, so the hook saves none.
  if (words_ == 1 && q.members.size() >= nodes_ / 2 + 1) {
    std::uint64_t seen = 0, twice = 0;  // twice: a member repeated, or one at or above 64 (no bit)
    for (const NodeId id : q.members) {
      const std::uint64_t bit = id < 64 ? std::uint64_t{1} << id : 0;
      twice |= (seen & bit) | (bit == 0);
      seen |= bit;
    }
    if (twice == 0) {
      const MsgKind kind = q.phase == QuorumUse::Phase::promise ? MsgKind::promise : MsgKind::accepted;
      // A bit of an id at or above nodes_ is never set in a set (on_send skips them).
      if (const AnswerSet* answers = answer_set(q.slot, kind, q.ballot); answers && (seen & ~answers->low) == 0)
        return;
    }
  }
  check_quorum(t, n, q);
}

void QuorumChecker::check_quorum(Time_us t, NodeId n, const QuorumUse& q) {
  // Distinct members, sorted: a quorum is a handful of node ids, sorted by
  // insertion as they are copied (no library calls); a large one, by std::sort.
  std::array<NodeId, 32> small;
  std::vector<NodeId> large;
  NodeId* first = small.data();
  if (q.members.size() > small.size()) {
    large = q.members;
    first = large.data();
    std::sort(large.begin(), large.end());
  } else {
    std::size_t count = 0;
    for (const NodeId id : q.members) {
      std::size_t j = count++;
      for (; j > 0 && first[j - 1] > id; --j) first[j] = first[j - 1];
      first[j] = id;
    }
  }
  NodeId* last = first + q.members.size();
  if (std::adjacent_find(first, last) != last) return report(t, n, q, Problem::counted_twice, 0);
  const std::size_t distinct = q.members.size();
  if (distinct < nodes_ / 2 + 1) return report(t, n, q, Problem::not_a_majority, distinct);
  const MsgKind kind = q.phase == QuorumUse::Phase::promise ? MsgKind::promise : MsgKind::accepted;
  const AnswerSet* answers = answer_set(q.slot, kind, q.ballot);
  for (const NodeId* a = first; a != last; ++a)
    if (!answers || *a >= nodes_ || !member(*answers, *a)) return report(t, n, q, Problem::never_sent, *a);
}

// Out of line: every leader acts on a quorum per slot, and the report's text
// is built only when there is something to report.
void QuorumChecker::report(Time_us t, NodeId n, const QuorumUse& q, Problem p, std::size_t arg) {
  const bool promise = q.phase == QuorumUse::Phase::promise;
  const std::string acted = fmt::format("{} acted on {} for ballot {} in slot {} from [{}]", node_name(n),
                                        promise ? "promises" : "acceptances", to_string(q.ballot), q.slot,
                                        node_list(q.members));
  std::string message;
  switch (p) {
    case Problem::counted_twice: message = fmt::format("{}: an acceptor is counted twice", acted); break;
    case Problem::not_a_majority: message = fmt::format("{}: {} acceptors are not a majority", acted, arg); break;
    case Problem::never_sent:
      message = fmt::format("{}: {} never sent {} for ballot {}", acted, node_name(static_cast<NodeId>(arg)),
                            promise ? "a promise" : "an acceptance", to_string(q.ballot));
      break;
  }
  sink_.report(Violation{"quorums", step_index(), t, std::move(message),
                         {acted, fmt::format("a majority of {} nodes is {}", nodes_, nodes_ / 2 + 1)}});
}

}  // namespace paxsim::checkers
