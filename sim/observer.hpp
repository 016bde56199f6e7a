// What the simulator tells its observers (checkers, trace writers). Observers
// get const data only: they watch the world, they never change it.
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>

#include "paxos/effects.hpp"
#include "paxos/kv.hpp"
#include "paxos/message.hpp"
#include "sim/scenario.hpp"

namespace paxsim::sim {

enum class StepKind : std::uint8_t {
  deliver,     // a message reached a running node
  lost,        // a message was lost at delivery (partition, cut, node down)
  timer,       // a node's timer fired
  durable,     // a write became durable
  fault,       // a timeline fault action
  nemesis,     // a nemesis fault or undo
  propose,     // a workload proposal reached its node (or was skipped)
  client,      // a kv client acted on its own (issued, retried after a timeout, resent)
};
const char* to_string(StepKind k);

enum class LossReason : std::uint8_t { random_drop, partition, cut, node_down };
const char* to_string(LossReason r);

struct StepInfo {
  std::uint64_t index = 0;  // 1-based
  Time_us time = 0;
  StepKind kind = StepKind::deliver;
  EndpointId node = k_no_node;       // the endpoint (node, or client for client steps) the step happened at
  const Message* msg = nullptr;      // deliver, lost
  std::optional<LossReason> loss;    // lost
  TimerKind timer = TimerKind::retry;  // timer
  const Record* record = nullptr;    // durable
  const Fault* fault = nullptr;      // fault, nemesis: the action, node selector resolved
  const Value* value = nullptr;      // propose
  std::uint8_t client_timer = 0;     // client: a sim::ClientTimer
  bool did_nothing = false;          // fault/nemesis: nothing qualified; propose: skipped
  bool undo = false;                 // nemesis: undoing an earlier fault
};

// The lock workload (sim/lock_clients.hpp): an action at the protected
// resource, or the end of a client's hold (released, given up, or crashed).
struct LockEvent {
  enum class Kind : std::uint8_t { act, end } kind = Kind::act;
  std::uint32_t client = 0;  // client index (c1 = 0)
  std::uint64_t token = 0;   // the fencing token of the client's hold
  bool accepted = true;      // act: the resource took it (fencing rejects a stale token)
};

// The hooks (Observer's on_* functions and after_step), as bits. An observer
// names those it overrides (hooks()), and the simulator calls it for those
// only: most observers watch a few, and a virtual call that does nothing
// still costs on every step or command. An observer that does not say gets
// every hook.
enum class Hook : std::uint8_t {
  step, after_step, send, durable, learn, quorum, apply,
  drop_at_send, propose, request_open, request_done, request_dropped,
  client_call, client_return, lock_event, crash, restart,
};
inline constexpr int k_hook_count = 17;
using HookSet = std::uint32_t;
inline constexpr HookSet k_every_hook = (HookSet{1} << k_hook_count) - 1;
template <class... H>
constexpr HookSet hook_set(H... h) {
  return ((HookSet{1} << static_cast<int>(h)) | ... | HookSet{0});
}

// Message kinds, as bits: those whose sends an observer of Hook::send wants.
// Most messages are of kinds a checker ignores (a quorum checker looks at
// promises and acceptances only), and the send hook runs on every message.
using MsgKindSet = std::uint32_t;
static_assert(k_msg_kind_count <= 32);
inline constexpr MsgKindSet k_every_msg_kind = (MsgKindSet{1} << k_msg_kind_count) - 1;
template <class... K>
constexpr MsgKindSet msg_kind_set(K... k) {
  return ((MsgKindSet{1} << static_cast<int>(k)) | ... | MsgKindSet{0});
}

// Record kinds, as bits: those whose writes an observer of Hook::durable
// wants when they become durable. A node writes a decided record per slot
// beside its acceptances, and the checkers that watch writes read
// acceptances and promises only.
using RecordKindSet = std::uint8_t;
inline constexpr int k_record_kind_count = 4;
static_assert(static_cast<int>(RecordKind::decided) + 1 == k_record_kind_count);
inline constexpr RecordKindSet k_every_record_kind = (RecordKindSet{1} << k_record_kind_count) - 1;
template <class... K>
constexpr RecordKindSet record_kind_set(K... k) {
  return static_cast<RecordKindSet>(((1u << static_cast<int>(k)) | ... | 0u));
}

// Request ids, as the request hooks (on_request_open, _done, _dropped) give
// them: a kv or lock client's request r is client_request_id(client, r),
// the client's number plus one from bit 40 up; a workload proposal's id is
// a count below 2^40, with no client.
inline constexpr unsigned k_request_client_shift = 40;
constexpr std::uint64_t client_request_id(std::uint32_t client, std::uint64_t request) {
  return (std::uint64_t{client + 1} << k_request_client_shift) | request;
}
// A request id's client number plus one; 0 for a proposal.
constexpr std::uint64_t request_client_plus_one(std::uint64_t id) { return id >> k_request_client_shift; }

class Observer {
 public:
  virtual ~Observer() = default;
  // Which of the hooks in Hook it overrides (see overridden_hooks below).
  virtual HookSet hooks() const { return k_every_hook; }
  // With Hook::send: the kinds of message on_send is called for (the simulator
  // skips the others; an explorer may still pass any, and on_send ignores them).
  virtual MsgKindSet sends_watched() const { return k_every_msg_kind; }
  // With Hook::durable: the kinds of record on_durable is called for (the
  // same: the simulator skips the others, an explorer may pass any).
  virtual RecordKindSet durables_watched() const { return k_every_record_kind; }
  // With Hook::step: null, or where the observer keeps a time before which
  // it has nothing to do in on_step (the liveness checker: its earliest
  // deadline). The simulator then calls on_step only for a step whose time
  // is past it, reading it before each step: a compare instead of a virtual
  // call per step. The observer keeps it up to date, itself.
  virtual const Time_us* step_due() const { return nullptr; }
  // Before the step changes anything (the state is still the one at its time).
  virtual void on_step(const StepInfo&) {}
  virtual void on_send(Time_us, const Message&) {}
  virtual void on_drop_at_send(Time_us, const Message&) {}
  virtual void on_durable(Time_us, NodeId, const Record&) {}
  virtual void on_learn(Time_us, NodeId, const Learned&) {}
  virtual void on_quorum(Time_us, NodeId, const QuorumUse&) {}
  virtual void on_propose(Time_us, NodeId, const Value&) {}
  virtual void on_request_open(Time_us, std::uint64_t /*id*/, NodeId) {}
  virtual void on_request_done(Time_us, std::uint64_t /*id*/) {}
  virtual void on_request_dropped(Time_us, std::uint64_t /*id*/) {}
  // Multi-Paxos: a replica applied the command at log index `a.slot`.
  virtual void on_apply(Time_us, NodeId, const Learned& /*a*/) {}
  // The kv history: a client's call (its first attempt) and the answer it got.
  virtual void on_client_call(Time_us, std::uint32_t /*client*/, const Command&) {}
  virtual void on_client_return(Time_us, std::uint32_t /*client*/, const Command&, const Message& /*reply*/) {}
  virtual void on_lock_event(Time_us, const LockEvent&) {}
  virtual void on_crash(Time_us, NodeId) {}
  virtual void on_restart(Time_us, NodeId, bool /*wiped*/) {}
  // After the step and all its effects.
  virtual void after_step(const StepInfo&) {}

  // Simulation::add_observer hands every observer the simulation's step count
  // (during a step, that step's index), so an observer that only wants the
  // index for its reports need not watch Hook::step: a virtual call per step.
  // An observer that forwards the hooks to others hands it on to them.
  virtual void watch_step_count(const std::uint64_t* count) { step_count_ = count; }

 protected:
  // The index of the step under way; 0 outside a simulation (the explorer
  // numbers the reports it takes out itself).
  std::uint64_t step_index() const { return step_count_ ? *step_count_ : 0; }

 private:
  const std::uint64_t* step_count_ = nullptr;
};

// The hooks T overrides: those of Observer's hook functions that T, or a
// class between it and Observer, declares again (then &T::f names that
// class's function, not Observer's). An observer that names its hooks asserts
// they are exactly these, so a hook it overrides but forgets to name fails to
// compile instead of silently never being called.
template <class T>
constexpr HookSet overridden_hooks() {
  HookSet h = 0;
  const auto mark = [&h]<class Mine, class Base>(Hook k, Mine, Base) {
    if constexpr (!std::is_same_v<Mine, Base>) h |= hook_set(k);
  };
  mark(Hook::step, &T::on_step, &Observer::on_step);
  mark(Hook::after_step, &T::after_step, &Observer::after_step);
  mark(Hook::send, &T::on_send, &Observer::on_send);
  mark(Hook::durable, &T::on_durable, &Observer::on_durable);
  mark(Hook::learn, &T::on_learn, &Observer::on_learn);
  mark(Hook::quorum, &T::on_quorum, &Observer::on_quorum);
  mark(Hook::apply, &T::on_apply, &Observer::on_apply);
  mark(Hook::drop_at_send, &T::on_drop_at_send, &Observer::on_drop_at_send);
  mark(Hook::propose, &T::on_propose, &Observer::on_propose);
  mark(Hook::request_open, &T::on_request_open, &Observer::on_request_open);
  mark(Hook::request_done, &T::on_request_done, &Observer::on_request_done);
  mark(Hook::request_dropped, &T::on_request_dropped, &Observer::on_request_dropped);
  mark(Hook::client_call, &T::on_client_call, &Observer::on_client_call);
  mark(Hook::client_return, &T::on_client_return, &Observer::on_client_return);
  mark(Hook::lock_event, &T::on_lock_event, &Observer::on_lock_event);
  mark(Hook::crash, &T::on_crash, &Observer::on_crash);
  mark(Hook::restart, &T::on_restart, &Observer::on_restart);
  return h;
}

}  // namespace paxsim::sim
