// A Multi-Paxos node: acceptor, leader (election + phase 2 for a window of
// slots) and replica (log + key-value state machine + catch-up), each its own
// role; this class routes inputs to them and keeps what ties them together:
// who we believe leads, the election and heartbeat timers, and the clients
// waiting for an answer.
#include <algorithm>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "paxos/accept_tally.hpp"
#include "paxos/acceptor.hpp"
#include "paxos/kv.hpp"
#include "paxos/leader.hpp"
#include "paxos/lease.hpp"
#include "paxos/lock_service.hpp"
#include "paxos/node.hpp"
#include "paxos/replica.hpp"
#include "paxos/waiters.hpp"

namespace paxsim {

namespace {

class MultiPaxosNode final : public Node {
 public:
  // Clients we owe an answer to; beyond this the oldest are forgotten (they
  // retry after their timeout).
  static constexpr std::size_t k_max_waiters = 4096;

  MultiPaxosNode(const NodeConfig& cfg, std::span<const Record> durable)
      : cfg_(cfg), quorum_(cfg.quorum()), heard_(cfg.nodes, 0) {
    acceptor_.recover(cfg_, durable);
    leader_.recover(durable);
    replica_.recover(durable);
  }

  // A dispatch, with every handler that needs registers of its own out of
  // line (noinline below): inline, they made every step save and restore
  // them, whichever handler it took.
  void step(const Input& in, Effects& out) override {
    now_local_ = in.local_us;
    switch (in.kind) {
      case Input::Kind::start:
        on_start(out);
        break;
      case Input::Kind::propose:
        break;  // the multi-paxos workload speaks through client messages
      case Input::Kind::timer:
        on_timer(in.timer, in.token, out);
        break;
      case Input::Kind::message:
        on_message(*in.msg, out);
        break;
    }
  }

  NodeView view() const override {
    NodeView v;
    v.leads = leader_.role() == Leader::Role::leader;
    v.lead_ballot = v.leads ? leader_.ballot() : Ballot{};
    v.promised = acceptor_.promised();
    v.learned_slots = replica_.decided_count();
    return v;
  }
  bool has_learned(Slot s) const override { return replica_.decided(s); }
  std::optional<Value> learned(Slot) const override { return std::nullopt; }
  std::unique_ptr<Node> clone() const override { return std::make_unique<MultiPaxosNode>(*this); }
  void hash_state(StateHasher& h) const override {
    acceptor_.hash_state(h);
    leader_.hash_state(h);
    replica_.hash_state(h);
    if (!h.canonical()) h.add(known_leader_);  // only a hint in redirects to clients
    h.add(heard_from_leader_);
    h.add(heard_leader_before_);
    h.add(candidate_seen_);
    h.add(deferred_);
    if (leader_.role() == Leader::Role::leader) {
      h.add(quorum_counting_);
      h.add(quorum_heard_);
      h.add(preempted_.round);  // read only while leading (reset at every timeout and taking office)
      h.add(preempted_.node);
      h.add(passed_over_.ballot.round);  // likewise
      h.add(passed_over_.ballot.node);
      h.add(passed_over_.from);
      h.add(passed_over_.slot);
      h.add(defected_.round);
      h.add(defected_.node);
      for (std::size_t n = 0; n < heard_.size(); ++n)
        if (heard_[n]) h.add(n);
    }
    h.add(last_commit_seen_);
    h.add_token(election_token_);
    h.add_token(heartbeat_token_);
    if (leases()) {
      grantor_.hash_state(h);
      holder_.hash_state(h);
      h.add(read_barrier_);
    }
    lock_watch_.hash_state(h);
    if (!h.canonical()) {  // who waits for a reply: only shapes replies to clients
      waiters_.for_each([&](std::uint32_t client, std::uint64_t request, EndpointId who) {
        h.add(client);
        h.add(request);
        h.add(who);
      });
    }
    tally_.for_each([&](Slot s, Ballot b, const Value& v, std::span<const NodeId> voters) {
      h.add(s);
      h.add(b);
      h.add_bytes(v);
      h.add_voters(voters);
    });
  }

 private:
  [[gnu::noinline]] void on_start(Effects& out) {
    replica_.replay(cfg_, out);  // the state machine is rebuilt from the log
    lock_watch_.observe(replica_.kv().locks(), now_local_);
    if (leases()) grantor_.on_start(now_local_, cfg_.leader_lease_us);
    arm(TimerKind::election, out);
  }

  // Each message kind has exactly one handler. Every kind is a case (no
  // default, so the compiler warns of one left out) and returns, and a
  // message's kind is always one of them (a schedule's is read by name): the
  // end of the switch is unreachable, which spares the jump table its bounds
  // test, once per message.
  void on_message(const Message& m, Effects& out) {
    switch (m.kind) {
      case MsgKind::prepare: return on_prepare(m, out);
      case MsgKind::promise: return on_promise(m, out);
      case MsgKind::accept: return on_accept(m, out);
      case MsgKind::accepted: return on_accepted(m, out);
      case MsgKind::nack: return on_nack(m, out);
      case MsgKind::decide: return on_decide(m, out);
      case MsgKind::learn_request: return replica_.on_learn_request(cfg_, m, out);
      case MsgKind::heartbeat: return on_heartbeat(m, out);
      case MsgKind::client_request: return on_client_request(m, out);
      case MsgKind::client_reply:
      case MsgKind::redirect: return;  // meant for clients; a node ignores them
      case MsgKind::lease_ack: return on_lease_ack(m);
      case MsgKind::heartbeat_ack: return follows_me(m);
    }
    __builtin_unreachable();
  }

  [[gnu::noinline]] void on_lease_ack(const Message& m) {
    holder_.on_ack(cfg_, m.from, m.ballot, m.request);
    follows_me(m);
  }

  [[gnu::noinline]] void on_timer(TimerKind k, std::uint64_t token, Effects& out) {
    if (k == TimerKind::election && token == election_token_) {
      arm(TimerKind::election, out);
      heard_leader_before_ = heard_from_leader_;
      heard_from_leader_ = false;
      if (leader_.role() == Leader::Role::leader) {
        check_quorum();
        // Nacked by a rival it outlasted (on_nack): now, a timeout on, it
        // asks again above the rival's ballot, so that the rival follows too.
        if (leader_.role() == Leader::Role::leader && preempted_ > leader_.ballot()) ask_above(preempted_, out);
        forget_rivals();
        return;
      }
      forget_rivals();
      const bool candidate = candidate_seen_;
      candidate_seen_ = false;
      if (heard_leader_before_) {
        deferred_ = false;
        return;
      }
      // A rival's election under way: give it one whole timeout, not more (a
      // candidate that hears nobody would otherwise hold everyone back for
      // ever with its prepares; found by fuzz).
      if (candidate && !deferred_) {
        deferred_ = true;
        return;
      }
      deferred_ = false;
      // No sign of a leader for a whole timeout: run phase 1 for every slot
      // from our commit point on.
      known_leader_ = k_no_node;
      leader_.start_election(cfg_, acceptor_.promised(), replica_.first_undecided(), out);
    } else if (k == TimerKind::heartbeat && token == heartbeat_token_) {
      if (leader_.role() != Leader::Role::leader) return;
      std::uint64_t round = 0;  // the lease round (0: leases off)
      if (leases()) {
        // A lease round, counted from now; we grant ourselves the lease too.
        round = holder_.start_round(cfg_, leader_.ballot(), now_local_);
        grantor_.grant(cfg_.self, now_local_, cfg_.leader_lease_us);
      }
      for (NodeId n = 0; n < cfg_.nodes; ++n) {
        if (n == cfg_.self) continue;
        Message& h = out.send_new(false);  // built in its effects slot, not copied from one on the stack
        h.kind = MsgKind::heartbeat;
        h.from = cfg_.self;
        h.to = n;
        h.ballot = leader_.ballot();
        h.commit = replica_.first_undecided();
        h.request = round;
      }
      // Lock leases that ran out by our clock (paxos/lock_service.hpp).
      for (const Value& v : lock_watch_.due(now_local_)) {
        out.observe(out.proposed) = v;
        leader_.submit(cfg_, v, out);
      }
      leader_.tick(cfg_, out);
      arm(TimerKind::heartbeat, out);
    }
  }

  // Whoever shows a ballot above ours leads, or is trying to.
  void saw_ballot(Ballot b) {
    if (leader_.role() != Leader::Role::follower && b > leader_.ballot()) leader_.step_down(b);
  }

  [[gnu::noinline]] void on_prepare(const Message& m, Effects& out) {
    // A lease we granted (or may have granted before a restart) still runs:
    // promising another candidate now could let it serve writes while the
    // lease holder serves reads.
    if (leases() && grantor_.refuses(m.from, now_local_)) return;
    // While a leader that a majority follows is in office, another
    // candidate's ballot is not promised: it would depose a working leader.
    // A node that hears nobody (a one-way cut to it) times out again and
    // again with ever higher ballots; promising them stalls everyone. Found
    // by fuzz (a deaf node). The leader ignores it while a majority answers
    // its heartbeats; a follower while it heard the leader within its last
    // whole timeout. Ignoring a prepare is always safe. (With leases the
    // grants above already do this, for as long as a lease.)
    if (!leases() && m.from != cfg_.self) {
      if (leader_.role() == Leader::Role::leader && quorum_heard_) {
        // Remembered, in case a follower turns out to have promised the
        // rival already (see on_nack).
        if (m.ballot > passed_over_.ballot) passed_over_ = PassedOver{m.ballot, m.from, m.slot};
        if (rival_has_follower()) join_rival(out);
        return;
      }
      if (leader_.role() != Leader::Role::leader && (heard_from_leader_ || heard_leader_before_) &&
          m.from != known_leader_)
        return;
    }
    saw_ballot(m.ballot);
    const bool grant = !(m.ballot < acceptor_.promised());
    acceptor_.on_prepare(cfg_, m, out);
    if (grant && m.from != cfg_.self) {
      candidate_seen_ = true;  // an election is under way: do not start a rival one at once
      known_leader_ = k_no_node;
    }
  }

  [[gnu::noinline]] void on_promise(const Message& m, Effects& out) {
    if (!leader_.on_promise(cfg_, m, out)) return;
    known_leader_ = cfg_.self;
    // A majority just promised: it follows us. The first timeout after this
    // starts the count of heartbeat answers (check_quorum).
    quorum_heard_ = true;
    quorum_counting_ = false;
    forget_rivals();
    leader_.take_office(cfg_, replica_.next_free(), [this](Slot s) { return replica_.decided(s); }, out);
    read_barrier_ = leader_.next_slot();  // lease reads wait until all we recovered is applied
    arm(TimerKind::heartbeat, out);
    // Tell everyone at once, rather than after the first heartbeat interval.
    on_timer(TimerKind::heartbeat, heartbeat_token_, out);
  }

  // A ballot above ours deposes us first, out of line (it calls): the usual
  // accept calls nothing but the acceptor, last, and saves no registers.
  [[gnu::noinline]] void on_accept(const Message& m, Effects& out) {
    if (leader_.role() != Leader::Role::follower && m.ballot > leader_.ballot()) return deposed_by_accept(m, out);
    accept(m, out);
  }
  [[gnu::noinline]] void deposed_by_accept(const Message& m, Effects& out) {
    saw_ballot(m.ballot);
    accept(m, out);
  }
  void accept(const Message& m, Effects& out) {
    if (!acceptor_.would_accept(cfg_, m.ballot)) return acceptor_.refuse_accept(cfg_, m, out);
    known_leader_ = m.ballot.node;
    // A leader's accepts to itself are no news of a leader: counted, a
    // leader deposed by a nack would sit out a whole election timeout
    // behind its own last accept, ignoring every other candidate's
    // prepare (stickiness) and starting no election of its own.
    if (m.from != cfg_.self) heard_from_leader_ = true;
    acceptor_.take_accept(cfg_, m, out);
  }

  // In line in the dispatch: an acknowledgement that comes late (its slot
  // already learned, or settled by the leader) returns without the frame of
  // a call, and so does the leader's usual count of a vote short of a
  // quorum (Leader::add_vote); the rest goes on out of line. In decide
  // mode, of the five acknowledgements of each slot, two are counted in
  // line, one makes the quorum and two come late.
  void on_accepted(const Message& m, Effects& out) {
    if (cfg_.learning == LearningMode::all_to_all) {
      if (!replica_.decided(m.slot)) tally_accepted(m, out);
      return;
    }
    // Only a leader counts acknowledgements, of its own ballot: asked once
    // here, for both follows_me and the count.
    if (leader_.role() != Leader::Role::leader || m.ballot != leader_.ballot()) return;
    heard_from(m.from);
    if (Leader::Proposal* p = leader_.proposal(m.slot); p && !leader_.add_vote(quorum_, *p, m)) count_accepted(*p, m, out);
  }
  // Every learner counts acceptances per (slot, ballot, value) itself.
  [[gnu::noinline]] void tally_accepted(const Message& m, Effects& out) {
    const bool mixed = cfg_.bugs.has(Bug::mixed_ballot_learning);
    AcceptTally::Voters& voters = tally_.at(m.slot, mixed ? Ballot{} : m.ballot, m.value);
    if (!cfg_.bugs.has(Bug::count_duplicate_acks) && voters.contains(m.from)) return;
    voters.push_back(m.from);
    if (voters.size() < quorum_) return;
    out.quorum_copy(QuorumUse::Phase::accepted, m.slot, m.ballot, voters.ids());
    learn(m.slot, m.value, m.ballot, out);
  }
  // The leader counts an acknowledgement of its proposal `p`.
  [[gnu::noinline]] void count_accepted(Leader::Proposal& p, const Message& m, Effects& out) {
    if (!leader_.count_accepted(cfg_, p, m, out)) return;
    learn(m.slot, m.value, m.ballot, out);
    for (NodeId n = 0; n < cfg_.nodes; ++n) {
      if (n == cfg_.self) continue;
      out.send_new(false, MsgKind::decide, cfg_.self, n, m.slot, m.ballot, m.value);  // built in place, as the accepts are
    }
  }

  [[gnu::noinline]] void on_nack(const Message& m, Effects& out) {
    if (!(m.ballot > leader_.ballot())) return;
    const bool led = leader_.role() == Leader::Role::leader;
    // Without leases, while a majority follows us (quorum_heard_, as of the
    // last count), a rival's higher ballot cannot win: stickiness makes our
    // followers ignore its prepare. Yet its promise to itself makes it nack
    // all we send (two nodes that time out together; a node back from a cut
    // with a ballot raised by its lonely elections). Stepping down would
    // leave the group leaderless for a timeout or two while the majority
    // still accepts our proposals (found by `check --seeds 3000`: a startup
    // duel cost a shard its first 400 ms). So we lead on and, at our next
    // election timeout, ask again above the rival (on_timer): a ballot that
    // rises only when a timer fires, never in answer to a message, so two
    // leaders cannot outbid each other for ever between two timeouts.
    if (led && !leases() && quorum_heard_) {
      leader_.saw(m.ballot);
      preempted_ = std::max(preempted_, m.ballot);
      // Unless a follower promised the rival: a prepare can reach a follower
      // before our first heartbeat does (the nack is then not the rival's
      // own). The rival holds two promises, and we can no longer count on a
      // majority: with five nodes, two of them out of reach, nobody could
      // lead until our next timeout (found by `check --seeds 20000`). If we
      // passed over a prepare at least as high, we join that rival instead:
      // step down and promise its ballot, which gives it a majority of
      // five. A promise raises no ballot, so nobody outbids anybody this way.
      if (m.from != m.ballot.node) defected_ = std::max(defected_, m.ballot);
      if (rival_has_follower()) join_rival(out);
      return;
    }
    // With leases, a rival's higher ballot cannot win while the followers'
    // grants to us run: they refuse it. Waiting for it would leave nobody in
    // office for a lease or more, and again each time the rival, which never
    // hears a leader it would follow, tries again (found by fuzz with a
    // 1.5 s lease). So a deposed leader asks again at once, above the rival.
    if (leases() && led) ask_above(m.ballot, out);
    else leader_.step_down(m.ballot);
  }

  // While leading (without leases): a follower promised a ballot above ours,
  // and we passed over a prepare at least as high. Both only grow until the
  // next timeout or taking office, and both handlers test this at once, so
  // a nack or prepare that is a no-op stays one (paxos/obsolete.cpp).
  bool rival_has_follower() const { return !defected_.is_null() && passed_over_.ballot >= defected_; }

  // What a leader notes of rivals, forgotten at each election timeout and on
  // taking office (and once acted on).
  void forget_rivals() {
    preempted_ = Ballot{};
    passed_over_ = PassedOver{};
    defected_ = Ballot{};
  }

  // A leader that passed over a rival's prepare, which one of its followers
  // promised, promises it too (on_nack, on_prepare).
  void join_rival(Effects& out) {
    Message p;
    p.kind = MsgKind::prepare;
    p.from = passed_over_.from;
    p.to = cfg_.self;
    p.ballot = passed_over_.ballot;
    p.slot = passed_over_.slot;
    forget_rivals();
    known_leader_ = k_no_node;
    saw_ballot(p.ballot);  // steps down
    acceptor_.on_prepare(cfg_, p, out);
    candidate_seen_ = true;  // give the rival its election before starting one
  }

  // A leader outbid by `rival`, whose own followers would not promise the
  // rival, runs phase 1 again above it (on_nack with leases; on_timer after
  // leading on through a nack without).
  void ask_above(Ballot rival, Effects& out) {
    leader_.step_down(rival);
    known_leader_ = k_no_node;
    leader_.start_election(cfg_, std::max(acceptor_.promised(), rival), replica_.first_undecided(), out);
  }

  // The usual decide, of one slot, goes straight to learn; a batch (catch-up)
  // loops out of line, so that the usual one saves no registers for it.
  void on_decide(const Message& m, Effects& out) {
    if (m.entries.empty()) return learn(m.slot, m.value, m.ballot, out);
    learn_entries(m, out);
  }
  [[gnu::noinline]] void learn_entries(const Message& m, Effects& out) {
    for (const LogEntry& e : m.entries) learn(e.slot, e.value, e.ballot, out);
  }

  // Its answers are built in their effects slots (send_new), with no
  // message on the stack to copy from and destroy.
  [[gnu::noinline]] void on_heartbeat(const Message& m, Effects& out) {
    if (m.ballot < acceptor_.promised()) {
      // A deposed leader: tell it, so it steps down.
      Message& nack = out.send_new(false);
      nack.kind = MsgKind::nack;
      nack.from = cfg_.self;
      nack.to = m.from;
      nack.ballot = acceptor_.promised();
      return;
    }
    saw_ballot(m.ballot);
    known_leader_ = m.from;
    heard_from_leader_ = true;
    // Answer, so that the leader knows we still hear it (check_quorum); with
    // leases, the answer grants the lease of this round.
    Message& ack = out.send_new(false);
    ack.kind = MsgKind::heartbeat_ack;
    ack.from = cfg_.self;
    ack.to = m.from;
    ack.ballot = m.ballot;
    if (leases() && m.request != 0) {
      ack.kind = MsgKind::lease_ack;
      ack.request = m.request;
      grantor_.grant(m.from, now_local_, cfg_.leader_lease_us);
    }
    // Decisions still in flight make every follower look briefly behind, so
    // ask only for what we still miss from the previous heartbeat's commit.
    const Slot behind_since = last_commit_seen_;
    last_commit_seen_ = m.commit;
    if (replica_.first_undecided() < std::min(behind_since, m.commit)) {
      // We miss decisions the leader has: ask for them.
      Message& q = out.send_new(false);
      q.kind = MsgKind::learn_request;
      q.from = cfg_.self;
      q.to = m.from;
      q.slot = replica_.first_undecided();
    }
  }

  [[gnu::noinline]] void on_client_request(const Message& m, Effects& out) {
    const CommandView* cmd = command_of(m.value, scratch_);
    if (!cmd) return;  // malformed: ignore
    if (const KvResult* done = replica_.kv().cached(cmd->client, cmd->request)) {
      reply(m.from, cmd->request, *done, out);  // a retry of what we already applied
      return;
    }
    if (leader_.role() != Leader::Role::leader) {
      Message& r = out.send_new(false);
      r.kind = MsgKind::redirect;
      r.from = cfg_.self;
      r.to = m.from;
      r.request = m.request;
      r.leader_hint = known_leader_ == cfg_.self ? k_no_node : known_leader_;
      return;
    }
    if (cmd->op == KvOpKind::get && leases() && holder_.holds(leader_.ballot(), now_local_) &&
        replica_.applied() >= lease_read_barrier()) {
      // A lease read: no rival can have been elected while the lease runs.
      reply(m.from, cmd->request, replica_.kv().peek(cmd->key), out);
      return;
    }
    if (cmd->op == KvOpKind::acquire && cfg_.bugs.has(Bug::lock_grant_before_commit)) {
      // The bug: answer from the state as it is, before the grant commits.
      const std::string r = replica_.kv().locks().would_acquire(cmd->client, std::string(cmd->key));
      if (r != "B") {
        reply(m.from, cmd->request, KvResult{r, false}, out);
        leader_.submit(cfg_, m.value, out);
        return;
      }
    }
    if (cmd->op == KvOpKind::get && cfg_.bugs.has(Bug::stale_local_read)) {
      // The bug: answer from local state, as if still surely the leader.
      reply(m.from, cmd->request, replica_.kv().peek(cmd->key), out);
      return;
    }
    if (waiters_.size() < k_max_waiters) waiters_.wait(cmd->client, cmd->request, m.from);
    leader_.submit(cfg_, m.value, out);
  }

  [[gnu::noinline]] void learn(Slot s, const Value& v, Ballot b, Effects& out) {
    // Only a node with clients waiting (a leader) answers what it applies.
    const bool answers = !waiters_.empty();
    if (!replica_.learn(cfg_, s, v, b, out, answers)) return;
    if (!replica_.kv().locks().locks().empty()) lock_watch_.observe(replica_.kv().locks(), now_local_);  // no locks: nothing to see
    if (!tally_.empty())  // all-to-all learning only
      tally_.erase_slot(s);
    // The rest is for a node with replies to send or a window to settle and
    // fill. A follower's window and queue are empty (stepping down empties
    // them), so the usual learner, a follower with no client waiting, is
    // done at this one test.
    if (!answers && leader_.role() == Leader::Role::follower) return;
    leader_.settled(s);
    for (const Replica::Applied& a : replica_.just_applied()) {
      EndpointId who;
      if (waiters_.take(a.client, a.request, who)) reply(who, a.request, a.value(), a.absent, out);
    }
    leader_.fill_window(cfg_, out);
  }

  void reply(EndpointId to, std::uint64_t request, const KvResult& r, Effects& out) {
    reply(to, request, r.value, r.absent, out);
  }
  void reply(EndpointId to, std::uint64_t request, std::string_view value, bool absent, Effects& out) {
    Message& m = out.send_new(false);
    m.kind = MsgKind::client_reply;
    m.from = cfg_.self;
    m.to = to;
    m.request = request;
    m.value = Value(value);
    m.flags = absent ? k_absent : 0;
  }

  // An answer from a follower under our ballot (a heartbeat or lease ack, an
  // acceptance): it still hears us. (We always count ourselves.)
  void follows_me(const Message& m) {
    if (leader_.role() == Leader::Role::leader && m.ballot == leader_.ballot()) heard_from(m.from);
  }
  // follows_me once the ballot is known to be ours.
  void heard_from(EndpointId from) {
    if (from >= cfg_.nodes || from == cfg_.self) return;
    if (!heard_[from]) {
      heard_[from] = 1;
      ++heard_count_;
    }
  }

  // Check quorum, at each election timeout while leading: unless a majority
  // (us included) answered since the last one, step down, so that the
  // followers stop hearing us and elect a leader the majority can reach
  // (a leader behind a one-way cut still reaches them but hears nobody;
  // found by fuzz). The first timeout in office only starts the count.
  // (Raft's CheckQuorum; with stickiness, see on_prepare.)
  void check_quorum() {
    const std::size_t answered = heard_count_ + 1;  // and us
    const bool counted = quorum_counting_;
    std::fill(heard_.begin(), heard_.end(), 0);
    heard_count_ = 0;
    quorum_counting_ = true;
    if (!counted) return;
    quorum_heard_ = answered >= cfg_.quorum();
    // With leases, a lease still held is the majority's word that no rival
    // can lead yet: stepping down before it runs out would leave nobody in
    // office until the followers' grants end.
    if (!quorum_heard_ && !(leases() && holder_.holds(leader_.ballot(), now_local_))) {
      leader_.step_down(leader_.ballot());
      known_leader_ = k_no_node;
    }
  }

  void arm(TimerKind k, Effects& out) {
    std::uint64_t& token = k == TimerKind::election ? election_token_ : heartbeat_token_;
    out.timers.push_back(TimerRequest{k, ++token, 0});
  }

  bool leases() const { return cfg_.leader_lease_us > 0; }

  // Lease reads wait until every slot below this is applied here: all that
  // the leader recovered when it took office and, with all-to-all learning,
  // every slot it has proposed since. (All-to-all, a follower may learn a
  // slot the leader proposed before the leader does and answer a retried
  // request from it; a local read that skipped the slot would be stale.
  // Found by fuzz on leases/nemesis. In decide mode nobody learns a slot
  // before its leader, and a new leader cannot commit while the lease runs.)
  Slot lease_read_barrier() const {
    return cfg_.learning == LearningMode::all_to_all ? std::max(read_barrier_, leader_.next_slot()) : read_barrier_;
  }

  NodeConfig cfg_;
  std::uint32_t quorum_;  // cfg_.quorum(), kept: the leader asks once per acknowledgement
  Acceptor acceptor_;
  Leader leader_;
  Replica replica_;
  NodeId known_leader_ = k_no_node;
  // A leader's heartbeat or accept, since the last election timeout and in
  // the whole timeout before it (stickiness: see on_prepare).
  bool heard_from_leader_ = false;
  bool heard_leader_before_ = false;
  // A rival candidate's prepare promised since the last election timeout;
  // the last timeout deferred to one (it defers once: see on_timer).
  bool candidate_seen_ = false;
  bool deferred_ = false;
  // The highest ballot a rival nacked us with while a majority followed us
  // (on_nack), since the last election timeout; null: none.
  Ballot preempted_{};
  // The highest prepare passed over while leading (on_prepare); reset as
  // preempted_ is.
  struct PassedOver {
    Ballot ballot{};
    NodeId from = k_no_node;
    Slot slot = 0;
  };
  PassedOver passed_over_{};
  Ballot defected_{};  // the highest ballot a follower nacked us with for a rival (not the rival's own nack)
  // Check quorum (leading): who answered under our ballot since the last
  // election timeout, and whether a majority did at the last count.
  std::vector<std::uint8_t> heard_;
  std::size_t heard_count_ = 0;
  bool quorum_counting_ = false;
  bool quorum_heard_ = false;
  Slot last_commit_seen_ = 0;  // the commit point in the last heartbeat
  std::uint64_t election_token_ = 0;
  std::uint64_t heartbeat_token_ = 0;
  Waiters waiters_;  // who waits for the reply to (client, request)
  AcceptTally tally_;  // all-to-all learning
  // Leases and the lock service (paxos/lease.hpp, paxos/lock_service.hpp).
  Time_us now_local_ = 0;  // our clock at the input being handled
  LeaseGrantor grantor_;
  LeaseHolder holder_;
  Slot read_barrier_ = 0;  // lease reads only once every slot below this is applied
  LockLeaseWatch lock_watch_;
  // A request's command parsed from a value that does not carry one
  // (on_client_request's scratch space; its views are into the request's
  // value). Not state: nothing reads it afterwards.
  CommandView scratch_;
};

}  // namespace

std::unique_ptr<Node> make_multi_paxos_node(const NodeConfig& cfg, std::span<const Record> durable) {
  return std::make_unique<MultiPaxosNode>(cfg, durable);
}

}  // namespace paxsim
