#include "sim/lock_clients.hpp"

#include "paxos/lease.hpp"
#include "paxos/lock_service.hpp"

namespace paxsim::sim {

const char* to_string(LockTimer t) {
  switch (t) {
    case LockTimer::issue: return "issue";
    case LockTimer::timeout: return "timeout";
    case LockTimer::resend: return "resend";
    case LockTimer::act: return "act";
    case LockTimer::check: return "check";
  }
  return "?";
}

LockClients::LockClients(const Scenario& s) : s_(s), nodes_(s.nodes), fencing_(s.workload.fencing) {
  clients_.resize(s.workload.clients);
  for (std::uint32_t i = 0; i < s.workload.clients; ++i) {
    Client& c = clients_[i];
    c.index = i;
    c.target = i % nodes_;  // home node, as for kv clients
    c.rng = Rng(s.seed, "lock-client", i);
  }
}

void LockClients::start(LockWorld& w) {
  for (Client& c : clients_) schedule_issue(c, Distribution::constant(0), w);
}

bool LockClients::settled() const {
  for (const Client& c : clients_) {
    if (c.down) continue;
    if (c.busy || c.holding || c.completed < s_.workload.acquires_per_client) return false;
  }
  return true;
}

bool LockClients::timer_live(std::uint32_t client, LockTimer kind, std::uint64_t arg) const {
  const Client& c = clients_[client];
  if (c.down) return false;
  switch (kind) {
    case LockTimer::issue: return arg == c.issue_token && !c.busy && !c.holding;
    case LockTimer::timeout:
    case LockTimer::resend: return c.busy && arg == c.request_token;
    case LockTimer::act: return c.holding && arg == c.act_token;
    case LockTimer::check: return c.holding && arg == c.check_token;
  }
  return false;
}

void LockClients::on_timer(std::uint32_t client, LockTimer kind, std::uint64_t arg, LockWorld& w) {
  Client& c = clients_[client];
  if (!timer_live(client, kind, arg)) return;
  switch (kind) {
    case LockTimer::issue: issue(c, w); break;
    case LockTimer::timeout:
      c.target = next_node(c.target);  // same request id, next node in order
      send_attempt(c, w, true);
      break;
    case LockTimer::resend: send_attempt(c, w, false); break;
    case LockTimer::act: land(c, w); break;
    case LockTimer::check:
      c.check_token = 0;
      act_step(c, w);
      break;
  }
}

// ---------------------------------------------------------------- requests

void LockClients::schedule_issue(Client& c, const Distribution& delay, LockWorld& w) {
  if (c.completed >= s_.workload.acquires_per_client) return;
  c.issue_token = ++c.token_seq;
  w.lock_timer(c.index, c.rng.draw_us(delay), LockTimer::issue, c.issue_token);
}

void LockClients::issue(Client& c, LockWorld& w) {
  c.issue_token = 0;
  c.lease_us = std::max<Time_us>(1, c.rng.draw_us(s_.workload.lease_ms));
  request(c, Want::acquire, lock_acquire(c.index, c.next_request++, k_lock_name, c.lease_us), w);
}

void LockClients::request(Client& c, Want want, Command cmd, LockWorld& w) {
  c.busy = true;
  c.want = want;
  c.current = std::move(cmd);
  if (c.leader) c.target = *c.leader;
  // The lease counts from the first send: a later attempt may be the one
  // that is applied, but the first may be too.
  c.first_send_local = w.lock_local_now(c.index);
  w.lock_call(c.index, c.current);
  send_attempt(c, w, true);
}

void LockClients::send_attempt(Client& c, LockWorld& w, bool arm_timeout) {
  Message m;
  m.kind = MsgKind::client_request;
  m.from = endpoint(c);
  m.to = c.target;
  m.request = c.current.request;
  m.value = encode(c.current);
  w.lock_send(m);
  if (arm_timeout) {
    c.hops = 0;
    c.request_token = ++c.token_seq;
    w.lock_timer(c.index, std::max<Time_us>(1, c.rng.draw_us(s_.workload.timeout_ms)), LockTimer::timeout,
                 c.request_token);
  }
}

void LockClients::on_message(const Message& m, LockWorld& w) {
  Client& c = clients_[m.to - nodes_];
  if (c.down || !c.busy || m.request != c.current.request) return;  // late, or for an earlier attempt
  if (m.kind == MsgKind::client_reply) {
    c.leader = m.from;
    answered(c, m, w);
    return;
  }
  if (m.kind != MsgKind::redirect) return;
  if (m.leader_hint != k_no_node && m.leader_hint < nodes_ && ++c.hops <= k_max_hops_per_attempt) {
    c.target = m.leader_hint;
    c.leader = m.leader_hint;
    send_attempt(c, w, false);
  } else {
    c.leader.reset();
    c.target = next_node(m.from);
    w.lock_timer(c.index, k_no_leader_backoff_us, LockTimer::resend, c.request_token);
  }
}

void LockClients::answered(Client& c, const Message& reply, LockWorld& w) {
  c.busy = false;
  c.request_token = 0;
  w.lock_return(c.index, c.current);
  const std::optional<LockReply> r = parse_lock_reply(reply.value);
  const LockReply::Kind kind = r ? r->kind : LockReply::Kind::lost;
  switch (c.want) {
    case Want::acquire:
      if (kind == LockReply::Kind::granted) {
        ++stats_.grants;
        begin_hold(c, r->token, w);
      } else {
        ++stats_.busy;
        schedule_issue(c, s_.workload.retry_ms, w);
      }
      return;
    case Want::renew:
      if (c.holding && kind == LockReply::Kind::granted && r->token == c.fence) {
        ++stats_.renewals;
        c.deadline_local = c.first_send_local + holder_lease(c);
      } else if (c.holding && !c.release_due && !ignores_lease()) {
        end_hold(c, true, w);  // the service says we lost it: stop at once
        return;
      }
      if (c.release_due) {
        c.release_due = false;
        request(c, Want::release, lock_release(c.index, c.next_request++, k_lock_name, c.fence), w);
      } else if (!c.holding) {
        after_hold(c, w);
      }
      return;
    case Want::release:
      ++stats_.releases;
      after_hold(c, w);
      return;
  }
}

// ---------------------------------------------------------------- holding

Time_us LockClients::holder_lease(const Client& c) const {
  return holder_lease_us(c.lease_us, s_.params.max_drift_ppm);
}

void LockClients::begin_hold(Client& c, std::uint64_t token, LockWorld& w) {
  const Time_us now = w.lock_local_now(c.index);
  c.holding = true;
  c.release_due = false;
  c.fence = token;
  c.deadline_local = c.first_send_local + holder_lease(c);
  c.hold_end_local = now + c.rng.draw_us(s_.workload.hold_ms);
  act_step(c, w);
}

// Starts the next action, if the hold goes on and the lease allows it.
void LockClients::act_step(Client& c, LockWorld& w) {
  if (!c.holding || c.act_token != 0) return;
  const Time_us now = w.lock_local_now(c.index);
  if (now >= c.hold_end_local) {
    end_hold(c, false, w);
    return;
  }
  const Time_us d = std::max<Time_us>(1, c.rng.draw_us(s_.workload.act_ms));
  if (!ignores_lease() && now + d > c.deadline_local) {
    // The action might end after our lease may have run out.
    if (c.busy && c.want == Want::renew && now < c.deadline_local) {
      c.check_token = ++c.token_seq;  // wait a little for the renewal
      w.lock_timer(c.index, k_check_again_us, LockTimer::check, c.check_token);
    } else {
      end_hold(c, true, w);
    }
    return;
  }
  c.act_token = ++c.token_seq;
  w.lock_timer(c.index, d, LockTimer::act, c.act_token);
  // Renew in good time when the hold outlasts the lease.
  const Time_us left = c.deadline_local - now;
  if (!c.busy && c.hold_end_local > c.deadline_local && left < holder_lease(c) / 2)
    request(c, Want::renew, lock_renew(c.index, c.next_request++, k_lock_name, c.fence), w);
}

void LockClients::land(Client& c, LockWorld& w) {
  c.act_token = 0;
  const bool accepted = !fencing_ || c.fence >= highest_fence_;
  if (accepted) {
    highest_fence_ = std::max(highest_fence_, c.fence);
    ++stats_.actions_accepted;
  } else {
    ++stats_.actions_rejected;
  }
  w.lock_event(LockEvent{LockEvent::Kind::act, c.index, c.fence, accepted});
  act_step(c, w);
}

void LockClients::end_hold(Client& c, bool give_up, LockWorld& w) {
  c.holding = false;
  c.check_token = 0;
  c.act_token = 0;
  if (give_up) ++stats_.given_up;
  w.lock_event(LockEvent{LockEvent::Kind::end, c.index, c.fence, true});
  if (give_up) {
    // The lease has run out, or is about to: the service frees it by itself.
    if (!c.busy) after_hold(c, w);
    return;
  }
  if (c.busy) {
    c.release_due = true;  // a renewal is on its way; release after it
  } else {
    request(c, Want::release, lock_release(c.index, c.next_request++, k_lock_name, c.fence), w);
  }
}

void LockClients::after_hold(Client& c, LockWorld& w) {
  ++c.completed;
  schedule_issue(c, s_.workload.think_ms, w);
}

// ---------------------------------------------------------------- client faults

void LockClients::crash(std::uint32_t client, LockWorld& w) {
  Client& c = clients_[client];
  if (c.down) return;
  if (c.holding) w.lock_event(LockEvent{LockEvent::Kind::end, c.index, c.fence, true});
  if (c.busy) w.lock_dropped(c.index, c.current);
  const bool in_progress = c.busy || c.holding;
  const std::uint64_t completed = c.completed, next_request = c.next_request, token_seq = c.token_seq;
  Rng rng = c.rng;
  c = Client{};
  c.index = client;
  c.target = client % nodes_;
  c.rng = rng;
  c.down = true;
  c.completed = completed;
  // Request ids keep rising across a restart (as if the client kept its
  // counter on disk), or the service's at-most-once table would ignore it.
  c.next_request = next_request;
  c.token_seq = token_seq;
  // The acquisition it was on is abandoned.
  if (in_progress && c.completed < s_.workload.acquires_per_client) ++c.completed;
}

void LockClients::restart(std::uint32_t client, LockWorld& w) {
  Client& c = clients_[client];
  if (!c.down) return;
  c.down = false;
  schedule_issue(c, s_.workload.think_ms, w);
}

}  // namespace paxsim::sim
