#include "sim/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "paxos/sharded_node.hpp"
#include "sim/assert.hpp"

namespace paxsim::sim {

NodeConfig node_config(const Scenario& s, NodeId n) {
  NodeConfig cfg;
  cfg.self = n;
  cfg.nodes = s.nodes;
  cfg.learning = s.params.learning;
  cfg.log = s.protocol == Protocol::multi_paxos;
  cfg.window = s.params.window;
  if (s.bug) cfg.bugs.enable(*s.bug);
  cfg.leader_lease_us = ms_to_us(s.params.leader_lease_ms);
  cfg.max_drift_ppm = s.params.max_drift_ppm;
  return cfg;
}

NodeFactory default_node_factory(const Scenario& s) {
  if (s.protocol == Protocol::multi_paxos && s.shards > 1) {
    const ShardLayout layout = shard_layout(s);
    return [layout](const NodeConfig& cfg, std::span<const Record> durable) {
      return make_sharded_node(cfg, durable, layout);
    };
  }
  if (s.protocol == Protocol::multi_paxos)
    return [](const NodeConfig& cfg, std::span<const Record> durable) { return make_multi_paxos_node(cfg, durable); };
  return [](const NodeConfig& cfg, std::span<const Record> durable) { return make_synod_node(cfg, durable); };
}

Simulation::Simulation(const Scenario& scenario, NodeFactory factory)
    : scenario_(scenario),
      factory_(std::move(factory)),
      fsync_ms_(scenario.fsync_ms),
      network_(scenario.nodes, scenario.endpoints(), scenario.network),
      nodes_(scenario.nodes),
      network_rng_(scenario.seed, "network"),
      fault_rng_(scenario.seed, "faults"),
      nemesis_rng_(scenario.seed, "nemesis"),
      decisions_(scenario_.tape),
      pinned_(!scenario_.schedule.empty()),
      clocks_(scenario.endpoints()),
      client_paused_(scenario.clients(), 0),
      client_held_(scenario.clients()) {
  for (NodeId n = 0; n < scenario_.nodes; ++n) all_nodes_.push_back(n);
  for (NodeId n = 0; n < scenario_.nodes; ++n) {
    nodes_[n].timer_rng = Rng(scenario_.seed, "timers", n);
    nodes_[n].disk_rng = Rng(scenario_.seed, "disk", n);
  }
  if (!scenario_.tape.empty()) attach_decisions();
  update_plain_sends();
  update_plain_writes();
}

void Simulation::record_decisions() {
  decisions_.set_recording(true);
  attach_decisions();
  update_plain_sends();
  update_plain_writes();
}

// Streams are named as their seeds are derived, nodes and clients from 1.
void Simulation::attach_decisions() {
  if (decisions_on_) return;
  decisions_on_ = true;
  network_rng_.attach(decisions_.stream("network"));
  fault_rng_.attach(decisions_.stream("faults"));
  nemesis_rng_.attach(decisions_.stream("nemesis"));
  for (NodeId n = 0; n < scenario_.nodes; ++n) {
    nodes_[n].timer_rng.attach(decisions_.stream("timers/n" + std::to_string(n + 1)));
    nodes_[n].disk_rng.attach(decisions_.stream("disk/n" + std::to_string(n + 1)));
  }
}

void Simulation::attach_client_decisions() {
  if (!decisions_on_) return;
  for (std::uint32_t c = 0; c < scenario_.clients(); ++c) {
    const std::string name = "c" + std::to_string(c + 1);
    if (kv_) kv_->rng(c).attach(decisions_.stream("client/" + name));
    if (lock_) lock_->rng(c).attach(decisions_.stream("lock-client/" + name));
  }
}

void Simulation::start() {
  if (pinned_) {
    // A pinned schedule issues proposals and requests itself, and has no
    // timeline, nemesis or clients of its own.
    proposal_order_.resize(scenario_.workload.proposals.size());
    for (NodeId n = 0; n < scenario_.nodes; ++n) {
      nodes_[n].node = factory_(node_config(scenario_, n), nodes_[n].durable.records());
      run_node(n, Input::start());
    }
    update_plain_deliveries();
    return;
  }
  for (std::size_t i = 0; i < scenario_.faults.size(); ++i) {
    const Fault& f = scenario_.faults[i];
    queue_.push(Event{f.at_us, i, 0, 0, EventKind::fault, EventClass::fault, 0});
    faults_over_at_ = std::max(faults_over_at_, f.at_us);
  }
  if (const auto& nem = scenario_.nemesis) {
    faults_over_at_ = std::max(faults_over_at_, nem->until_us);
    queue_.push(Event{nem->until_us, 0, 0, 0, EventKind::nemesis_end, EventClass::nemesis_undo, 0});
    const Time_us first = nem->from_us + nemesis_rng_.draw_us(nem->interval_ms);
    if (first < nem->until_us && !nem->actions.empty())
      queue_.push(Event{first, 0, 0, 0, EventKind::nemesis_tick, EventClass::nemesis, 0});
  }
  const auto& props = scenario_.workload.proposals;
  proposal_order_.resize(props.size());
  for (std::size_t i = 0; i < props.size(); ++i) proposal_order_[i] = i;
  std::stable_sort(proposal_order_.begin(), proposal_order_.end(),
                   [&](std::size_t a, std::size_t b) { return props[a].at_us < props[b].at_us; });
  for (std::size_t i : proposal_order_)
    queue_.push(Event{props[i].at_us, i, props[i].node, 0, EventKind::propose, EventClass::other, 0});

  for (NodeId n = 0; n < scenario_.nodes; ++n) {
    nodes_[n].node = factory_(node_config(scenario_, n), nodes_[n].durable.records());
    run_node(n, Input::start());
  }
  update_plain_deliveries();
  if (scenario_.workload.type == Workload::Type::kv) {
    kv_.emplace(scenario_);
    attach_client_decisions();
    // Most requests are answered long before their timeouts, which would
    // each be moved into the ring, popped and skipped (a pinned schedule
    // starts above, and keeps every event for its picks).
    queue_.drop_stale(&Simulation::stale_client_timer, this);
    kv_->start(now_, *this);
  }
  if (scenario_.workload.type == Workload::Type::lock) {
    lock_.emplace(scenario_);
    attach_client_decisions();
    lock_->start(*this);
  }
}

// Inline, and defined before their callers: they run on every step.

inline void Simulation::hash_message(const Message& m) {
  fingerprint_.add(static_cast<std::uint64_t>(m.kind) | (std::uint64_t{m.from} << 8) | (std::uint64_t{m.to} << 36),
                   m.slot);
  fingerprint_.add(m.ballot.round, m.accepted_ballot.round);
  fingerprint_.add(std::uint64_t{m.ballot.node} | (std::uint64_t{m.accepted_ballot.node} << 32), m.value.text_hash());
  if (m.kind >= MsgKind::heartbeat || !m.entries.empty()) {
    // Multi-Paxos fields.
    fingerprint_.add(m.entries.size(), m.commit);
    for (const LogEntry& e : m.entries) {
      fingerprint_.add(e.slot, e.ballot.round);
      fingerprint_.add(e.ballot.node, e.value.text_hash());
    }
    fingerprint_.add(m.request, std::uint64_t{m.leader_hint} | (std::uint64_t{m.flags} << 32));
  }
  if (m.group != 0) fingerprint_.add(0x5348415244000000ull | m.group, 0);  // shards: the group (none for 1 shard)
}

// The fingerprint (sim/fingerprint.hpp) covers, per step: time; kind and
// node; then the kind's fields (the message, each value by its text hash;
// the loss reason; the timer kind; the record; the fault action, whether it
// did anything and whether it was an undo; the proposal). Never checker
// verdicts.
inline void Simulation::hash_step(const StepInfo& info) {
  std::uint64_t head = static_cast<std::uint64_t>(info.kind) | (std::uint64_t{info.node} << 8);
  if (info.loss) head |= (std::uint64_t{1} + static_cast<std::uint64_t>(*info.loss)) << 40;
  if (info.kind == StepKind::timer) head |= static_cast<std::uint64_t>(info.timer) << 48;
  if (info.kind == StepKind::client) head |= std::uint64_t{info.client_timer} << 48;
  if (info.did_nothing) head |= std::uint64_t{1} << 56;
  if (info.undo) head |= std::uint64_t{1} << 57;
  fingerprint_.add(static_cast<std::uint64_t>(info.time), head);
  if (info.msg) hash_message(*info.msg);
  if (info.record) {
    const Record& r = *info.record;
    fingerprint_.add(static_cast<std::uint64_t>(r.kind) | (std::uint64_t{r.ballot.node} << 8) |
                         (std::uint64_t{r.group} << 40),
                     r.value.text_hash());
    fingerprint_.add(r.slot, r.ballot.round);
  }
  if (info.fault) {
    std::uint64_t clock_offset = 0, clock_drift = 0;
    if (info.fault->action == FaultAction::clock) {
      clock_offset = static_cast<std::uint64_t>(ms_to_us(info.fault->offset_ms.value_or(0)));
      clock_drift = static_cast<std::uint64_t>(std::llround(info.fault->drift_ppm.value_or(-1e9) * 1000));
    }
    fingerprint_.add(static_cast<std::uint64_t>(info.fault->action) | (clock_offset << 8), clock_drift);
  }
  if (info.value) fingerprint_.add(info.value->text_hash(), 0);
}

inline void Simulation::begin_step(StepInfo& info) {
  ++stats_.steps;  // the step's index, which copy_of gives the observers
  info.time = now_;
  hash_step(info);
  if (watched(Hook::step) && (stepping_always_ || *step_due_ < info.time)) notify_step(copy_of(info));
}

// Out of line: inline in every kind of step, the loops cost the step more
// (in registers) than the call saves.
void Simulation::notify_step(const StepInfo& info) {
  for (Observer* o : watching(Hook::step)) o->on_step(info);
  for (const StepWhenDue& w : stepping_when_due_)
    if (*w.due < info.time) w.observer->on_step(info);
  if (*step_stop_) ask_stops_at_ = 0;  // run()'s full stop test, after this step
}

inline void Simulation::end_step(const StepInfo& info) {
  if (watched(Hook::after_step)) notify_after_step(copy_of(info));
}

void Simulation::notify_after_step(const StepInfo& info) {
  for (Observer* o : watching(Hook::after_step)) o->after_step(info);
}

// effects_ is empty here: carry_out (apply_effects) empties each list it
// reads, those of most steps only (clearing all seven cost a store each).
inline void Simulation::step_node(NodeId n, const Input& in) {
  Input local = in;
  local.local_us = clocks_[n].local_at(now_);  // the node reads its own clock only
  nodes_[n].node->step(local, effects_);
}

inline void Simulation::run_node(NodeId n, const Input& in) {
  step_node(n, in);
  apply_effects(n);
}

// A delivery, most events, is asked for first, then a write becoming
// durable, most of the others (ten a command, against one client event and
// a few timers): before the jump table's bounds test, load and indirect jump.
// `in_node` is the event where it lies in the queue, good until the next
// push: a delivery and a write read all they need of it before they push
// anything; the others are given a copy.
inline bool Simulation::dispatch(const Event& in_node) {
  if (in_node.kind == EventKind::deliver) [[likely]] return on_deliver(in_node);
  if (in_node.kind == EventKind::durable) [[likely]] return on_durable(in_node);
  const Event e = in_node;
  switch (e.kind) {
    case EventKind::deliver: break;  // above
    case EventKind::durable: break;  // above
    case EventKind::timer: return on_timer(e);
    case EventKind::fault: on_fault(e); return true;
    case EventKind::propose: on_propose(e); return true;
    case EventKind::nemesis_tick: on_nemesis_tick(); return true;
    case EventKind::nemesis_undo: {
      auto it = std::find_if(nemesis_active_.begin(), nemesis_active_.end(),
                             [&](const NemesisFault& f) { return f.id == e.arg; });
      if (it == nemesis_active_.end()) return false;  // already undone
      on_nemesis_undo(e.arg);
      return true;
    }
    case EventKind::nemesis_end: on_nemesis_end(); return false;
    case EventKind::client: return on_client_event(e);
  }
  return false;
}

inline bool Simulation::take_queued_step() {
  // pop_until finds an empty queue itself (null, as for an event after the
  // limit): no test of its own per event.
  for (;;) {
    const Event* const next = queue_.pop_until(scenario_.max_time_us);
    if (!next) break;
    // Not before now_: the queue pops in order and asserts that no push is
    // before its last pop (EventQueue::insert), where the clock stands.
    now_ = next->time;
    // In place: copied whole to the stack, most of its fields were read
    // back from there.
    if (dispatch(*next)) return true;
  }
  if (!queue_.empty()) {
    now_ = scenario_.max_time_us;  // the next event is after the limit
    return false;
  }
  // No event left. A stale one the queue dropped would have been popped
  // last, skipped, and left the clock at its time (or at the limit, due
  // beyond it).
  if (queue_.dropped_until() > now_) now_ = std::min(queue_.dropped_until(), scenario_.max_time_us);
  return false;
}

bool Simulation::step() {
  if (pinned_) [[unlikely]] return step_scheduled();
  return take_queued_step();
}

bool Simulation::run(const RunStops& stops) {
  // In locals: a step calls out of line, after which the compiler would load
  // members and *stops again (only the flags themselves can change).
  const bool* const violation = stops.violation;
  const bool* const liveness = stops.liveness;
  const std::uint64_t max_steps = stops.max_steps;
  step_stop_ = liveness;
  // Whether a request is open is asked before the time: when one is, the
  // rest of the quiescence test goes unasked (all are reads).
  const auto stop_here = [&] {
    return *violation || *liveness || stats_.steps >= max_steps ||
           (open_requests_ == 0 && now_ >= faults_over_at_ && workload_settled());
  };
  // Where the tests other than the violation flag may next hold: the step
  // limit, unless one may hold now (notify_step and request_closed set 0
  // when theirs may hold after a step).
  const auto arm = [&] { ask_stops_at_ = open_requests_ == 0 || *liveness ? 0 : max_steps; };
  const auto stop_after_step = [&] {
    if (!*violation && stats_.steps < ask_stops_at_) [[likely]] return false;
    if (stop_here()) return true;
    arm();
    return false;
  };
  arm();
  bool stopped = false;
  if (pinned_) [[unlikely]] {  // fixed for the run: asked once
    while (step_scheduled())
      if (stop_after_step()) {
        stopped = true;
        break;
      }
  } else {
    while (take_queued_step())
      if (stop_after_step()) {
        stopped = true;
        break;
      }
  }
  step_stop_ = &k_no_stop;  // the caller's flag may not outlive this call
  return stopped;
}

// ---------------------------------------------------------------- steps

// `e` is good until the first push (see dispatch): only a held delivery,
// before any, reads it after its slot.
inline bool Simulation::on_deliver(const Event& e) {
  const auto slot = static_cast<std::uint32_t>(e.arg);
  const Message& in_pool = pool_[slot];
  const EndpointId to = in_pool.to;
  if (to >= scenario_.nodes) {
    // To a client: only lock clients crash or pause (kv clients never do).
    const std::uint32_t client = to - scenario_.nodes;
    if (client_paused_[client]) {
      client_held_[client].push_back(e);  // keeps its pool slot until resume
      return false;
    }
    const Message& m = pool_[slot];
    StepInfo info;
    info.node = to;
    info.msg = &m;
    if (lock_ && lock_->is_down(client))
      info.loss = LossReason::node_down;
    else if (!network_.can_deliver(m.from, m.to))
      info.loss = network_.is_cut(m.from, m.to) ? LossReason::cut : LossReason::partition;
    info.kind = info.loss ? StepKind::lost : StepKind::deliver;
    begin_step(info);
    if (info.loss) {
      ++stats_.messages_dropped;
    } else {
      ++stats_.messages_delivered;
      if (lock_) lock_->on_message(m, *this);
      else kv_->on_message(m, now_, *this);
    }
    end_step(info);
    pool_.free(slot);
    return true;
  }
  // Delivered in place: the slot is freed only after the step (which may
  // send into other slots; a slot never moves).
  const Message& m = pool_[slot];
  Time_us local_us = now_;  // the node's clock reads true time (see plain_deliveries_)
  if (!plain_deliveries_) [[unlikely]] {
    const NodeSlot& dest = nodes_[to];
    if (dest.node && dest.paused) {
      nodes_[to].held.push_back(e);  // keeps its pool slot until resume or crash
      return false;
    }
    // A loss is a step of its own, out of line: joined with the delivery's,
    // the loss reason, an optional, went through the stack on every delivery
    // to be tested twice.
    if (!dest.node || !network_.can_deliver(m.from, m.to)) {
      lose(slot);
      return true;
    }
    local_us = clocks_[to].local_at(now_);  // the node reads its own clock only
  }
  StepInfo info;
  info.node = to;
  info.msg = &m;
  info.kind = StepKind::deliver;
  begin_step(info);
  ++stats_.messages_delivered;
  deliver_input_.msg = &m;
  deliver_input_.local_us = local_us;
  nodes_[to].node->step(deliver_input_, effects_);
  carry_out(to);
  end_step(info);
  pool_.free(slot);
  return true;
}

// A message to a node that is down, or across a partition or cut.
void Simulation::lose(std::uint32_t slot) {
  const Message& m = pool_[slot];
  StepInfo info;
  info.node = m.to;
  info.msg = &m;
  if (!nodes_[m.to].node)
    info.loss = LossReason::node_down;
  else
    info.loss = network_.is_cut(m.from, m.to) ? LossReason::cut : LossReason::partition;
  info.kind = StepKind::lost;
  begin_step(info);
  ++stats_.messages_dropped;
  end_step(info);
  pool_.free(slot);
}

bool Simulation::on_timer(const Event& e) {
  NodeSlot& s = nodes_[e.target];
  if (!s.node || e.incarnation != s.incarnation) return false;  // died with its incarnation
  if (s.paused) {
    s.held.push_back(e);
    return false;
  }
  StepInfo info;
  info.kind = StepKind::timer;
  info.node = e.target;
  info.timer = static_cast<TimerKind>(e.aux);
  begin_step(info);
  run_node(e.target, Input::fire(info.timer, e.arg));
  end_step(info);
  return true;
}

// `e` is good until the first push (see dispatch): what is read of it is
// read first.
inline bool Simulation::on_durable(const Event& e) {
  const NodeId n = e.target;
  const std::uint64_t id = e.arg;
  NodeSlot& s = nodes_[n];
  if (e.incarnation != s.disk_epoch) return false;  // the write was lost in a crash
  // Its id is the next to become durable (which implies one is in flight:
  // an id is below next_write_id).
  PAXSIM_ASSERT(s.next_durable_id() == id);
  const Record& record = s.durable.make_durable();  // the write's, the first in flight

  StepInfo info;
  info.kind = StepKind::durable;
  info.node = n;
  info.record = &record;
  begin_step(info);
  const std::vector<Observer*>& watchers = watching(Hook::durable);
  for (std::uint64_t w = persisting_[static_cast<int>(record.kind)]; w != 0; w &= w - 1)
    watchers[static_cast<std::size_t>(std::countr_zero(w))]->on_durable(now_, n, record);
  for (; !s.gated.empty() && s.gated.front().write_id == id; s.gated.pop_front()) {
    if (s.paused) s.held_sends.push_back(s.gated.front().slot);
    else send_slot(s.gated.front().slot);
  }
  end_step(info);
  return true;
}

void Simulation::on_propose(const Event& e) {
  const Proposal& p = scenario_.workload.proposals[e.arg];
  ++next_proposal_;
  StepInfo info;
  info.kind = StepKind::propose;
  info.node = p.node;
  info.value = &p.value;
  NodeSlot& s = nodes_[p.node];
  info.did_nothing = !s.node || s.paused;  // a proposal whose node is down is skipped
  begin_step(info);
  if (info.did_nothing) {
    ++stats_.proposals_skipped;
  } else {
    for (Observer* o : watching(Hook::propose)) o->on_propose(now_, p.node, p.value);
    const std::uint64_t id = next_request_id_++;
    s.open_requests.push_back(id);
    ++open_requests_;
    ++open_proposals_;
    for (Observer* o : watching(Hook::request_open)) o->on_request_open(now_, id, p.node);
    run_node(p.node, Input::propose(p.value));
  }
  end_step(info);
}

void Simulation::on_fault(const Event& e) {
  resolved_ = scenario_.faults[e.arg];
  StepInfo info;
  info.kind = StepKind::fault;
  apply_fault(resolved_, info);
}

// Resolves `f`'s node selector, then runs it as one step.
void Simulation::apply_fault(const Fault& f, StepInfo& info) {
  info.fault = &resolved_;
  if (&f != &resolved_) resolved_ = f;
  const FaultAction a = resolved_.action;
  const bool on_node = a == FaultAction::crash || a == FaultAction::restart || a == FaultAction::pause ||
                       a == FaultAction::resume || a == FaultAction::clock;
  const bool on_client = on_node && resolved_.node.kind == NodeSelector::Kind::index &&
                         resolved_.node.index >= scenario_.nodes;
  if (on_client) {
    const std::uint32_t c = resolved_.node.index - scenario_.nodes;
    const bool down = lock_ && lock_->is_down(c);
    bool qualifies = true;
    switch (a) {
      case FaultAction::crash: qualifies = lock_ && !down; break;
      case FaultAction::restart: qualifies = down; break;
      case FaultAction::pause: qualifies = !down && !client_paused_[c]; break;
      case FaultAction::resume: qualifies = client_paused_[c] != 0; break;
      default: break;
    }
    info.did_nothing = !qualifies;
    if (qualifies) info.node = resolved_.node.index;
  } else if (a == FaultAction::partition && resolved_.leader_group) {
    // "leader" in a group: the node that leads now moves into that group.
    if (const NodeId n = resolve(NodeSelector{NodeSelector::Kind::leader, 0}, a); n != k_no_node) {
      for (auto& g : resolved_.groups) std::erase(g, EndpointId{n});
      resolved_.groups[*resolved_.leader_group].push_back(EndpointId{n});
    }
  } else if (on_node) {
    const NodeId n = resolve(resolved_.node, a);
    if (n == k_no_node) {
      info.did_nothing = true;
    } else {
      resolved_.node = NodeSelector{NodeSelector::Kind::index, n};
      info.node = n;
    }
  }
  begin_step(info);
  if (!info.did_nothing && on_client) {
    apply_client_fault(a, info.node - scenario_.nodes);
  } else if (!info.did_nothing) {
    switch (a) {
      case FaultAction::partition: network_.partition(resolved_.groups, next_fault_id_++); break;
      case FaultAction::cut: network_.add_cut(resolved_.from, resolved_.to, next_fault_id_++); break;
      case FaultAction::heal: network_.heal(); break;
      case FaultAction::crash: crash(info.node); break;
      case FaultAction::restart: restart(info.node, resolved_.wipe_disk); break;
      case FaultAction::pause: pause(info.node); break;
      case FaultAction::resume: resume(info.node); break;
      case FaultAction::network:
        network_.patch(resolved_.network);
        update_plain_sends();
        break;
      case FaultAction::clock: clocks_[info.node].set(now_, resolved_.offset_ms, resolved_.drift_ppm); break;
    }
    update_plain_deliveries();
  }
  end_step(info);
}

// ---------------------------------------------------------------- nemesis

void Simulation::on_nemesis_tick() {
  const Nemesis& nem = *scenario_.nemesis;
  const FaultAction action = nem.actions[nemesis_rng_.below(nem.actions.size())];
  const std::uint64_t id = next_fault_id_++;
  const std::uint32_t n_nodes = scenario_.nodes;
  StepInfo info;
  info.kind = StepKind::nemesis;
  info.fault = &resolved_;
  resolved_ = Fault{};
  resolved_.at_us = now_;
  resolved_.action = action;
  NemesisFault active{id, action, k_no_node};

  switch (action) {
    case FaultAction::partition: {
      if (n_nodes < 2) { info.did_nothing = true; break; }
      std::vector<EndpointId> order(n_nodes);
      for (NodeId n = 0; n < n_nodes; ++n) order[n] = n;
      for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[nemesis_rng_.below(i + 1)]);
      const std::size_t k = 1 + nemesis_rng_.below(n_nodes - 1);
      resolved_.groups = {std::vector<EndpointId>(order.begin(), order.begin() + static_cast<long>(k)),
                          std::vector<EndpointId>(order.begin() + static_cast<long>(k), order.end())};
      std::sort(resolved_.groups[0].begin(), resolved_.groups[0].end());
      std::sort(resolved_.groups[1].begin(), resolved_.groups[1].end());
      break;
    }
    case FaultAction::cut: {
      if (n_nodes < 2) { info.did_nothing = true; break; }
      const auto x = static_cast<EndpointId>(nemesis_rng_.below(n_nodes));
      std::vector<EndpointId> all(scenario_.endpoints());
      for (EndpointId i = 0; i < all.size(); ++i) all[i] = i;
      switch (nemesis_rng_.below(3)) {
        case 0: resolved_.from = all; resolved_.to = {x}; break;  // deaf
        case 1: resolved_.from = {x}; resolved_.to = all; break;  // mute
        default: {
          auto y = static_cast<EndpointId>(nemesis_rng_.below(n_nodes - 1));
          if (y >= x) ++y;
          resolved_.from = {x};
          resolved_.to = {y};
        }
      }
      break;
    }
    case FaultAction::crash:
    case FaultAction::pause: {
      if (down_count() >= nem.max_down) { info.did_nothing = true; break; }
      resolved_.node = NodeSelector{NodeSelector::Kind::random, 0};
      const NodeId n = resolve(resolved_.node, action);
      if (n == k_no_node) { info.did_nothing = true; break; }
      resolved_.node = NodeSelector{NodeSelector::Kind::index, n};
      info.node = n;
      active.node = n;
      break;
    }
    case FaultAction::clock: {
      // A rate within the drift bound that leases assume; no step.
      const auto n = static_cast<NodeId>(nemesis_rng_.below(n_nodes));
      resolved_.node = NodeSelector{NodeSelector::Kind::index, n};
      resolved_.drift_ppm = (2 * nemesis_rng_.unit() - 1) * scenario_.params.max_drift_ppm;
      info.node = n;
      active.node = n;
      active.prev_drift_ppm = clocks_[n].drift_ppm();
      break;
    }
    default: info.did_nothing = true;
  }

  begin_step(info);
  if (!info.did_nothing) {
    switch (action) {
      case FaultAction::partition: network_.partition(resolved_.groups, id); break;
      case FaultAction::cut: network_.add_cut(resolved_.from, resolved_.to, id); break;
      case FaultAction::crash: crash(active.node); break;
      case FaultAction::pause: pause(active.node); break;
      case FaultAction::clock: clocks_[active.node].set(now_, std::nullopt, resolved_.drift_ppm); break;
      default: break;
    }
    update_plain_deliveries();
    nemesis_active_.push_back(active);
    const Time_us undo_at = now_ + nemesis_rng_.draw_us(nem.duration_ms);
    if (undo_at < nem.until_us)
      queue_.push(Event{undo_at, id, 0, 0, EventKind::nemesis_undo, EventClass::nemesis_undo, 0});
  }
  end_step(info);

  const Time_us next = now_ + std::max<Time_us>(1, nemesis_rng_.draw_us(nem.interval_ms));
  if (next < nem.until_us && !nemesis_over_)
    queue_.push(Event{next, 0, 0, 0, EventKind::nemesis_tick, EventClass::nemesis, 0});
}

void Simulation::on_nemesis_undo(std::uint64_t id) {
  auto it = std::find_if(nemesis_active_.begin(), nemesis_active_.end(),
                         [&](const NemesisFault& f) { return f.id == id; });
  const NemesisFault f = *it;
  nemesis_active_.erase(it);
  StepInfo info;
  info.kind = StepKind::nemesis;
  info.undo = true;
  info.fault = &resolved_;
  resolved_ = Fault{};
  resolved_.at_us = now_;
  switch (f.action) {
    case FaultAction::partition: resolved_.action = FaultAction::heal; break;
    case FaultAction::cut: resolved_.action = FaultAction::heal; break;
    case FaultAction::crash: resolved_.action = FaultAction::restart; break;
    case FaultAction::pause: resolved_.action = FaultAction::resume; break;
    case FaultAction::clock:
      resolved_.action = FaultAction::clock;
      resolved_.drift_ppm = f.prev_drift_ppm;
      break;
    default: break;
  }
  if (f.node != k_no_node) {
    resolved_.node = NodeSelector{NodeSelector::Kind::index, f.node};
    info.node = f.node;
  }
  begin_step(info);
  switch (f.action) {
    case FaultAction::partition: network_.remove_partition(f.id); break;
    case FaultAction::cut: network_.remove_cut(f.id); break;
    case FaultAction::crash: restart(f.node, false); break;
    case FaultAction::pause: resume(f.node); break;
    case FaultAction::clock: clocks_[f.node].set(now_, std::nullopt, f.prev_drift_ppm); break;
    default: break;
  }
  update_plain_deliveries();
  end_step(info);
}

void Simulation::on_nemesis_end() {
  nemesis_over_ = true;
  // Each undo is a step of its own, right away, before anything else at this instant.
  for (const NemesisFault& f : nemesis_active_)
    queue_.push(Event{now_, f.id, 0, 0, EventKind::nemesis_undo, EventClass::nemesis_undo, 0});
}

// ---------------------------------------------------------------- world actions

NodeId Simulation::resolve(const NodeSelector& sel, FaultAction action) {
  auto qualifies = [&](NodeId n) {
    const NodeSlot& s = nodes_[n];
    switch (action) {
      case FaultAction::crash: return s.node != nullptr;
      case FaultAction::restart: return s.node == nullptr;
      case FaultAction::pause: return s.node != nullptr && !s.paused;
      case FaultAction::resume: return s.paused;
      default: return true;
    }
  };
  switch (sel.kind) {
    case NodeSelector::Kind::index: return qualifies(sel.index) ? sel.index : k_no_node;
    case NodeSelector::Kind::leader: {
      NodeId best = k_no_node;
      Ballot best_ballot;
      for (NodeId n = 0; n < scenario_.nodes; ++n) {
        if (!nodes_[n].node) continue;
        const NodeView v = nodes_[n].node->view();
        if (v.leads && (best == k_no_node || v.lead_ballot > best_ballot)) {
          best = n;
          best_ballot = v.lead_ballot;
        }
      }
      return best != k_no_node && qualifies(best) ? best : k_no_node;
    }
    case NodeSelector::Kind::random: {
      std::vector<NodeId> candidates;
      for (NodeId n = 0; n < scenario_.nodes; ++n)
        if (qualifies(n)) candidates.push_back(n);
      if (candidates.empty()) return k_no_node;
      return candidates[fault_rng_.below(candidates.size())];
    }
  }
  return k_no_node;
}

void Simulation::update_plain_deliveries() {
  plain_deliveries_ = down_count() == 0 && !network_.split();
  for (NodeId n = 0; n < scenario_.nodes; ++n) plain_deliveries_ = plain_deliveries_ && clocks_[n].is_true_time();
}

std::uint32_t Simulation::down_count() const {
  std::uint32_t down = 0;
  for (const NodeSlot& s : nodes_) down += (!s.node || s.paused) ? 1 : 0;
  return down;
}

bool Simulation::is_live(EndpointId n) const {
  if (n < scenario_.nodes && (!nodes_[n].node || nodes_[n].paused)) return false;
  return reaches_majority(n, all_nodes_);
}

bool Simulation::reaches_majority(EndpointId e, std::span<const NodeId> among) const {
  std::size_t reach = 0;
  for (NodeId m : among) {
    if (!nodes_[m].node || nodes_[m].paused) continue;
    if (network_.can_deliver(e, m) && network_.can_deliver(m, e)) ++reach;
  }
  return reach >= among.size() / 2 + 1;
}

void Simulation::crash(NodeId n) {
  NodeSlot& s = nodes_[n];
  if (!s.node) return;
  s.node.reset();  // volatile state is gone for real
  s.paused = false;
  ++s.incarnation;
  ++s.disk_epoch;  // writes in flight are lost; their durable events are ignored
  s.durable.drop_in_flight();
  s.gated.for_each([&](const Gated& g) { pool_.free(g.slot); });
  s.gated.clear();
  s.disk_last_durable_us = now_;
  for (const Event& e : s.held)
    if (e.kind == EventKind::deliver) {
      pool_.free(static_cast<std::uint32_t>(e.arg));
      ++stats_.messages_dropped;
    }
  s.held.clear();
  for (std::uint32_t slot : s.held_sends) pool_.free(slot);
  s.held_sends.clear();
  open_proposals_ -= s.open_requests.size();
  for (std::uint64_t id : s.open_requests) {
    ++stats_.proposals_dropped;
    request_closed();
    for (Observer* o : watching(Hook::request_dropped)) o->on_request_dropped(now_, id);
  }
  s.open_requests.clear();
  ++stats_.crashes;
  for (Observer* o : watching(Hook::crash)) o->on_crash(now_, n);
}

void Simulation::restart(NodeId n, bool wipe) {
  NodeSlot& s = nodes_[n];
  if (s.node) return;
  if (wipe) s.durable.clear();
  s.node = factory_(node_config(scenario_, n), s.durable.records());  // from the disk only
  for (Observer* o : watching(Hook::restart)) o->on_restart(now_, n, wipe);
  run_node(n, Input::start());
}

void Simulation::pause(NodeId n) {
  NodeSlot& s = nodes_[n];
  if (s.node && !s.paused) s.paused = true;
}

void Simulation::resume(NodeId n) {
  NodeSlot& s = nodes_[n];
  if (!s.paused) return;
  s.paused = false;
  // What fell due while paused happens now, in the order it fell due.
  for (Event e : s.held) {
    e.time = now_;
    queue_.push(e);
  }
  s.held.clear();
  std::vector<std::uint32_t> sends = std::move(s.held_sends);
  s.held_sends.clear();
  for (std::uint32_t slot : sends) send_slot(slot);
}

void Simulation::apply_effects(NodeId n) { carry_out(n); }

inline void Simulation::carry_out(NodeId n) {
  NodeSlot& s = nodes_[n];
  for (Record& r : effects_.persist) {
    // One disk's writes become durable in the order they were issued.
    const Time_us delay = plain_writes_ ? s.disk_rng.draw_usual_us(fsync_ms_) : s.disk_rng.draw_us(fsync_ms_);
    const Time_us at = std::max(s.disk_last_durable_us, now_ + delay);
    s.disk_last_durable_us = at;
    const std::uint64_t id = s.next_write_id++;
    s.durable.write(std::move(r));
    queue_.push(Event{at, id, n, s.disk_epoch, EventKind::durable, EventClass::other, 0});
  }
  effects_.persist.clear();
  // Each message goes into the pool by exchange of blocks (MessagePool::put).
  for (std::unique_ptr<Outgoing>& o : effects_.send.blocks()) {
    // Persist before send: the message leaves once every write so far is durable.
    if (o->after_durable && s.durable.in_flight() != 0) {
      const std::uint64_t write_id = s.next_write_id - 1;  // the latest write
      Gated& g = s.gated.push();
      g.write_id = write_id;
      g.slot = pool_.put(o);
    } else {
      send_slot(pool_.put(o));
    }
  }
  effects_.send.clear();
  // Tested before their loops: most steps set no timer and make no
  // observation, and setting up a loop over an empty list cost more than
  // the test (the observations, four lists, by their one count).
  if (!effects_.timers.empty()) {
    for (const TimerRequest& t : effects_.timers) schedule_timer(n, t);
    effects_.timers.clear();
  }
  if (effects_.observations() != 0) report_effects(n);
}

// The observations among a step's effects, for the checkers.
// Each list is tested first: a step makes one or two of these observations
// (a learn and its apply; a quorum on the leader), and the loops over the
// others cost more than the tests.
void Simulation::report_effects(NodeId n) {
  if (!effects_.learned.empty()) {
    for (const Learned& l : effects_.learned) {
      for (Observer* o : watching(Hook::learn)) o->on_learn(now_, n, l);
      // A proposal is answered once its node learns the chosen value (the
      // kv workload's requests are the clients', never open here).
      if (open_proposals_ != 0) [[unlikely]] {
        NodeSlot& s = nodes_[n];
        open_proposals_ -= s.open_requests.size();
        for (std::uint64_t id : s.open_requests) {
          ++stats_.client_ops_completed;
          request_closed();
          for (Observer* o : watching(Hook::request_done)) o->on_request_done(now_, id);
        }
        s.open_requests.clear();
      }
    }
  }
  if (!effects_.quorums.empty()) {
    for (const QuorumUse& q : effects_.quorums)
      for (Observer* o : watching(Hook::quorum)) o->on_quorum(now_, n, q);
  }
  if (!effects_.applied.empty()) {
    for (const Learned& a : effects_.applied)
      for (Observer* o : watching(Hook::apply)) o->on_apply(now_, n, a);
  }
  if (!effects_.proposed.empty()) {
    for (const Value& v : effects_.proposed)
      for (Observer* o : watching(Hook::propose)) o->on_propose(now_, n, v);
  }
  effects_.clear_observations();
}

// ---------------------------------------------------------------- kv clients

bool Simulation::stale_client_timer(const void* context, const Event& e) {
  if (e.kind != EventKind::client) return false;
  const auto kind = static_cast<ClientTimer>(e.aux);
  // Stale for good: a timeout's or resend's token is behind the client's
  // (tokens only grow). An issue timer may come alive again: never dropped.
  if (kind != ClientTimer::timeout && kind != ClientTimer::resend) return false;
  return !static_cast<const Simulation*>(context)->kv_->timer_live(e.target, kind, e.arg);
}

bool Simulation::on_client_event(const Event& e) {
  if (lock_) return on_lock_event(e);
  const auto kind = static_cast<ClientTimer>(e.aux);
  if (!kv_->timer_live(e.target, kind, e.arg)) return false;  // stale: the attempt it was for is over
  StepInfo info;
  info.kind = StepKind::client;
  info.node = scenario_.nodes + e.target;
  info.client_timer = e.aux;
  begin_step(info);
  kv_->on_timer(e.target, kind, e.arg, now_, *this);
  end_step(info);
  return true;
}

void Simulation::client_send() { send_slot(client_slot_); }

void Simulation::client_timer(std::uint32_t client, Time_us at, ClientTimer kind, std::uint64_t arg) {
  queue_.push(Event{at, arg, client, 0, EventKind::client, EventClass::other, static_cast<std::uint8_t>(kind)});
}

void Simulation::client_call(std::uint32_t client, const Command& c, const Value& encoded) {
  ++open_requests_;
  // Hook by hook: each observer still sees its own calls in this order.
  for (Observer* o : watching(Hook::propose)) o->on_propose(now_, scenario_.nodes + client, encoded);
  for (Observer* o : watching(Hook::client_call)) o->on_client_call(now_, client, c);
  for (Observer* o : watching(Hook::request_open))
    o->on_request_open(now_, request_id(client, c.request), scenario_.nodes + client);
}

void Simulation::client_return(std::uint32_t client, const Command& c, const Message& reply) {
  request_closed();
  ++stats_.client_ops_completed;
  for (Observer* o : watching(Hook::client_return)) o->on_client_return(now_, client, c, reply);
  for (Observer* o : watching(Hook::request_done)) o->on_request_done(now_, request_id(client, c.request));
}

// ---------------------------------------------------------------- lock clients

bool Simulation::on_lock_event(const Event& e) {
  const auto kind = static_cast<LockTimer>(e.aux);
  if (client_paused_[e.target]) {
    client_held_[e.target].push_back(e);
    return false;
  }
  if (!lock_->timer_live(e.target, kind, e.arg)) return false;  // stale
  StepInfo info;
  info.kind = StepKind::client;
  info.node = scenario_.nodes + e.target;
  info.client_timer = e.aux;
  begin_step(info);
  lock_->on_timer(e.target, kind, e.arg, *this);
  end_step(info);
  return true;
}

void Simulation::lock_timer(std::uint32_t client, Time_us local_us, LockTimer kind, std::uint64_t arg) {
  const Time_us at = now_ + clocks_[scenario_.nodes + client].true_duration(local_us);
  queue_.push(Event{at, arg, client, 0, EventKind::client, EventClass::other, static_cast<std::uint8_t>(kind)});
}

void Simulation::lock_call(std::uint32_t client, const Command& c) {
  const Value v = encode(c);
  ++open_requests_;
  for (Observer* o : watching(Hook::propose)) o->on_propose(now_, scenario_.nodes + client, v);
  for (Observer* o : watching(Hook::request_open))
    o->on_request_open(now_, request_id(client, c.request), scenario_.nodes + client);
}

void Simulation::lock_return(std::uint32_t client, const Command& c) {
  request_closed();
  ++stats_.client_ops_completed;
  for (Observer* o : watching(Hook::request_done)) o->on_request_done(now_, request_id(client, c.request));
}

void Simulation::lock_dropped(std::uint32_t client, const Command& c) {
  request_closed();
  for (Observer* o : watching(Hook::request_dropped)) o->on_request_dropped(now_, request_id(client, c.request));
}

void Simulation::lock_event(const LockEvent& e) {
  for (Observer* o : watching(Hook::lock_event)) o->on_lock_event(now_, e);
}

void Simulation::apply_client_fault(FaultAction a, std::uint32_t client) {
  switch (a) {
    case FaultAction::crash:
      client_paused_[client] = 0;
      for (const Event& e : client_held_[client])
        if (e.kind == EventKind::deliver) {
          pool_.free(static_cast<std::uint32_t>(e.arg));
          ++stats_.messages_dropped;
        }
      client_held_[client].clear();
      lock_->crash(client, *this);
      break;
    case FaultAction::restart: lock_->restart(client, *this); break;
    case FaultAction::pause: client_paused_[client] = 1; break;
    case FaultAction::resume: {
      client_paused_[client] = 0;
      // What fell due while paused happens now, in the order it fell due.
      for (Event e : client_held_[client]) {
        e.time = now_;
        queue_.push(e);
      }
      client_held_[client].clear();
      break;
    }
    case FaultAction::clock:
      clocks_[scenario_.nodes + client].set(now_, resolved_.offset_ms, resolved_.drift_ppm);
      break;
    default: break;
  }
}

void Simulation::send(const Message& m) { send_slot(pool_.put(m)); }

// The message waits in its pool slot from here on (a copy it is sent twice
// gets a slot of its own); one lost at send frees its slot at once.
// Inline where nodes' sends are carried out: a node's send to itself is its
// delivery event, and on a link that neither loses nor duplicates, untaped,
// a send is its delay and its delivery event (send_fated was a call per
// message a leader sends itself).
inline void Simulation::send_slot(std::uint32_t slot) {
  const Message& m = pool_[slot];
  ++stats_.sent_by_kind[static_cast<int>(m.kind)];
  for (Observer* o : sending_[static_cast<int>(m.kind)]) o->on_send(now_, m);
  // A node's messages to itself: one copy, at once (no draw, taped or not).
  if (m.from == m.to) {
    queue_.push(Event{now_, slot, m.to, 0, EventKind::deliver, EventClass::other, 0});
    return;
  }
  // A link that neither loses nor duplicates, untaped (a tape needs the
  // whole fate): the delay alone, no decision built. The same draws as
  // send_fate's (a chance of 0 draws nothing). The usual delay is asked
  // first, in the same test; a fuzz run's others (a constant, an
  // exponential) are drawn by a call.
  Time_us delay;
  if (plain_usual_sends_) [[likely]] {
    delay = network_rng_.draw_usual_us(network_.delay());
  } else if (plain_sends_) {
    delay = network_rng_.draw_unusual_us(network_.delay());
  } else {
    send_fated(slot);
    return;
  }
  queue_.push(Event{now_ + delay, slot, m.to, 0, EventKind::deliver, EventClass::other, 0});
}

// The rest of send_slot, for a message between two nodes on a link that
// may lose or duplicate, or with a tape or a pinned schedule: its fate, one
// decision.
void Simulation::send_fated(std::uint32_t slot) {
  const Message& m = pool_[slot];
  PAXSIM_ASSERT(m.from != m.to);  // send_slot delivers those itself
  Decision fate;
  if (!pinned_)
    fate = network_rng_.send_fate(network_.model(), network_.delay());
  else
    fate.delay_us[0] = network_rng_.draw_us(network_.model().delay_ms);  // a pinned schedule loses and duplicates by itself
  if (fate.dropped) {
    ++stats_.messages_dropped;
    for (Observer* o : watching(Hook::drop_at_send)) o->on_drop_at_send(now_, m);
    pool_.free(slot);
    return;
  }
  if (fate.copies == 2) ++stats_.messages_duplicated;
  for (int c = 0; c < fate.copies; ++c) {
    const std::uint32_t copy = c == 0 ? slot : pool_.put(m);
    queue_.push(Event{now_ + fate.delay_us[c], copy, m.to, 0, EventKind::deliver, EventClass::other, 0});
  }
}

void Simulation::schedule_timer(NodeId n, const TimerRequest& t) {
  NodeSlot& s = nodes_[n];
  const Params& p = scenario_.params;
  double ms = 0;
  switch (t.kind) {
    case TimerKind::retry:
      ms = s.timer_rng.draw_ms(p.retry_ms) * static_cast<double>(1ull << std::min<std::uint32_t>(t.backoff, 30));
      ms = std::min(ms, p.retry_ms_max);
      break;
    case TimerKind::catchup: ms = s.timer_rng.draw_ms(p.catchup_ms); break;
    case TimerKind::heartbeat: ms = s.timer_rng.draw_ms(p.heartbeat_ms); break;
    case TimerKind::election: ms = s.timer_rng.draw_ms(p.election_timeout_ms); break;
  }
  // The node asked for an interval on its own clock.
  const Time_us at = now_ + clocks_[n].true_duration(std::max<Time_us>(1, ms_to_us(ms)));
  s.last_timer_token[static_cast<int>(t.kind)] = t.token;
  queue_.push(Event{at, t.token, n, s.incarnation, EventKind::timer, EventClass::other,
                    static_cast<std::uint8_t>(t.kind)});
}

// ---------------------------------------------------------------- a pinned schedule

bool Simulation::step_scheduled() {
  const auto& schedule = scenario_.schedule;
  while (next_scheduled_ < schedule.size()) {
    const ScheduledStep& st = schedule[next_scheduled_];
    if (!take_scheduled(st)) {
      schedule_unmatched_ = next_scheduled_;
      next_scheduled_ = schedule.size();
      return false;
    }
    ++next_scheduled_;
    if (st.kind != ScheduledStep::Kind::duplicate) return true;  // a duplication is not a step of its own
  }
  return false;
}

// Carries out one scheduled step; false when it matches nothing pending.
bool Simulation::take_scheduled(const ScheduledStep& st) {
  using K = ScheduledStep::Kind;
  const auto message = [&](const Event& e) {
    if (e.kind != EventKind::deliver) return false;
    const Message& m = pool_[static_cast<std::uint32_t>(e.arg)];
    return m.kind == st.msg.kind && m.from == st.msg.from && m.to == st.msg.to && m.slot == st.msg.slot &&
           m.ballot == st.msg.ballot && m.accepted_ballot == st.msg.accepted_ballot && m.value == st.msg.value &&
           m.entries == st.msg.entries && m.commit == st.msg.commit && m.request == st.msg.request &&
           m.leader_hint == st.msg.leader_hint && m.flags == st.msg.flags;
  };
  const bool on_node = st.kind == K::timer || st.kind == K::durable || st.kind == K::crash || st.kind == K::restart;
  if (on_node && st.node >= scenario_.nodes) return false;
  switch (st.kind) {
    case K::deliver: {
      const std::optional<Event> e = queue_.take_first(message);
      if (!e) return false;
      now_ = std::max(now_, e->time);
      on_deliver(*e);  // a message to a node that is down is lost, as in any run
      return true;
    }
    case K::drop: {
      const std::optional<Event> e = queue_.take_first(message);
      if (!e) return false;
      now_ = std::max(now_, e->time);
      const Message m = std::move(pool_[static_cast<std::uint32_t>(e->arg)]);
      pool_.free(static_cast<std::uint32_t>(e->arg));
      StepInfo info;
      info.kind = StepKind::lost;
      info.node = m.to;
      info.msg = &m;
      info.loss = LossReason::random_drop;
      begin_step(info);
      ++stats_.messages_dropped;
      end_step(info);
      return true;
    }
    case K::duplicate: {
      const std::optional<Event> e = queue_.take_first(message);
      if (!e) return false;
      queue_.push(*e);
      Event copy = *e;
      copy.arg = pool_.put(pool_[static_cast<std::uint32_t>(e->arg)]);
      queue_.push(copy);
      ++stats_.messages_duplicated;
      return true;
    }
    case K::timer: {
      NodeSlot& s = nodes_[st.node];
      const std::uint64_t token = s.last_timer_token[static_cast<int>(st.timer)];
      const std::optional<Event> e = queue_.take_first([&](const Event& x) {
        return x.kind == EventKind::timer && x.target == st.node && x.incarnation == s.incarnation &&
               x.aux == static_cast<std::uint8_t>(st.timer) && x.arg == token;
      });
      if (!e) return false;
      now_ = std::max(now_, e->time);
      return on_timer(*e);
    }
    case K::durable: {
      NodeSlot& s = nodes_[st.node];
      if (s.durable.in_flight() == 0) return false;
      const std::uint64_t id = s.next_durable_id();
      const std::optional<Event> e = queue_.take_first([&](const Event& x) {
        return x.kind == EventKind::durable && x.target == st.node && x.incarnation == s.disk_epoch && x.arg == id;
      });
      if (!e) return false;
      now_ = std::max(now_, e->time);
      return on_durable(*e);
    }
    case K::crash:
    case K::restart: {
      if ((st.kind == K::crash) != (nodes_[st.node].node != nullptr)) return false;
      Fault f;
      f.at_us = now_;
      f.action = st.kind == K::crash ? FaultAction::crash : FaultAction::restart;
      f.node = NodeSelector{NodeSelector::Kind::index, st.node};
      StepInfo info;
      info.kind = StepKind::fault;
      apply_fault(f, info);
      return true;
    }
    case K::propose: {
      const auto& props = scenario_.workload.proposals;
      if (st.index >= props.size()) return false;
      on_propose(Event{now_, st.index, props[st.index].node, 0, EventKind::propose, EventClass::other, 0});
      return true;
    }
    case K::request: {
      if (st.index >= scenario_.workload.requests.size()) return false;
      scheduled_request(st.index);
      return true;
    }
  }
  return false;
}

// An exact kv request issued by the schedule: its client calls it and sends it
// to its "via" node, or else to every node (whichever leads takes it). The
// request id is its position among its client's requests, from 1.
void Simulation::scheduled_request(std::size_t index) {
  const auto& requests = scenario_.workload.requests;
  const KvRequest& r = requests[index];
  Command c;
  c.client = r.client;
  c.request = 1;
  for (std::size_t i = 0; i < index; ++i) c.request += requests[i].client == r.client ? 1 : 0;
  c.op = r.op;
  c.key = r.key;
  c.value = r.value;
  StepInfo info;
  info.kind = StepKind::client;
  info.node = scenario_.nodes + r.client;
  info.client_timer = static_cast<std::uint8_t>(ClientTimer::arrival);
  begin_step(info);
  const Value encoded = encode(c);
  client_call(r.client, c, encoded);
  Message m;
  m.kind = MsgKind::client_request;
  m.from = scenario_.nodes + r.client;
  m.request = c.request;
  m.value = encoded;
  for (NodeId n = 0; n < scenario_.nodes; ++n) {
    if (r.via && *r.via != n) continue;
    m.to = n;
    send(m);
  }
  end_step(info);
}

// ---------------------------------------------------------------- steps and the fingerprint

const char* to_string(StepKind k) {
  switch (k) {
    case StepKind::deliver: return "deliver";
    case StepKind::lost: return "lost";
    case StepKind::timer: return "timer";
    case StepKind::durable: return "durable";
    case StepKind::fault: return "fault";
    case StepKind::nemesis: return "nemesis";
    case StepKind::propose: return "propose";
    case StepKind::client: return "client";
  }
  return "?";
}

const char* to_string(LossReason r) {
  switch (r) {
    case LossReason::random_drop: return "drop";
    case LossReason::partition: return "partition";
    case LossReason::cut: return "cut";
    case LossReason::node_down: return "node_down";
  }
  return "?";
}

}  // namespace paxsim::sim
