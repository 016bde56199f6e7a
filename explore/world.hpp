// The explorer's world: the simulator's semantics with time taken out, as a
// copyable value. It runs the very protocol nodes the simulator runs (through
// Node::step, rebuilt from their records on restart) and carries out their
// effects the simulator's way: records first; sends marked after_durable wait
// until every record the node wrote so far is durable; a crash loses the
// node, its unsynced writes, the sends waiting on them and its timers. What
// the simulator draws at random becomes a choice (a transition):
//
//   propose i    a workload proposal reaches its node (each once, node up)
//   request j    a kv request: its client sends it to its "via" node, or else
//                to every node (each once, in file order per client)
//   deliver m    one copy of message m reaches its node (node up); identical
//                copies in flight are one choice
//   drop m       a copy of m is lost            (--max-drops; never self-sends)
//   duplicate m  a copy of m is added           (--max-dups;  never self-sends;
//                with the reductions: m is delivered and a copy stays)
//   timer n k    node n's pending timer of kind k fires (--max-timers, total;
//                --timer-kinds: only these kinds)
//   durable n    node n's oldest unsynced write becomes durable (explicit mode)
//   crash n      node n crashes                 (--max-crashes)
//   restart n    crashed node n restarts from its durable records
//
// Time is abstracted away: any pending timer may fire at any point, before or
// after any message, which over-approximates every timing the simulator can
// draw (safety does not depend on timing). A node ignores timer tokens it no
// longer expects (effects.hpp), and every node keeps one live token per
// kind, so a newer request of a kind replaces the older pending one.
//
// Durability (--writes): "explicit" makes each write's becoming durable a
// choice of its own, so a crash can fall between a write and its sync;
// "immediate" makes a step's writes durable right after the step (its
// unguarded sends leave first, then the writes sync, then the guarded sends
// leave: the order the simulator produces when the sync comes next). Without
// crashes the two give the same verdicts: a write's sync is visible only
// through the sends it holds back and through the checkers, and syncing
// sooner never hides a violation (every checker verdict is monotone in the
// set of durable records); so "auto" picks immediate when --max-crashes is 0.
//
// Reductions that keep verdicts (ModelOptions::reduce_states). Each removes
// states or steps that cannot lead to a violation no other kept state leads
// to, in as few steps (a state A "covers" B when A equals B except that A has
// a superset of B's messages in flight and has spent no more of any budget:
// every path from B is then a path from A, with the same checker reports,
// because nothing a node or checker does depends on a message being absent):
//  - losses are never explored: dropping m leads to a state its predecessor
//    covers (m may stay in flight forever; no timeout depends on it, since
//    timers fire at any point anyway). So --max-drops changes no verdict and
//    no shortest counterexample; it is accepted and reported as subsumed;
//  - a delivery or a timer firing that is a no-op (the node's state does not
//    change and it has no effect but messages to clients, which are absorbed)
//    is not taken: its successor is covered by the state it leaves (one
//    message or pending timer fewer, a budget more spent);
//  - obsolete messages are forgotten: when a delivery of m would be a no-op
//    now (delivered to a copy of the node to see) and, by the protocol, stays
//    one while the receiver lives (paxos/obsolete.hpp: promise, accepted,
//    nack, decide), and the crash budget is spent (no crash can reset the
//    receiver), m is removed from the network. The state with m and the one
//    without it have the same futures up to such no-op deliveries;
//  - states are keyed in a canonical form: a live node's disk as a set of
//    records once no crash is left (NodeState::disk_set_key); the nodes in
//    StateHasher's canonical form (tallies of voters as sorted multisets, no
//    timer tokens, nothing only messages to clients show); each timer kind as
//    pending or not. States keyed alike have the same futures;
//  - invisible local steps are postponed: see search.hpp ("Local steps");
//  - a step that only re-arms timers that were pending before it (a leader's
//    election timer firing) is a no-op: canonically a timer is pending or
//    not, so its successor is the state it leaves, a budget more spent;
//  - a kv request sent to one node ("via") is issued and delivered in one
//    step. Issuing it only puts the message in flight and adds the command
//    to the proposals (the validity checker's set); no step reads either
//    before the delivery (no node has the command before it, so none can
//    propose or choose it), so a path that issues it earlier can issue it
//    just before the delivery instead, and a path that never delivers it
//    can leave it unissued. The repro pins both steps;
//  - a duplicate is folded into a delivery: "duplicate m" is taken as
//    "deliver m and keep a copy in flight" (one step, the duplicate budget
//    spent). A path that duplicates m and later delivers it twice is
//    reordered so that the duplication happens just before the first of
//    those deliveries (it commutes with every step in between); the repro
//    pins both steps. Depths count the folded step once.
//
// Messages to clients (replies, redirects) are absorbed when sent: no checker
// the explorer runs depends on them. Timeline faults, the nemesis, network
// probabilities and delays, liveness and generated kv operations are not
// used: the budgets replace them.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "checkers/chosen.hpp"
#include "checkers/log.hpp"
#include "checkers/promises.hpp"
#include "checkers/quorums.hpp"
#include "checkers/violation.hpp"
#include "explore/key.hpp"
#include "paxos/node.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"

namespace paxsim::explore {

enum class Writes : std::uint8_t { immediate, explicit_sync };

// Fault and timer budgets: how many of each a path may use.
struct Budgets {
  std::uint32_t drops = 0;
  std::uint32_t dups = 0;
  std::uint32_t crashes = 0;
  std::uint32_t timers = 0;
  std::uint32_t& operator[](int i) { return i == 0 ? drops : i == 1 ? dups : i == 2 ? crashes : timers; }
  std::uint32_t operator[](int i) const { return i == 0 ? drops : i == 1 ? dups : i == 2 ? crashes : timers; }
  friend bool operator==(const Budgets&, const Budgets&) = default;
};
inline constexpr int k_budget_drops = 0, k_budget_dups = 1, k_budget_crashes = 2, k_budget_timers = 3;

// The exact state-space reductions (see "Reductions that keep verdicts"
// above); off, the model is the plain one (every loss, every duplicate as a
// step of its own, every message kept until delivered or lost).
struct ModelOptions {
  Budgets max;
  Writes writes = Writes::immediate;
  bool reduce_states = true;
  // Bit k: timers of kind k may fire (--timer-kinds); the budget counts them all.
  std::uint32_t timer_kinds = (1u << k_timer_kind_count) - 1;
};

enum class ChoiceKind : std::uint8_t { propose, request, deliver, drop, duplicate, timer, durable, crash, restart };
const char* to_string(ChoiceKind k);

// A transition label. Two states' choices with equal labels are the same
// transition (the partial-order reduction carries labels from state to state).
struct Choice {
  ChoiceKind kind = ChoiceKind::deliver;
  NodeId node = k_no_node;  // deliver: msg.to; propose: the proposal's node; timer, durable, crash, restart
  std::uint32_t index = 0;  // propose, request: index in the workload
  TimerKind timer = TimerKind::retry;
  std::uint64_t token = 0;  // timer
  Message msg;              // deliver, drop, duplicate
  std::uint64_t label = 0;  // a hash of the above: the identity of the transition
};

// What a transition may touch, for the partial-order reduction: its node, a
// budget, a message it loses or copies, and the checkers' memory it writes
// or reads (see independent() in world.cpp for why these are the conflicts).
struct QuorumKey {
  MsgKind kind = MsgKind::promise;  // promise or accepted
  Slot slot = 0;
  Ballot ballot;
  friend bool operator==(const QuorumKey&, const QuorumKey&) = default;
};
struct Footprint {
  NodeId node = k_no_node;
  int budget = -1;
  std::vector<QuorumKey> answers;                   // promise/accepted sent (QuorumChecker records them)
  bool answers_any = false;  // may send an answer not known from the transition alone (of any key)
  std::vector<QuorumKey> quorums;                   // quorums acted on (QuorumChecker reads the records)
  std::vector<std::pair<Slot, Value>> acceptances;  // durable accept records (ChosenTracker)
  std::vector<Slot> learns;                         // values learned (ChosenTracker reads what is chosen)
  bool learns_any = false;
  bool proposes = false;  // a value proposed (ChosenTracker's validity)
  bool applies = false;   // commands applied (LogChecker)
};

struct PendingWrite {
  Record record;
  std::vector<Message> gated;  // sends waiting for this write
};
struct Disk {
  std::vector<Record> durable;
  std::vector<PendingWrite> pending;  // oldest first; they sync in this order
};
struct NodeState {
  std::shared_ptr<const Node> node;  // null while crashed
  std::shared_ptr<const Disk> disk;
  std::array<std::uint64_t, k_timer_kind_count> timers{};  // the pending token per kind; 0: none
  Key node_key;                                             // of node->hash_state
  Key disk_key;      // every record, in the order written
  // The durable records as a set (sorted, repeats once), and the pending
  // writes in order. The state key uses it for a live node once the crash
  // budget is spent: the disk is then never read by its node again (only a
  // restart reads it, and a live node can no longer crash), and what the
  // checkers remember of it is a function of the set (the ChosenTracker's
  // acceptances per slot and ballot, the PromiseChecker's highest promise and
  // highest acceptance per slot: a state in which records arrived in an order
  // that would make these differ is a violating state, never expanded). Two
  // acceptors that wrote the same promises in another order, or one promise
  // twice, are then one state.
  Key disk_set_key;
};
struct Flight {
  Message msg;
  std::uint32_t count = 0;
};

// The checkers the scenario asks for (of agreement, validity, stability,
// promises, quorums, log), each shared between states until a transition
// changes what it remembers (then that one is copied). They hold their
// ViolationSink by reference, so every copy reports to the model's one sink;
// the model replays a transition's observations into them under a mutex and
// takes the reports out before letting go of it. An observation that changes
// nothing a checker remembers (a learn, a quorum, a promise sent) is replayed
// into the shared checker itself: it only reads. (No checker is told the step
// number: the model stamps it on the reports it takes out.)
struct Checkers {
  Checkers() = default;
  Checkers(const sim::Scenario& s, checkers::ViolationSink& sink, const std::vector<std::string>& invariants);
  std::shared_ptr<const checkers::ChosenTracker> chosen;
  std::shared_ptr<const checkers::PromiseChecker> promises;
  std::shared_ptr<const checkers::QuorumChecker> quorums;
  std::shared_ptr<const checkers::LogChecker> log;
};

// What the checkers remember that the rest of the state does not already
// determine, in canonical form, for the state key. Every checker's memory is
// a function of: the durable records of every node (the ChosenTracker's
// acceptances and the PromiseChecker's promises; disks are never wiped
// here), the proposals issued (the validity set), and the two sets below
// (the QuorumChecker's answers; the LogChecker's first command per index and
// each replica's next index). Evidence (who, when) is left out: it changes a
// report's text, never whether one is made.
struct CheckerMemory {
  std::vector<std::tuple<MsgKind, Slot, Ballot, NodeId>> answers;  // sorted
  std::vector<Value> first_applied;                                 // by log index
  std::vector<Slot> next_apply;                                     // by node
  Key key;
};

struct World {
  std::vector<NodeState> nodes;
  std::vector<Flight> net;  // distinct messages, sorted; each with its number of copies
  std::uint64_t issued = 0;  // bit i: proposal i (propose workload) or request i (kv) issued
  Budgets used;
  Checkers checkers;
  std::shared_ptr<const CheckerMemory> memory;
};

// A transition's result.
struct Outcome {
  World next;
  std::vector<checkers::Violation> violations;
  Footprint actual;  // what it did touch
  bool noop = false;  // a delivery or timer that changed no node (see reduce_states)
  // A delivery that changed its node only (state, disk, timers) and showed
  // nothing to another node or a checker: an invisible local step (search.hpp).
  bool local = false;
};

class Model {
 public:
  Model(const sim::Scenario& s, ModelOptions o);
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const sim::Scenario& scenario() const { return s_; }
  const ModelOptions& options() const { return o_; }
  const std::vector<std::string>& invariants() const { return invariants_; }

  // The state after every node's start; `violations` gets any report (none
  // for a sound protocol).
  World start(std::vector<checkers::Violation>* violations = nullptr) const;
  // The state the search starts from: start() followed by the prefix (the
  // scenario's "schedule", see below); `violations` gets the reports of the
  // start and of the prefix's steps.
  World initial(std::vector<checkers::Violation>* violations = nullptr) const;
  // The scenario's "schedule", when it has one, is a prefix: the explorer
  // takes those steps first and explores every continuation of them. Each
  // step is matched against what is enabled at that point, as the simulator
  // matches a pinned schedule (a message by its content, a node's timer by
  // kind, a node's oldest unsynced write); with immediate writes a "durable"
  // step is implied and skipped. Budgets count the prefix's steps too. The
  // prefix stops at its first step that violates an invariant (the search
  // then reports that violation at the start). Paths (FoundViolation::path)
  // and repros include the prefix. Throws PrefixError for a step that
  // matches nothing enabled.
  const std::vector<Choice>& prefix() const { return prefix_; }
  // Every enabled transition, in a fixed order (proposals, requests,
  // deliveries, timers, syncs, drops, duplications, crashes, restarts).
  std::vector<Choice> choices(const World& w) const;
  // Carries out `c` (which must be enabled in `w`); `step` numbers the
  // checkers' reports (the path's length after it).
  Outcome apply(const World& w, const Choice& c, std::uint64_t step) const;
  Key key(const World& w) const;

  // Partial-order reduction: what `c` may touch when taken in `w`, and
  // whether two transitions enabled in `w` are independent there.
  Footprint footprint(const World& w, const Choice& c) const;
  bool independent(const World& w, const Choice& a, const Footprint& fa, const Choice& b, const Footprint& fb) const;
  // Always-on check that a transition touched nothing beyond its predicted
  // footprint (the reduction's soundness rests on it).
  void check_footprint(const Choice& c, const Footprint& predicted, const Footprint& actual) const;

  std::string describe(const Choice& c) const;
  // The simulator's steps for `c` (a folded duplicate is two: duplicate, deliver).
  std::vector<sim::ScheduledStep> scheduled(const Choice& c) const;
  // Whether delivering `m` to its (live) receiver now changes nothing: no
  // state change and no effects (tried on a copy of the node).
  bool delivery_is_noop(const World& w, const Message& m) const;

 private:
  struct Observations;
  // Returns whether the step changed the node or had any effect
  // (`pending_before`, bit k: a timer of kind k was pending before the step).
  bool run_node(World& w, NodeId n, const Input& in, Observations& obs, std::uint32_t pending_before) const;
  void forget_obsolete(World& w, const std::vector<NodeId>& touched, const Observations& obs) const;
  bool only_forgotten_sends(const World& before, const World& after, const Choice& c, const Observations& obs) const;
  void sync_oldest(World& w, NodeId n, Observations& obs) const;
  void send(World& w, const Message& m, Observations& obs) const;
  Disk& disk_for_write(World& w, NodeId n) const;
  void set_node(World& w, NodeId n, std::shared_ptr<const Node> node) const;
  Key node_key(const Node& node) const;  // the node's state, canonical with the state reductions
  void rekey_disk(NodeState& ns) const;
  void observe(World& w, const Observations& obs, std::uint64_t step, std::vector<checkers::Violation>* out) const;
  Value request_value(std::size_t j) const;
  bool fused_request(std::size_t j) const;
  Message request_message(std::size_t j) const;
  std::uint64_t label_of(const Choice& c) const;

  void take_prefix();
  std::optional<Choice> match_step(const World& w, const std::vector<sim::ScheduledStep>& steps, std::size_t& i) const;

  std::uint64_t serial_;  // tells models apart in per-thread caches
  sim::Scenario s_;
  ModelOptions o_;
  sim::NodeFactory factory_;
  std::vector<NodeConfig> configs_;
  std::vector<std::string> invariants_;
  std::vector<Value> request_values_;  // kv: each request's encoded command
  // The one sink every checker copy reports to (see Checkers).
  mutable checkers::ViolationSink sink_;
  mutable std::mutex sink_mutex_;
  std::vector<Choice> prefix_;
  World root_;  // start() after the prefix
  std::vector<checkers::Violation> root_violations_;
};

// A step of the scenario's "schedule" that matches nothing enabled where the
// explorer takes it (`index`: its position in the schedule).
struct PrefixError : std::runtime_error {
  PrefixError(std::size_t i, const std::string& message) : std::runtime_error(message), index(i) {}
  std::size_t index;
};

// Total order on messages (every field), for the canonical network.
bool message_less(const Message& a, const Message& b);
bool message_equal(const Message& a, const Message& b);
void add_message_words(KeyHasher& h, const Message& m);

// The invariants the explorer checks for a scenario: the scenario's own list,
// else every one that applies (linearizability is not checked here).
std::vector<std::string> explored_invariants(const sim::Scenario& s);

}  // namespace paxsim::explore
