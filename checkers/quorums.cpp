#include "checkers/quorums.hpp"

#include "checkers/chosen.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace paxsim::checkers {

QuorumChecker::QuorumChecker(const sim::Scenario& s, ViolationSink& sink) : sink_(sink), nodes_(s.nodes) {}

void QuorumChecker::on_send(Time_us, const Message& m) {
  if ((m.kind != MsgKind::promise && m.kind != MsgKind::accepted) || m.from >= nodes_) return;
  if (m.slot >= answered_.size()) answered_.resize(m.slot + 1);
  auto& list = answered_[m.slot];
  const Answer a{m.kind, m.ballot, m.from};
  if (std::find(list.begin(), list.end(), a) == list.end()) list.push_back(a);
}

void QuorumChecker::on_quorum(Time_us t, NodeId n, const QuorumUse& q) {
  const bool promise = q.phase == QuorumUse::Phase::promise;
  const char* what = promise ? "promises" : "acceptances";
  const std::string members = node_list(q.members);
  const std::string acted = fmt::format("{} acted on {} for ballot {} in slot {} from [{}]", node_name(n), what,
                                        to_string(q.ballot), q.slot, members);
  auto report = [&](std::string message) {
    sink_.report(Violation{"quorums", step_, t, std::move(message),
                           {acted, fmt::format("a majority of {} nodes is {}", nodes_, nodes_ / 2 + 1)}});
  };

  std::vector<NodeId> distinct = q.members;
  std::sort(distinct.begin(), distinct.end());
  if (std::adjacent_find(distinct.begin(), distinct.end()) != distinct.end())
    return report(fmt::format("{}: an acceptor is counted twice", acted));
  if (distinct.size() < nodes_ / 2 + 1)
    return report(fmt::format("{}: {} acceptors are not a majority", acted, distinct.size()));
  const MsgKind kind = promise ? MsgKind::promise : MsgKind::accepted;
  static const std::vector<Answer> none;
  const auto& list = q.slot < answered_.size() ? answered_[q.slot] : none;
  for (NodeId a : distinct)
    if (std::find(list.begin(), list.end(), Answer{kind, q.ballot, a}) == list.end())
      return report(fmt::format("{}: {} never sent {} for ballot {}", acted, node_name(a),
                                promise ? "a promise" : "an acceptance", to_string(q.ballot)));
}

}  // namespace paxsim::checkers
