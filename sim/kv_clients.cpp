#include "sim/kv_clients.hpp"

#include <algorithm>
#include <string>

namespace paxsim::sim {

KvClients::KvClients(const Scenario& s)
    : s_(s),
      timeout_ms_(s.workload.timeout_ms),
      think_ms_(s.workload.think_ms),
      nodes_(s.nodes),
      layout_(shard_layout(s)) {
  const Workload& w = s.workload;
  for (std::uint32_t g = 0; g < layout_.shards; ++g) members_.push_back(layout_.members(g));
  clients_.resize(w.clients);
  for (std::uint32_t i = 0; i < w.clients; ++i) {
    Client& c = clients_[i];
    c.index = i;
    c.target = i % nodes_;  // home node: ((i-1) mod N)+1 for client ci
    c.rng = Rng(s.seed, "client", i);
    write_next_value(c);
    if (layout_.shards > 1) {
      // Per group, the home node is member i mod R of the group.
      for (const auto& m : members_) c.saved.emplace_back(m[i % m.size()], std::nullopt);
      c.target = c.saved[0].first;
    }
  }
  remaining_ = w.ops_per_client * w.clients + w.requests.size();
}

void KvClients::start(Time_us now, ClientWorld& w) {
  for (std::size_t i = 0; i < s_.workload.requests.size(); ++i) {
    const KvRequest& r = s_.workload.requests[i];
    w.client_timer(r.client, r.at_us, ClientTimer::arrival, i);
  }
  for (Client& c : clients_)
    if (s_.workload.ops_per_client > 0) w.client_timer(c.index, now, ClientTimer::issue, 0);
}

inline void KvClients::generate(Client& c, Command& cmd) {
  const Workload& wl = s_.workload;
  const double u = c.rng.unit();
  cmd.op = u < wl.mix_put ? KvOpKind::put : u < wl.mix_put + wl.mix_get ? KvOpKind::get : KvOpKind::append;
  if (c.index + wl.readers >= wl.clients) cmd.op = KvOpKind::get;  // a reader
  write_key(cmd.key, 1 + c.rng.below(wl.keys));
  // Unique and of fixed size: client, then a per-client sequence number.
  if (cmd.op != KvOpKind::get) assign_text(cmd.value, c.next_value);
  else cmd.value.clear();
  ++c.generated;
  increment_decimal_suffix(c.next_value);
}

void KvClients::write_next_value(Client& c) {
  // "c%04u-%07llu" without printf's cost.
  char buf[48];  // room for "c", 20 digits, "-", 20 digits
  char* const end = buf + sizeof buf;
  char* p = decimal_ending_at(end, c.generated + 1, 7);
  *--p = '-';
  p = decimal_ending_at(p, c.index + 1, 4);
  *--p = 'c';
  c.next_value.assign(p, static_cast<std::size_t>(end - p));
}

inline void KvClients::try_issue(Client& c, Time_us now, ClientWorld& w) {
  if (c.busy) return;
  // Built in place: the client's last command is over (it is not busy).
  Command& cmd = c.current;
  std::optional<NodeId> via;
  if (!c.arrived.empty()) {
    const KvRequest& r = s_.workload.requests[c.arrived.front()];
    c.arrived.pop_front();
    cmd.op = r.op;
    cmd.key = r.key;
    cmd.value = r.value;
    via = r.via;
  } else if (c.generated < s_.workload.ops_per_client) {
    generate(c, cmd);
  } else {
    return;
  }
  --remaining_;
  switch_group(c, shard_of(cmd.key, layout_.shards));  // shards: routed by the key
  cmd.client = c.index;
  cmd.request = c.next_request++;
  c.encoded = encode(c.current);
  c.busy = true;
  ++busy_;
  if (via) c.target = *via;
  else if (c.leader) c.target = *c.leader;
  w.client_call(c.index, c.current, c.encoded);
  send_attempt(c, now, w, true);
}

inline void KvClients::send_attempt(Client& c, Time_us now, ClientWorld& w, bool arm_timeout) {
  Message& m = w.client_message();
  m.kind = MsgKind::client_request;
  m.from = endpoint(c);
  m.to = c.target;
  m.request = c.current.request;
  m.value = c.encoded;
  m.group = c.group;
  w.client_send();
  if (arm_timeout) {
    c.hops = 0;
    const Time_us timeout = std::max<Time_us>(1, draw(c, timeout_ms_));
    w.client_timer(c.index, now + timeout, ClientTimer::timeout, ++c.token);
  }
}

NodeId KvClients::next_node(const Client& c, NodeId n) const {
  if (layout_.shards <= 1) return (n + 1) % nodes_;
  const auto& m = members_[c.group];
  auto it = std::find(m.begin(), m.end(), n);
  return it == m.end() || ++it == m.end() ? m.front() : *it;
}

void KvClients::move_to_group(Client& c, std::uint32_t group) {
  c.saved[c.group] = {c.target, c.leader};
  c.group = group;
  c.target = c.saved[group].first;
  c.leader = c.saved[group].second;
}

void KvClients::on_timer(std::uint32_t client, ClientTimer kind, std::uint64_t arg, Time_us now, ClientWorld& w) {
  Client& c = clients_[client];
  switch (kind) {
    case ClientTimer::issue: try_issue(c, now, w); break;
    case ClientTimer::arrival:
      c.arrived.push_back(arg);
      try_issue(c, now, w);
      break;
    case ClientTimer::timeout:
      if (!c.busy || arg != c.token) return;
      c.target = next_node(c, c.target);  // same request id, next node in order
      send_attempt(c, now, w, true);
      break;
    case ClientTimer::resend:
      if (!c.busy || arg != c.token) return;
      send_attempt(c, now, w, false);
      break;
  }
}

void KvClients::on_message(const Message& m, Time_us now, ClientWorld& w) {
  Client& c = clients_[m.to - nodes_];
  if (!c.busy || m.request != c.current.request) return;  // a late answer to an earlier attempt
  if (m.kind == MsgKind::client_reply) {
    w.client_return(c.index, c.current, m);
    c.busy = false;
    --busy_;
    c.leader = m.from;
    ++c.token;  // the pending timeout is stale now
    const Time_us think = draw(c, think_ms_);
    w.client_timer(c.index, now + think, ClientTimer::issue, 0);
    return;
  }
  if (m.kind != MsgKind::redirect) return;
  if (m.leader_hint != k_no_node && m.leader_hint < nodes_ && ++c.hops <= k_max_hops_per_attempt) {
    c.target = m.leader_hint;
    c.leader = m.leader_hint;
    send_attempt(c, now, w, false);
  } else {
    // No leader known there: wait a little, then try the next node.
    c.leader.reset();
    c.target = next_node(c, m.from);
    w.client_timer(c.index, now + k_no_leader_backoff_us, ClientTimer::resend, c.token);
  }
}

}  // namespace paxsim::sim
