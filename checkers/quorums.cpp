#include "checkers/quorums.hpp"

#include "checkers/chosen.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace paxsim::checkers {

QuorumChecker::QuorumChecker(const sim::Scenario& s, ViolationSink& sink) : sink_(sink), nodes_(s.nodes) {}

void QuorumChecker::on_send(Time_us, const Message& m) {
  if ((m.kind != MsgKind::promise && m.kind != MsgKind::accepted) || m.from >= nodes_) return;
  if (m.slot >= answered_.size()) answered_.resize(m.slot + 1);
  auto& list = answered_[m.slot];
  const Answer a{m.kind, m.ballot, m.from};
  if (std::find(list.begin(), list.end(), a) != list.end()) return;
  if (list.empty()) list.reserve(nodes_);  // a slot's acceptances: one allocation, not one per doubling
  list.push_back(a);
}

void QuorumChecker::on_quorum(Time_us t, NodeId n, const QuorumUse& q) {
  const bool promise = q.phase == QuorumUse::Phase::promise;
  // Every leader acts on a quorum per slot: the report's text is built only
  // when there is something to report.
  auto report = [&](auto&& message_of) {
    const std::string acted = fmt::format("{} acted on {} for ballot {} in slot {} from [{}]", node_name(n),
                                          promise ? "promises" : "acceptances", to_string(q.ballot), q.slot,
                                          node_list(q.members));
    sink_.report(Violation{"quorums", step_index(), t, message_of(acted),
                           {acted, fmt::format("a majority of {} nodes is {}", nodes_, nodes_ / 2 + 1)}});
  };

  // Distinct members, sorted: a quorum is a handful of node ids.
  std::array<NodeId, 32> small;
  std::vector<NodeId> large;
  NodeId* first = small.data();
  if (q.members.size() > small.size()) {
    large = q.members;
    first = large.data();
  } else {
    std::copy(q.members.begin(), q.members.end(), small.begin());
  }
  NodeId* last = first + q.members.size();
  std::sort(first, last);
  if (std::adjacent_find(first, last) != last)
    return report([](const std::string& acted) { return fmt::format("{}: an acceptor is counted twice", acted); });
  const std::size_t distinct = q.members.size();
  if (distinct < nodes_ / 2 + 1)
    return report([&](const std::string& acted) {
      return fmt::format("{}: {} acceptors are not a majority", acted, distinct);
    });
  const MsgKind kind = promise ? MsgKind::promise : MsgKind::accepted;
  static const std::vector<Answer> none;
  const auto& list = q.slot < answered_.size() ? answered_[q.slot] : none;
  for (const NodeId* a = first; a != last; ++a)
    if (std::find(list.begin(), list.end(), Answer{kind, q.ballot, *a}) == list.end())
      return report([&](const std::string& acted) {
        return fmt::format("{}: {} never sent {} for ballot {}", acted, node_name(*a),
                           promise ? "a promise" : "an acceptance", to_string(q.ballot));
      });
}

}  // namespace paxsim::checkers
