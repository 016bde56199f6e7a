#include "paxos/sharded_node.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "paxos/kv.hpp"

namespace paxsim {

namespace {

class ShardedNode final : public Node {
 public:
  ShardedNode(const NodeConfig& cfg, std::span<const Record> durable, const ShardLayout& layout)
      : cfg_(cfg), layout_(layout), groups_(layout.shards) {
    for (std::uint32_t g = 0; g < layout_.shards; ++g) {
      Group& grp = groups_[g];
      grp.members = layout_.members(g);
      const auto self = local(grp, cfg_.self);
      if (!self) continue;  // we do not replicate this group
      NodeConfig inner = cfg_;
      inner.self = *self;
      inner.nodes = static_cast<std::uint32_t>(grp.members.size());
      std::vector<Record> mine;
      for (const Record& r : durable) {
        if (r.group != g) continue;
        Record x = r;
        x.ballot = to_local(grp, r.ballot);
        x.group = 0;
        mine.push_back(std::move(x));
      }
      grp.node = make_multi_paxos_node(inner, mine);
    }
  }

  ShardedNode(const ShardedNode& o) : cfg_(o.cfg_), layout_(o.layout_), groups_(o.groups_.size()) {
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      groups_[g].members = o.groups_[g].members;
      if (o.groups_[g].node) groups_[g].node = o.groups_[g].node->clone();
    }
  }

  void step(const Input& in, Effects& out) override {
    switch (in.kind) {
      case Input::Kind::start:
      case Input::Kind::propose:
        for (std::uint32_t g = 0; g < groups_.size(); ++g)
          if (groups_[g].node) run(g, in, out);
        break;
      case Input::Kind::timer: {
        const auto g = static_cast<std::uint32_t>(in.token % layout_.shards);
        if (!groups_[g].node) return;
        Input inner = in;
        inner.token = in.token / layout_.shards;
        run(g, inner, out);
        break;
      }
      case Input::Kind::message: on_message(in, *in.msg, out); break;
    }
  }

  NodeView view() const override {
    NodeView v;
    for (const Group& g : groups_) {
      if (!g.node) continue;
      const NodeView x = g.node->view();
      if (x.leads && (!v.leads || to_global(g, x.lead_ballot) > v.lead_ballot)) {
        v.leads = true;
        v.lead_ballot = to_global(g, x.lead_ballot);
      }
      v.learned_slots += x.learned_slots;
    }
    return v;
  }
  bool has_learned(Slot s) const override { return has_learned_in(0, s); }
  std::optional<Value> learned(Slot) const override { return std::nullopt; }
  bool has_learned_in(std::uint32_t group, Slot s) const override {
    return group < groups_.size() && groups_[group].node && groups_[group].node->has_learned(s);
  }
  std::uint64_t learned_slots_in(std::uint32_t group) const override {
    if (group >= groups_.size() || !groups_[group].node) return 0;
    return groups_[group].node->view().learned_slots;
  }
  std::unique_ptr<Node> clone() const override { return std::make_unique<ShardedNode>(*this); }
  void hash_state(StateHasher& h) const override {
    for (const Group& g : groups_) {
      h.add(g.node ? 1 : 0);
      if (g.node) g.node->hash_state(h);
    }
  }

 private:
  struct Group {
    std::vector<NodeId> members;  // ascending
    std::unique_ptr<Node> node;   // null: we do not replicate it
  };

  static std::optional<NodeId> local(const Group& g, NodeId global) {
    auto it = std::lower_bound(g.members.begin(), g.members.end(), global);
    if (it == g.members.end() || *it != global) return std::nullopt;
    return static_cast<NodeId>(it - g.members.begin());
  }
  static Ballot to_global(const Group& g, Ballot b) {
    if (b.is_null() || b.node >= g.members.size()) return b;
    return Ballot{b.round, g.members[b.node]};
  }
  static Ballot to_local(const Group& g, Ballot b) {
    if (b.is_null()) return b;
    const auto n = local(g, b.node);
    return Ballot{b.round, n ? *n : 0};
  }
  bool is_node(EndpointId e) const { return e < cfg_.nodes; }

  void on_message(const Input& in, const Message& m, Effects& out) {
    if (m.kind == MsgKind::client_request) {
      const auto cmd = decode(m.value);
      if (!cmd) return;  // malformed: ignore
      const std::uint32_t g = shard_of(cmd->key, layout_.shards);
      if (!groups_[g].node) {
        // Not ours: point the client at the group's first member.
        Message r;
        r.kind = MsgKind::redirect;
        r.from = cfg_.self;
        r.to = m.from;
        r.request = m.request;
        r.leader_hint = groups_[g].members.front();
        r.group = g;
        out.send.push_back(Outgoing{std::move(r), false});
        return;
      }
      deliver(g, in, m, out);
      return;
    }
    if (m.group >= groups_.size() || !groups_[m.group].node) return;  // strange: ignore
    deliver(m.group, in, m, out);
  }

  // Hands `m`, in the group's own numbering, to the group's node.
  void deliver(std::uint32_t g, const Input& in, const Message& m, Effects& out) {
    const Group& grp = groups_[g];
    Message x = m;
    x.group = 0;
    if (is_node(m.from)) {
      const auto from = local(grp, m.from);
      if (!from) return;  // not a member of this group: ignore
      x.from = *from;
    }
    x.to = *local(grp, cfg_.self);
    x.ballot = to_local(grp, m.ballot);
    x.accepted_ballot = to_local(grp, m.accepted_ballot);
    for (LogEntry& e : x.entries) e.ballot = to_local(grp, e.ballot);
    if (x.leader_hint != k_no_node && is_node(x.leader_hint)) {
      const auto hint = local(grp, x.leader_hint);
      x.leader_hint = hint ? *hint : k_no_node;
    }
    Input inner = in;
    inner.msg = &x;
    run(g, inner, out);
  }

  // Runs the group's node and lets its effects out in real ids.
  void run(std::uint32_t g, const Input& in, Effects& out) {
    const Group& grp = groups_[g];
    scratch_.clear();
    grp.node->step(in, scratch_);
    const auto member = [&](EndpointId e) -> EndpointId {
      return e < grp.members.size() ? grp.members[e] : e;  // clients keep their ids
    };
    for (Record& r : scratch_.persist) {
      r.ballot = to_global(grp, r.ballot);
      r.group = g;
      out.persist.push_back(std::move(r));
    }
    for (Outgoing& o : scratch_.send) {
      Message& m = o.msg;
      m.from = member(m.from);
      m.to = member(m.to);
      m.ballot = to_global(grp, m.ballot);
      m.accepted_ballot = to_global(grp, m.accepted_ballot);
      for (LogEntry& e : m.entries) e.ballot = to_global(grp, e.ballot);
      if (m.leader_hint != k_no_node) m.leader_hint = member(m.leader_hint);
      m.group = g;
      out.send.push_back(std::move(o));
    }
    for (TimerRequest t : scratch_.timers) {
      t.token = t.token * layout_.shards + g;
      out.timers.push_back(t);
    }
    for (Learned& l : scratch_.learned) {
      l.group = g;
      out.observe(out.learned) = std::move(l);
    }
    for (QuorumUse& q : scratch_.quorums) {
      q.ballot = to_global(grp, q.ballot);
      for (NodeId& n : q.members) n = member(n);
      q.group = g;
      out.observe(out.quorums) = std::move(q);
    }
    for (Learned& a : scratch_.applied) {
      a.group = g;
      out.observe(out.applied) = std::move(a);
    }
    for (Value& v : scratch_.proposed) out.observe(out.proposed) = std::move(v);
  }

  NodeConfig cfg_;
  ShardLayout layout_;
  std::vector<Group> groups_;
  Effects scratch_;  // reused
};

}  // namespace

std::unique_ptr<Node> make_sharded_node(const NodeConfig& cfg, std::span<const Record> durable,
                                        const ShardLayout& layout) {
  return std::make_unique<ShardedNode>(cfg, durable, layout);
}

}  // namespace paxsim
