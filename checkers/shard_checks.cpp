#include "checkers/shard_checks.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <optional>

#include "paxos/kv.hpp"

namespace paxsim::checkers {

struct ShardChecks::Group {
  std::vector<NodeId> members;  // ascending; the group's node i is members[i]
  sim::Scenario local;          // the scenario as the group's checkers see it: R nodes
  ViolationSink sink;
  std::size_t forwarded = 0;    // violations already passed on
  std::unique_ptr<ChosenTracker> chosen;
  std::unique_ptr<PromiseChecker> promises;
  std::unique_ptr<QuorumChecker> quorums;
  std::unique_ptr<LogChecker> log;
  std::uint64_t messages = 0;

  std::vector<sim::Observer*> all() const {
    std::vector<sim::Observer*> out = {chosen.get()};
    if (promises) out.push_back(promises.get());
    if (quorums) out.push_back(quorums.get());
    if (log) out.push_back(log.get());
    return out;
  }
  std::optional<NodeId> local_id(EndpointId e, std::uint32_t nodes) const {
    if (e >= nodes) return static_cast<NodeId>(members.size() + (e - nodes));  // a client, past the members
    auto it = std::lower_bound(members.begin(), members.end(), e);
    if (it == members.end() || *it != e) return std::nullopt;
    return static_cast<NodeId>(it - members.begin());
  }
  Ballot local_ballot(Ballot b) const {
    if (b.is_null()) return b;
    auto it = std::lower_bound(members.begin(), members.end(), b.node);
    return Ballot{b.round, it != members.end() && *it == b.node ? static_cast<NodeId>(it - members.begin()) : 0};
  }
  // "n2" in a group's own numbering is its members[1]: rewrite names in text.
  std::string real_names(const std::string& text) const {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      const bool start = text[i] == 'n' && (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])));
      std::size_t j = i + 1;
      while (start && j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      const bool whole = start && j > i + 1 && (j == text.size() || !std::isalnum(static_cast<unsigned char>(text[j])));
      if (whole) {
        const auto k = std::stoul(text.substr(i + 1, j - i - 1));
        out += k >= 1 && k <= members.size() ? node_name(members[k - 1]) : text.substr(i, j - i);
        i = j;
      } else {
        out += text[i++];
      }
    }
    return out;
  }
};

ShardChecks::ShardChecks(const sim::Scenario& s, ViolationSink& sink, ShardCheckOptions opt)
    : s_(s), sink_(sink), layout_(sim::shard_layout(s)) {
  for (std::uint32_t g = 0; g < layout_.shards; ++g) {
    auto grp = std::make_unique<Group>();
    grp->members = layout_.members(g);
    grp->local = s;
    grp->local.nodes = static_cast<std::uint32_t>(grp->members.size());
    grp->local.shards = 1;
    grp->chosen = std::make_unique<ChosenTracker>(grp->local, grp->sink, opt.agreement, opt.validity, opt.stability);
    if (opt.promises) grp->promises = std::make_unique<PromiseChecker>(grp->local, grp->sink);
    if (opt.quorums) grp->quorums = std::make_unique<QuorumChecker>(grp->local, grp->sink);
    if (opt.log) grp->log = std::make_unique<LogChecker>(grp->local, grp->sink);
    groups_.push_back(std::move(grp));
  }
}

ShardChecks::~ShardChecks() = default;

void ShardChecks::watch_step_count(const std::uint64_t* count) {
  for (auto& g : groups_)
    for (sim::Observer* o : g->all()) o->watch_step_count(count);
}

void ShardChecks::after_step(const sim::StepInfo&) {
  for (std::uint32_t g = 0; g < groups_.size(); ++g) forward(g);
}

// Passes each group's new violations on, in real names.
void ShardChecks::forward(std::uint32_t g) {
  Group& grp = *groups_[g];
  const auto& found = grp.sink.first_of_each();
  for (; grp.forwarded < found.size(); ++grp.forwarded) {
    Violation v = found[grp.forwarded];
    v.message = fmt::format("shard {}: {}", g, grp.real_names(v.message));
    for (std::string& e : v.evidence) e = grp.real_names(e);
    sink_.report(std::move(v));
  }
}

void ShardChecks::on_send(Time_us t, const Message& m) {
  if (m.group >= groups_.size()) return;
  Group& grp = *groups_[m.group];
  if (m.from < s_.nodes && m.to < s_.nodes) ++grp.messages;
  const auto from = grp.local_id(m.from, s_.nodes);
  const auto to = grp.local_id(m.to, s_.nodes);
  if (!from || !to) return;
  Message x = m;
  x.from = *from;
  x.to = *to;
  x.group = 0;
  x.ballot = grp.local_ballot(m.ballot);
  x.accepted_ballot = grp.local_ballot(m.accepted_ballot);
  for (LogEntry& e : x.entries) e.ballot = grp.local_ballot(e.ballot);
  for (sim::Observer* o : grp.all()) o->on_send(t, x);
}

void ShardChecks::on_durable(Time_us t, NodeId n, const Record& r) {
  if (r.group >= groups_.size()) return;
  Group& grp = *groups_[r.group];
  const auto id = grp.local_id(n, s_.nodes);
  if (!id) return;
  Record x = r;
  x.group = 0;
  x.ballot = grp.local_ballot(r.ballot);
  for (sim::Observer* o : grp.all()) o->on_durable(t, *id, x);
}

void ShardChecks::on_learn(Time_us t, NodeId n, const Learned& l) {
  if (l.group >= groups_.size()) return;
  Group& grp = *groups_[l.group];
  if (const auto id = grp.local_id(n, s_.nodes))
    for (sim::Observer* o : grp.all()) o->on_learn(t, *id, l);
}

void ShardChecks::on_quorum(Time_us t, NodeId n, const QuorumUse& q) {
  if (q.group >= groups_.size()) return;
  Group& grp = *groups_[q.group];
  const auto id = grp.local_id(n, s_.nodes);
  if (!id) return;
  QuorumUse x = q;
  x.group = 0;
  x.ballot = grp.local_ballot(q.ballot);
  for (NodeId& m : x.members) {
    const auto mid = grp.local_id(m, s_.nodes);
    m = mid ? *mid : static_cast<NodeId>(grp.members.size() + s_.clients());  // not a member: never answered
  }
  for (sim::Observer* o : grp.all()) o->on_quorum(t, *id, x);
}

void ShardChecks::on_propose(Time_us t, NodeId n, const Value& v) {
  // A command belongs to its key's group; anything else (none is expected)
  // counts as proposed everywhere.
  const auto c = decode(v);
  for (std::uint32_t g = 0; g < groups_.size(); ++g)
    if (!c || shard_of(c->key, layout_.shards) == g) groups_[g]->chosen->on_propose(t, n, v);
}

void ShardChecks::on_apply(Time_us t, NodeId n, const Learned& a) {
  if (a.group >= groups_.size()) return;
  Group& grp = *groups_[a.group];
  if (const auto id = grp.local_id(n, s_.nodes))
    for (sim::Observer* o : grp.all()) o->on_apply(t, *id, a);
}

void ShardChecks::on_crash(Time_us t, NodeId n) {
  for (auto& g : groups_)
    if (const auto id = g->local_id(n, s_.nodes))
      for (sim::Observer* o : g->all()) o->on_crash(t, *id);
}

void ShardChecks::on_restart(Time_us t, NodeId n, bool wiped) {
  for (auto& g : groups_)
    if (const auto id = g->local_id(n, s_.nodes))
      for (sim::Observer* o : g->all()) o->on_restart(t, *id, wiped);
}

std::uint64_t ShardChecks::chosen_slots() const {
  std::uint64_t n = 0;
  for (const auto& g : groups_) n += g->chosen->chosen_slots();
  return n;
}

std::vector<ShardStats> ShardChecks::stats() const {
  std::vector<ShardStats> out;
  for (std::uint32_t g = 0; g < groups_.size(); ++g)
    out.push_back(ShardStats{g, groups_[g]->members, groups_[g]->chosen->chosen_slots(), groups_[g]->messages});
  return out;
}

bool ShardChecks::caught_up(const sim::Simulation& sim) const {
  for (std::uint32_t g = 0; g < groups_.size(); ++g) {
    const Group& grp = *groups_[g];
    for (NodeId n : grp.members) {
      if (!sim.is_up(n) || sim.is_paused(n) || sim.node(n)->learned_slots_in(g) >= grp.chosen->chosen_slots()) continue;
      if (live_in(sim, g, n)) return false;  // live in its group, yet behind
    }
  }
  return true;
}

void ShardChecks::on_chosen(std::function<void(std::uint32_t, Slot, Time_us)> f) {
  for (std::uint32_t g = 0; g < groups_.size(); ++g)
    groups_[g]->chosen->on_chosen([g, f](Slot s, Time_us t) { f(g, s, t); });
}

const std::vector<NodeId>& ShardChecks::members(std::uint32_t group) const { return groups_[group]->members; }

bool ShardChecks::live_in(const sim::Simulation& sim, std::uint32_t group, NodeId n) const {
  return sim.is_up(n) && !sim.is_paused(n) && reaches_majority(sim, group, n);
}

bool ShardChecks::reaches_majority(const sim::Simulation& sim, std::uint32_t group, EndpointId e) const {
  return sim.reaches_majority(e, groups_[group]->members);
}

}  // namespace paxsim::checkers
