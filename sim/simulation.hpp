// The simulated world: time, the network, the disks, node lifecycles, the
// workload, the nemesis, and all randomness. It runs protocol nodes through
// their one door (Node::step) and carries out their effects. One simulation
// is single-threaded and deterministic: the same scenario and seed give the
// same sequence of steps and the same fingerprint on every machine.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "paxos/node.hpp"
#include "sim/assert.hpp"
#include "sim/clock.hpp"
#include "sim/durable_log.hpp"
#include "sim/event_queue.hpp"
#include "sim/fifo.hpp"
#include "sim/fingerprint.hpp"
#include "sim/kv_clients.hpp"
#include "sim/message_pool.hpp"
#include "sim/lock_clients.hpp"
#include "sim/network.hpp"
#include "sim/observer.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace paxsim::sim {

// Builds a protocol node from its durable records; tests swap in doubles.
using NodeFactory = std::function<std::unique_ptr<Node>(const NodeConfig&, std::span<const Record>)>;
NodeFactory default_node_factory(const Scenario& s);
NodeConfig node_config(const Scenario& s, NodeId n);

struct Stats {
  std::uint64_t steps = 0;
  std::uint64_t messages_sent = 0;  // the sum of sent_by_kind
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;  // at send (random loss) or at delivery
  std::uint64_t messages_duplicated = 0;
  std::uint64_t records_persisted = 0;  // the writes issued, every node's
  std::uint64_t client_ops_completed = 0;
  std::uint64_t proposals_skipped = 0;
  std::uint64_t proposals_dropped = 0;
  std::uint64_t crashes = 0;
  std::uint64_t sent_by_kind[k_msg_kind_count] = {};
};

class Simulation : private ClientWorld, private LockWorld {
 public:
  Simulation(const Scenario& scenario, NodeFactory factory);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  void add_observer(Observer* o) {
    o->watch_step_count(&stats_.steps);
    const HookSet h = o->hooks();
    watched_ |= h;
    for (int k = 0; k < k_hook_count; ++k)
      if (h & (HookSet{1} << k)) hooked_[k].push_back(o);
    if (h & hook_set(Hook::step)) {
      if (const Time_us* due = o->step_due()) {
        hooked_[static_cast<int>(Hook::step)].pop_back();
        stepping_when_due_.push_back(StepWhenDue{o, due});
        // One such observer (the usual case) is asked in line; with more,
        // every step calls notify_step, which asks each.
        step_due_ = stepping_when_due_.size() == 1 ? due : &k_due_now;
      } else {
        stepping_always_ = true;
      }
    }
    if (h & hook_set(Hook::send)) {
      const MsgKindSet kinds = o->sends_watched();
      for (int k = 0; k < k_msg_kind_count; ++k)
        if (kinds & (MsgKindSet{1} << k)) sending_[k].push_back(o);
    }
    if (h & hook_set(Hook::durable)) {
      const std::size_t at = watching(Hook::durable).size() - 1;  // o's position there
      PAXSIM_ASSERT(at < 64);
      const RecordKindSet kinds = o->durables_watched();
      for (int k = 0; k < k_record_kind_count; ++k)
        if (kinds & (1u << k)) persisting_[k] |= std::uint64_t{1} << at;
    }
  }

  // Boots the nodes (their start input) and schedules the timeline. Call once,
  // after adding observers.
  void start();
  // Takes events until one is a step; false when there is none before the
  // time limit (then now() is the end of the run).
  bool step();
  // What makes run() hand back to its caller: flags its observers set (a
  // violation reported, a liveness deadline missed), a number of steps in
  // all, and quiescence (see run()).
  struct RunStops {
    const bool* violation;  // any hook may set it
    // Set only in an observer's on_step (the liveness checker judges its
    // deadlines there), so it is read after the steps that called one.
    const bool* liveness;
    std::uint64_t max_steps;
  };
  // Takes steps, as step() would one by one, until a step is followed by a
  // flag of `stops` set, `stops.max_steps` steps taken in all, or the faults
  // over and the workload settled (the caller then asks whether every node
  // has caught up, and calls again if not). True then; false, as step(),
  // when no event is left before the time limit. The same run as a loop of
  // step() and those tests, without a call and return per step.
  bool run(const RunStops& stops);

  Time_us now() const { return now_; }
  std::uint64_t fingerprint() const { return fingerprint_.value(); }
  // The two counts another count already holds are worked out here, not
  // counted along: messages_sent (sent_by_kind's sum) and records_persisted
  // (the nodes' writes issued, NodeSlot::next_write_id), an add to memory
  // fewer per send and per write.
  Stats stats() const {
    Stats s = stats_;
    for (std::uint64_t k : s.sent_by_kind) s.messages_sent += k;
    for (const NodeSlot& n : nodes_) s.records_persisted += n.next_write_id;
    return s;
  }
  const Scenario& scenario() const { return scenario_; }

  bool is_up(NodeId n) const { return nodes_[n].node != nullptr; }
  bool is_paused(NodeId n) const { return nodes_[n].paused; }
  // A node: up, not paused, and able to exchange messages with a majority of
  // running nodes (itself included). A client: able to exchange messages with
  // a majority of running nodes.
  bool is_live(EndpointId e) const;
  // `e` can exchange messages with a majority of `among` (nodes; only running
  // ones count): is_live's test, asked of one group's members with shards.
  bool reaches_majority(EndpointId e, std::span<const NodeId> among) const;
  const Node* node(NodeId n) const { return nodes_[n].node.get(); }
  const Network& network() const { return network_; }
  // Every endpoint's own clock (nodes, then clients).
  const LocalClock& clock(EndpointId e) const { return clocks_[e]; }
  // The lock workload's clients, if it runs.
  const LockClients* lock_clients() const { return lock_ ? &*lock_ : nullptr; }

  // The workload has nothing left to issue and no request is open (and a
  // pinned schedule, if any, has been taken to its end). Asked after every
  // step: the test that fails most often, a request still open, comes first.
  bool workload_settled() const {
    return open_requests_ == 0 && next_proposal_ == proposal_order_.size() && (!kv_ || kv_->settled()) &&
           (!lock_ || lock_->settled()) &&
           next_scheduled_ == scenario_.schedule.size();
  }
  // With a pinned schedule: the index of the first step that matched nothing
  // pending (the run stopped there), if any.
  std::optional<std::size_t> schedule_unmatched() const { return schedule_unmatched_; }
  // Time after which no timeline fault or nemesis action is left.
  Time_us faults_over_at() const { return faults_over_at_; }

  // Record every random decision from now on (call before start()); the
  // recorded tape replays this run (sim/decisions.hpp).
  void record_decisions();
  const DecisionLog& decisions() const { return decisions_; }

 private:
  // A send waiting for a write (persist before send), in its pool slot.
  struct Gated {
    std::uint64_t write_id = 0;
    std::uint32_t slot = 0;
  };
  struct NodeSlot {
    std::unique_ptr<Node> node;  // null while crashed
    bool paused = false;
    std::uint32_t incarnation = 0;
    std::uint32_t disk_epoch = 0;
    Time_us disk_last_durable_us = 0;
    // Writes are numbered in the order issued, which is the order they
    // become durable: those in flight are the last durable.in_flight() ids.
    std::uint64_t next_write_id = 0;
    DurableLog durable;
    Fifo<Gated> gated;                 // in write order: each waits for the latest write before it
    std::vector<Event> held;           // events that fell due while paused
    std::vector<std::uint32_t> held_sends;  // pool slots of gated sends released while paused
    std::vector<std::uint64_t> open_requests;
    Rng timer_rng;
    Rng disk_rng;
    std::array<std::uint64_t, k_timer_kind_count> last_timer_token{};  // per kind: the latest set

    // The id of the next write to become durable (one is in flight).
    std::uint64_t next_durable_id() const { return next_write_id - durable.in_flight(); }
  };
  struct NemesisFault {
    std::uint64_t id;
    FaultAction action;
    NodeId node;  // crash, pause, clock
    double prev_drift_ppm = 0;  // clock: the rate to go back to
  };

  // Steps
  [[gnu::always_inline]] inline bool dispatch(const Event& e);
  // Inline in step (through dispatch): most steps are deliveries, and most
  // others writes becoming durable; a call here saved and restored registers
  // that step had saved already.
  [[gnu::always_inline]] inline bool on_deliver(const Event& e);
  [[gnu::noinline]] void lose(std::uint32_t slot);  // on_deliver's loss to a node
  bool on_timer(const Event& e);
  [[gnu::always_inline]] inline bool on_durable(const Event& e);
  void on_fault(const Event& e);
  void on_propose(const Event& e);
  void on_nemesis_tick();
  void on_nemesis_undo(std::uint64_t id);
  void on_nemesis_end();
  bool on_client_event(const Event& e);
  // EventQueue::drop_stale's test: a kv client's timer that can no longer fire.
  static bool stale_client_timer(const void* context, const Event& e);
  // step() without a pinned schedule, in line in run() too.
  [[gnu::always_inline]] bool take_queued_step();
  // A pinned schedule (scenario.schedule) instead of the event queue's order.
  bool step_scheduled();
  bool take_scheduled(const ScheduledStep& st);
  void scheduled_request(std::size_t index);

  // ClientWorld: what the kv clients ask of the world.
  Message& client_message() override {
    client_slot_ = pool_.put_new();
    return pool_[client_slot_];
  }
  void client_send() override;
  void client_timer(std::uint32_t client, Time_us at, ClientTimer kind, std::uint64_t arg) override;
  void client_call(std::uint32_t client, const Command& c, const Value& encoded) override;
  void client_return(std::uint32_t client, const Command& c, const Message& reply) override;
  // LockWorld: what the lock clients ask of the world.
  bool on_lock_event(const Event& e);
  void lock_send(const Message& m) override { send(m); }
  void lock_timer(std::uint32_t client, Time_us local_us, LockTimer kind, std::uint64_t arg) override;
  Time_us lock_local_now(std::uint32_t client) const override { return clocks_[scenario_.nodes + client].local_at(now_); }
  void lock_call(std::uint32_t client, const Command& c) override;
  void lock_return(std::uint32_t client, const Command& c) override;
  void lock_dropped(std::uint32_t client, const Command& c) override;
  void lock_event(const LockEvent& e) override;
  // Faults on clients (lock workload: crash, restart, pause, resume; any workload: clock).
  void apply_client_fault(FaultAction a, std::uint32_t client);
  static std::uint64_t request_id(std::uint32_t client, std::uint64_t request) { return client_request_id(client, request); }

  // World actions
  void apply_fault(const Fault& f, StepInfo& info);
  void crash(NodeId n);
  void restart(NodeId n, bool wipe);
  void pause(NodeId n);
  void resume(NodeId n);
  [[gnu::always_inline]] inline void run_node(NodeId n, const Input& in);
  [[gnu::always_inline]] inline void step_node(NodeId n, const Input& in);  // run_node but the effects
  void apply_effects(NodeId n);
  // apply_effects' body: inline where a node gets a message (most steps,
  // whose registers step has saved already), a call everywhere else.
  [[gnu::always_inline]] inline void carry_out(NodeId n);
  [[gnu::noinline]] void report_effects(NodeId n);
  void send(const Message& m);
  [[gnu::always_inline]] inline void send_slot(std::uint32_t slot);
  [[gnu::noinline]] void send_fated(std::uint32_t slot);
  void schedule_timer(NodeId n, const TimerRequest& t);
  NodeId resolve(const NodeSelector& sel, FaultAction action);
  std::uint32_t down_count() const;
  // Every stream's Rng goes through decisions_ (a tape, or recording).
  void attach_decisions();
  void attach_client_decisions();

  // Around every step: inline, as a call each cost more than their bodies.
  [[gnu::always_inline]] inline void begin_step(StepInfo& info);
  [[gnu::always_inline]] inline void end_step(const StepInfo& info);
  [[gnu::always_inline]] inline void hash_step(const StepInfo& info);  // specialised per kind of step
  [[gnu::always_inline]] inline void hash_message(const Message& m);

  Scenario scenario_;
  NodeFactory factory_;
  std::array<std::vector<Observer*>, k_hook_count> hooked_;  // per Hook: the observers that watch it
  const std::vector<Observer*>& watching(Hook h) const { return hooked_[static_cast<int>(h)]; }
  // The hooks some observer watches: around every step, one bit test skips
  // the loop over a hook nobody watches (setting up that loop cost more).
  HookSet watched_ = 0;
  bool watched(Hook h) const { return (watched_ & hook_set(h)) != 0; }
  // Observers of Hook::step that keep the time they next need a step
  // (Observer::step_due); watching(Hook::step) has the rest.
  struct StepWhenDue {
    Observer* observer;
    const Time_us* due;
  };
  std::vector<StepWhenDue> stepping_when_due_;
  static constexpr Time_us k_due_now = std::numeric_limits<Time_us>::min();
  static constexpr Time_us k_due_never = std::numeric_limits<Time_us>::max();
  const Time_us* step_due_ = &k_due_never;  // the one in stepping_when_due_, or k_due_now if several
  bool stepping_always_ = false;            // watching(Hook::step) is not empty
  // Out of line, each given a copy of the step's info made field by field in
  // the rare branch that calls it: given the step's own info by reference,
  // or a copy of it made whole, GCC kept that info in memory, zeroed and
  // filled on every step; this way its fields stay in registers (or are
  // constants hash_step folds) on the steps no observer watches. The copy
  // takes the step's index from the count (begin_step leaves the info's
  // unset): kept in the info, it was spilled to the stack on every delivery.
  [[gnu::noinline]] void notify_step(const StepInfo& info);
  [[gnu::noinline]] void notify_after_step(const StepInfo& info);
  [[gnu::always_inline]] StepInfo copy_of(const StepInfo& i) const {
    StepInfo c;
    c.index = stats_.steps;
    c.time = i.time;
    c.msg = i.msg;
    c.record = i.record;
    c.fault = i.fault;
    c.value = i.value;
    c.node = i.node;
    c.kind = i.kind;
    c.loss = i.loss;
    c.timer = i.timer;
    c.client_timer = i.client_timer;
    c.did_nothing = i.did_nothing;
    c.undo = i.undo;
    return c;
  }
  static_assert(sizeof(void*) != 8 || sizeof(StepInfo) == 72, "StepInfo changed: update copy_of()");
  // Per message kind: the observers of Hook::send that want its sends, in the
  // order they were added (as in hooked_).
  std::array<std::vector<Observer*>, k_msg_kind_count> sending_;
  // Per record kind: the observers of Hook::durable that want it (so none
  // for a decided record, in every run with the usual checkers), as bits of
  // their positions in watching(Hook::durable): lists of their own cost the
  // short runs of a fuzz or a seed sweep more in allocations than they saved.
  std::array<std::uint64_t, k_record_kind_count> persisting_{};
  EventQueue queue_;
  Delay fsync_ms_;  // scenario_.fsync_ms, checked for the usual draw
  // A write's delay is fsync_ms_'s usual draw, from an untaped disk stream
  // (no decisions recorded or replayed): one test per write where there
  // were two. update_plain_writes() after attach_decisions().
  bool plain_writes_ = false;
  void update_plain_writes() { plain_writes_ = fsync_ms_.usual() && !decisions_on_; }
  Network network_;
  std::vector<NodeSlot> nodes_;
  std::vector<NodeId> all_nodes_;  // 0..nodes-1: is_live asks reaches_majority of them all
  Effects effects_;                 // reused across steps
  // A delivery's input, kept: each sets its message and clock reading only
  // (a fresh one was six stores per delivery, most of them zeros).
  Input deliver_input_{.kind = Input::Kind::message};
  MessagePool pool_;                // messages in flight, by slot
  std::uint32_t client_slot_ = 0;   // the slot of the message a kv client is building
  Rng network_rng_;
  Rng fault_rng_;
  Rng nemesis_rng_;
  DecisionLog decisions_;
  bool decisions_on_ = false;
  bool pinned_ = false;             // a pinned schedule (scenario_.schedule), asked at every step and send
  // A send between two nodes is its delay alone (see send_slot): no pinned
  // schedule, links that neither lose nor duplicate (Network::plain), and an
  // untaped network stream. Kept, one test per send where it was three:
  // update_plain_sends() after whatever may change one of them.
  // plain_usual_sends_: that, and the delay is the usual draw (Delay::usual),
  // which send_slot then draws without asking; send_fated draws the others.
  bool plain_sends_ = false;
  bool plain_usual_sends_ = false;
  void update_plain_sends() {
    plain_sends_ = !pinned_ && network_.plain() && !network_rng_.taped();
    plain_usual_sends_ = plain_sends_ && network_.delay().usual();
  }
  // Every node is up, not paused and reading true time (no clock offset or
  // drift), and no partition or cut is in force: a delivery to a node asks
  // this one flag, where it asked three (the node up, not paused, and the
  // network not split) and read the node's clock. Kept:
  // update_plain_deliveries() after every fault and nemesis step.
  bool plain_deliveries_ = false;
  void update_plain_deliveries();
  Time_us now_ = 0;
  Time_us faults_over_at_ = 0;
  Stats stats_;
  Fingerprint fingerprint_;
  Fault resolved_;                  // the fault of the current step, selectors resolved

  std::vector<std::size_t> proposal_order_;
  std::size_t next_proposal_ = 0;
  std::uint64_t open_requests_ = 0;
  // The proposals open on some node (NodeSlot::open_requests, all nodes'):
  // a run with clients has none, and report_effects asks this before it
  // finds the node's own list.
  std::uint64_t open_proposals_ = 0;
  std::uint64_t next_request_id_ = 1;
  // run(): after a step, the full stop test is asked only once
  // stats_.steps reaches this (besides the violation flag): the step limit,
  // or 0 once no request is open or an on_step set RunStops::liveness
  // (step_stop_), so most steps ask one compare for three tests.
  std::uint64_t ask_stops_at_ = 0;
  static constexpr bool k_no_stop = false;
  const bool* step_stop_ = &k_no_stop;  // RunStops::liveness while run() runs
  // Every request's close: the last open one's is a stop test to ask.
  void request_closed() {
    if (--open_requests_ == 0) ask_stops_at_ = 0;
  }

  std::optional<KvClients> kv_;
  std::optional<LockClients> lock_;
  std::vector<LocalClock> clocks_;               // per endpoint
  std::vector<std::uint8_t> client_paused_;      // per client (lock workload)
  std::vector<std::vector<Event>> client_held_;  // per client: events that fell due while paused

  std::size_t next_scheduled_ = 0;
  std::optional<std::size_t> schedule_unmatched_;

  std::vector<NemesisFault> nemesis_active_;
  std::uint64_t next_fault_id_ = 1;
  bool nemesis_over_ = false;
};

}  // namespace paxsim::sim
