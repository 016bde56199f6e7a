#include "explore/world.hpp"

#include <algorithm>
#include <atomic>
#include <fmt/format.h>
#include <tuple>

#include "paxos/obsolete.hpp"
#include "sim/assert.hpp"

namespace paxsim::explore {

const char* to_string(ChoiceKind k) {
  switch (k) {
    case ChoiceKind::propose: return "propose";
    case ChoiceKind::request: return "request";
    case ChoiceKind::deliver: return "deliver";
    case ChoiceKind::drop: return "drop";
    case ChoiceKind::duplicate: return "duplicate";
    case ChoiceKind::timer: return "timer";
    case ChoiceKind::durable: return "durable";
    case ChoiceKind::crash: return "crash";
    case ChoiceKind::restart: return "restart";
  }
  return "?";
}

std::vector<std::string> explored_invariants(const sim::Scenario& s) {
  std::vector<std::string> out;
  if (!s.invariants.empty()) {
    for (const std::string& i : s.invariants)
      if (i != "linearizable" && i != "lock") out.push_back(i);
    return out;
  }
  out = {"agreement", "validity", "promises", "quorums", "stability"};
  if (s.protocol == sim::Protocol::multi_paxos) out.push_back("log");
  return out;
}

// ---------------------------------------------------------------- messages

static auto message_tie(const Message& m) {
  return std::tie(m.kind, m.from, m.to, m.slot, m.ballot, m.accepted_ballot, m.value, m.commit, m.request,
                  m.leader_hint, m.flags);
}

static bool entries_less(const std::vector<LogEntry>& a, const std::vector<LogEntry>& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](const LogEntry& x, const LogEntry& y) {
    return std::tie(x.slot, x.ballot, x.value) < std::tie(y.slot, y.ballot, y.value);
  });
}

bool message_less(const Message& a, const Message& b) {
  const auto ta = message_tie(a), tb = message_tie(b);
  if (ta != tb) return ta < tb;
  return entries_less(a.entries, b.entries);
}

bool message_equal(const Message& a, const Message& b) { return message_tie(a) == message_tie(b) && a.entries == b.entries; }

void add_message_words(KeyHasher& h, const Message& m) {
  h.add(static_cast<std::uint64_t>(m.kind) | (std::uint64_t{m.flags} << 8) | (std::uint64_t{m.from} << 16));
  h.add(std::uint64_t{m.to} | (std::uint64_t{m.leader_hint} << 32));
  h.add(m.slot);
  h.add(m.ballot.round);
  h.add(m.accepted_ballot.round);
  h.add(std::uint64_t{m.ballot.node} | (std::uint64_t{m.accepted_ballot.node} << 32));
  h.add_bytes(m.value);
  h.add(m.entries.size());
  for (const LogEntry& e : m.entries) {
    h.add(e.slot);
    h.add(e.ballot.round);
    h.add(e.ballot.node);
    h.add_bytes(e.value);
  }
  h.add(m.commit);
  h.add(m.request);
}

static void net_add(std::vector<Flight>& net, const Message& m, std::uint32_t copies = 1) {
  auto it = std::lower_bound(net.begin(), net.end(), m, [](const Flight& f, const Message& x) { return message_less(f.msg, x); });
  if (it != net.end() && message_equal(it->msg, m)) {
    it->count += copies;
  } else {
    net.insert(it, Flight{m, copies});
  }
}

static void net_remove(std::vector<Flight>& net, const Message& m) {
  auto it = std::lower_bound(net.begin(), net.end(), m, [](const Flight& f, const Message& x) { return message_less(f.msg, x); });
  PAXSIM_ASSERT(it != net.end() && message_equal(it->msg, m) && it->count > 0);
  if (--it->count == 0) net.erase(it);
}

// ---------------------------------------------------------------- checkers

static bool has(const std::vector<std::string>& names, const char* n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

Checkers::Checkers(const sim::Scenario& s, checkers::ViolationSink& sink, const std::vector<std::string>& inv)
    : chosen(std::make_shared<checkers::ChosenTracker>(s, sink, has(inv, "agreement"), has(inv, "validity"),
                                                       has(inv, "stability"))) {
  if (has(inv, "promises")) promises = std::make_shared<checkers::PromiseChecker>(s, sink);
  if (has(inv, "quorums")) quorums = std::make_shared<checkers::QuorumChecker>(s, sink);
  if (has(inv, "log")) log = std::make_shared<checkers::LogChecker>(s, sink);
}

// The checker to replay into: a fresh copy when the transition changes what
// it remembers, else the shared one (created non-const by make_shared; the
// observations replayed into it only read).
template <class T>
static T* writable(std::shared_ptr<const T>& shared, bool changes) {
  if (!shared) return nullptr;
  if (changes) shared = std::make_shared<T>(*shared);
  return const_cast<T*>(shared.get());
}

// What one transition showed the checkers, in the simulator's order, kept
// until the transition is over (then replayed into the state's own copy).
struct Model::Observations {
  enum class Kind : std::uint8_t { send, durable, learn, quorum, apply, propose, restart };
  struct Item {
    Kind kind;
    NodeId node = 0;
    Message msg;
    Record record;
    Learned learned;
    QuorumUse quorum;
  };
  std::vector<Item> items;
  Footprint actual;
};

// ---------------------------------------------------------------- the model

static std::atomic<std::uint64_t> next_model_serial{1};

Model::Model(const sim::Scenario& s, ModelOptions o)
    : serial_(next_model_serial.fetch_add(1)), s_(s), o_(o), factory_(sim::default_node_factory(s)), invariants_(explored_invariants(s)) {
  for (NodeId n = 0; n < s_.nodes; ++n) configs_.push_back(sim::node_config(s_, n));
  const auto& requests = s_.workload.requests;
  for (std::size_t j = 0; j < requests.size(); ++j) request_values_.push_back(request_value(j));
  PAXSIM_ASSERT(s_.workload.proposals.size() + requests.size() <= 64);
  take_prefix();
}

// The command of kv request j, as the simulator's pinned schedule issues it:
// its request id is its position among its client's requests, from 1.
Value Model::request_value(std::size_t j) const {
  const auto& requests = s_.workload.requests;
  const sim::KvRequest& r = requests[j];
  Command c;
  c.client = r.client;
  c.request = 1;
  for (std::size_t i = 0; i < j; ++i) c.request += requests[i].client == r.client ? 1 : 0;
  c.op = r.op;
  c.key = r.key;
  c.value = r.value;
  return encode(c);
}

void Model::set_node(World& w, NodeId n, std::shared_ptr<const Node> node) const {
  NodeState& ns = w.nodes[n];
  ns.node = std::move(node);
  if (!ns.node) {
    ns.node_key = Key{};
    return;
  }
  ns.node_key = node_key(*ns.node);
}

Key Model::node_key(const Node& node) const {
  thread_local std::vector<std::uint64_t> words;  // reused: its capacity stays
  words.clear();
  StateHasher h(&words, o_.reduce_states);
  node.hash_state(h);
  return key_of(words);
}

void Model::rekey_disk(NodeState& ns) const {
  auto add_record = [](KeyHasher& h, const Record& r) {
    h.add(static_cast<std::uint64_t>(r.kind) | (std::uint64_t{r.ballot.node} << 8));
    h.add(r.slot);
    h.add(r.ballot.round);
    h.add_bytes(r.value);
  };
  auto add_pending = [&](KeyHasher& h) {
    h.add(ns.disk->pending.size());
    for (const PendingWrite& p : ns.disk->pending) {
      add_record(h, p.record);
      h.add(p.gated.size());
      for (const Message& m : p.gated) add_message_words(h, m);
    }
  };
  // The records in order: the key of a crashed node's disk, or of any disk
  // while a crash is left (without the state reductions, always). Never
  // needed when the reductions are on and no node may crash.
  if (!o_.reduce_states || o_.max.crashes > 0) {
    KeyHasher full;
    full.add(ns.disk->durable.size());
    for (const Record& r : ns.disk->durable) add_record(full, r);
    add_pending(full);
    ns.disk_key = full.finish();
  }
  if (!o_.reduce_states) return;

  // The durable records as a set (see NodeState::disk_set_key).
  thread_local std::vector<const Record*> set;  // reused: its capacity stays
  set.clear();
  for (const Record& r : ns.disk->durable) set.push_back(&r);
  auto tie = [](const Record* r) { return std::tie(r->kind, r->slot, r->ballot, r->value); };
  std::sort(set.begin(), set.end(), [&](const Record* a, const Record* b) { return tie(a) < tie(b); });
  set.erase(std::unique(set.begin(), set.end(), [&](const Record* a, const Record* b) { return tie(a) == tie(b); }),
            set.end());
  KeyHasher canon;
  canon.add(set.size() | (std::uint64_t{1} << 63));
  for (const Record* r : set) add_record(canon, *r);
  add_pending(canon);
  ns.disk_set_key = canon.finish();
}

Disk& Model::disk_for_write(World& w, NodeId n) const {
  auto copy = std::make_shared<Disk>(*w.nodes[n].disk);
  Disk& d = *copy;
  w.nodes[n].disk = std::move(copy);
  return d;
}

void Model::send(World& w, const Message& m, Observations& obs) const {
  obs.items.push_back({Observations::Kind::send, m.from, m, {}, {}, {}});
  if ((m.kind == MsgKind::promise || m.kind == MsgKind::accepted) && m.from < s_.nodes)
    obs.actual.answers.push_back(QuorumKey{m.kind, m.slot, m.ballot});
  if (m.to >= s_.nodes) return;  // to a client: absorbed
  net_add(w.net, m);
}

void Model::sync_oldest(World& w, NodeId n, Observations& obs) const {
  Disk& d = disk_for_write(w, n);
  PAXSIM_ASSERT(!d.pending.empty());
  PendingWrite p = std::move(d.pending.front());
  d.pending.erase(d.pending.begin());
  d.durable.push_back(p.record);
  obs.items.push_back({Observations::Kind::durable, n, {}, p.record, {}, {}});
  if (p.record.kind == RecordKind::accept) obs.actual.acceptances.emplace_back(p.record.slot, p.record.value);
  for (const Message& m : p.gated) send(w, m, obs);
  rekey_disk(w.nodes[n]);
}

// Bit k: a timer of kind k is pending.
static std::uint32_t pending_timers(const NodeState& ns) {
  std::uint32_t bits = 0;
  for (int k = 0; k < k_timer_kind_count; ++k)
    if (ns.timers[k] != 0) bits |= 1u << k;
  return bits;
}

// No effect the world or a checker the explorer runs would see: messages to
// clients are absorbed when sent (world.hpp), so they do not count (nor do
// timers: the callers judge them).
static bool no_effects(const Effects& out, std::uint32_t nodes) {
  for (const Outgoing& o : out.send)
    if (o.msg.to < nodes) return false;
  return out.persist.empty() && out.learned.empty() && out.quorums.empty() && out.applied.empty() &&
         out.proposed.empty();
}

bool Model::run_node(World& w, NodeId n, const Input& in, Observations& obs, std::uint32_t pending_before) const {
  std::unique_ptr<Node> node = w.nodes[n].node->clone();
  Effects out;
  node->step(in, out);
  const Key before = w.nodes[n].node_key;
  set_node(w, n, std::shared_ptr<const Node>(std::move(node)));
  bool changed = !no_effects(out, s_.nodes) || !(w.nodes[n].node_key == before);
  if (o_.reduce_states) {
    // Canonically a timer is pending or not (its token is left out): a step
    // that only re-arms timers that were pending before it (a Multi-Paxos
    // leader's election timer, say) leaves the key as it was.
    for (const TimerRequest& t : out.timers) changed = changed || !(pending_before & (1u << static_cast<int>(t.kind)));
  } else {
    changed = changed || !out.timers.empty();
  }
  // The simulator's apply_effects: records, then sends (guarded ones wait for
  // the last record written so far), then timers, then observations.
  if (!out.persist.empty() || !out.send.empty()) {
    Disk& d = disk_for_write(w, n);
    for (Record& r : out.persist) d.pending.push_back(PendingWrite{std::move(r), {}});
    for (Outgoing& o : out.send) {
      if (o.after_durable && !d.pending.empty()) {
        d.pending.back().gated.push_back(std::move(o.msg));
      } else {
        send(w, o.msg, obs);
      }
    }
    rekey_disk(w.nodes[n]);
  }
  for (const TimerRequest& t : out.timers) w.nodes[n].timers[static_cast<int>(t.kind)] = t.token;
  for (const Learned& l : out.learned) {
    obs.items.push_back({Observations::Kind::learn, n, {}, {}, l, {}});
    obs.actual.learns.push_back(l.slot);
  }
  for (const QuorumUse& q : out.quorums) {
    obs.items.push_back({Observations::Kind::quorum, n, {}, {}, {}, q});
    obs.actual.quorums.push_back(QuorumKey{q.phase == QuorumUse::Phase::promise ? MsgKind::promise : MsgKind::accepted,
                                           q.slot, q.ballot});
  }
  for (const Learned& a : out.applied) {
    obs.items.push_back({Observations::Kind::apply, n, {}, {}, a, {}});
    obs.actual.applies = true;
  }
  if (o_.writes == Writes::immediate)
    while (!w.nodes[n].disk->pending.empty()) sync_oldest(w, n, obs);
  return changed;
}

// The answer depends only on the receiver's state and the message, and the
// same pair comes back in many states: remembered per thread, in a
// direct-mapped table keyed by (model, node state, message). A key collision
// would need two 128-bit keys to agree (key.hpp).
bool Model::delivery_is_noop(const World& w, const Message& m) const {
  const NodeState& ns = w.nodes[m.to];
  PAXSIM_ASSERT(ns.node != nullptr);
  struct Entry {
    Key key;
    bool noop = false;
  };
  constexpr std::size_t k_entries = 1 << 16;
  thread_local std::vector<Entry> cache(k_entries);
  KeyHasher kh;
  kh.add(serial_);
  kh.add(ns.node_key);
  add_message_words(kh, m);
  const Key k = kh.finish();
  Entry& e = cache[k.lo & (k_entries - 1)];
  if (e.key == k) return e.noop;
  std::unique_ptr<Node> copy = ns.node->clone();
  Effects out;
  copy->step(Input::message(m), out);
  // Strict about timers: even a re-armed one (a new token) counts, since an
  // obsolete message must stay a no-op whatever the node's timers become.
  const bool noop = no_effects(out, s_.nodes) && out.timers.empty() && node_key(*copy) == ns.node_key;
  e = Entry{k, noop};
  return noop;
}

// Removes the obsolete messages (world.hpp, "Reductions that keep verdicts")
// among those whose receiver this transition touched or that it sent: every
// other message in flight was found live before and its receiver has not
// changed since. Only once the crash budget is spent (a restarted node
// forgets, and an obsolete message could matter to it again).
void Model::forget_obsolete(World& w, const std::vector<NodeId>& touched, const Observations& obs) const {
  if (!o_.reduce_states || w.used.crashes < o_.max.crashes) return;
  const bool multi = s_.protocol == sim::Protocol::multi_paxos;
  const auto sent_now = [&](const Message& m) {
    for (const auto& it : obs.items)
      if (it.kind == Observations::Kind::send && message_equal(it.msg, m)) return true;
    return false;
  };
  std::erase_if(w.net, [&](const Flight& f) {
    const Message& m = f.msg;
    if (m.to >= s_.nodes || !w.nodes[m.to].node || !noop_delivery_is_permanent(multi, m.kind)) return false;
    if (std::find(touched.begin(), touched.end(), m.to) == touched.end() && !sent_now(m)) return false;
    return delivery_is_noop(w, m);
  });
}

// Replays the observations into a copy of the checkers (reporting to the one
// sink, under its mutex) and into the checker memory of the state key.
void Model::observe(World& w, const Observations& obs, std::uint64_t step,
                    std::vector<checkers::Violation>* out) const {
  if (obs.items.empty()) return;
  std::shared_ptr<CheckerMemory> memory;  // copied when first changed
  const auto changing = [&]() -> CheckerMemory& {
    if (!memory) memory = std::make_shared<CheckerMemory>(*w.memory);
    return *memory;
  };
  for (const auto& it : obs.items) {
    if (it.kind == Observations::Kind::send && (it.msg.kind == MsgKind::promise || it.msg.kind == MsgKind::accepted) &&
        it.msg.from < s_.nodes) {
      const auto a = std::make_tuple(it.msg.kind, it.msg.slot, it.msg.ballot, it.msg.from);
      const auto& answers = memory ? memory->answers : w.memory->answers;
      const auto pos = std::lower_bound(answers.begin(), answers.end(), a);
      if (pos == answers.end() || *pos != a) {
        const auto at = pos - answers.begin();
        auto& mine = changing().answers;
        mine.insert(mine.begin() + at, a);
      }
    } else if (it.kind == Observations::Kind::apply) {
      CheckerMemory& m = changing();
      m.next_apply[it.node] = it.learned.slot + 1;
      if (m.first_applied.size() <= it.learned.slot) {
        m.first_applied.resize(it.learned.slot + 1, k_noop_value + "?");  // an impossible value: not yet applied
        m.first_applied[it.learned.slot] = it.learned.value;
      }
    } else if (it.kind == Observations::Kind::restart) {
      changing().next_apply[it.node] = 0;
    }
  }
  if (memory) {
    KeyHasher h;
    h.add(memory->answers.size());
    for (const auto& [kind, slot, ballot, from] : memory->answers) {
      h.add(static_cast<std::uint64_t>(kind) | (std::uint64_t{from} << 8));
      h.add(slot);
      h.add(ballot.round);
      h.add(ballot.node);
    }
    h.add(memory->first_applied.size());
    for (const Value& v : memory->first_applied) h.add_bytes(v);
    for (Slot s : memory->next_apply) h.add(s);
    memory->key = h.finish();
    w.memory = std::move(memory);
  }

  bool chosen_changes = false, promises_change = false, quorums_change = false, log_changes = false;
  for (const auto& it : obs.items) {
    using K = Observations::Kind;
    const bool answer = it.kind == K::send && (it.msg.kind == MsgKind::promise || it.msg.kind == MsgKind::accepted) &&
                        it.msg.from < s_.nodes;
    const bool durable_vote =
        it.kind == K::durable && (it.record.kind == RecordKind::accept || it.record.kind == RecordKind::promise);
    chosen_changes = chosen_changes || it.kind == K::propose || (durable_vote && it.record.kind == RecordKind::accept);
    promises_change = promises_change || durable_vote;
    quorums_change = quorums_change || answer;
    log_changes = log_changes || it.kind == K::apply || it.kind == K::restart;
  }
  Checkers& c = w.checkers;
  std::vector<sim::Observer*> all;
  all.push_back(writable(c.chosen, chosen_changes));
  if (auto* p = writable(c.promises, promises_change)) all.push_back(p);
  if (auto* q = writable(c.quorums, quorums_change)) all.push_back(q);
  if (auto* l = writable(c.log, log_changes)) all.push_back(l);
  std::lock_guard<std::mutex> lock(sink_mutex_);
  for (const auto& it : obs.items) {
    for (sim::Observer* o : all) {
      switch (it.kind) {
        case Observations::Kind::send: o->on_send(0, it.msg); break;
        case Observations::Kind::durable: o->on_durable(0, it.node, it.record); break;
        case Observations::Kind::learn: o->on_learn(0, it.node, it.learned); break;
        case Observations::Kind::quorum: o->on_quorum(0, it.node, it.quorum); break;
        case Observations::Kind::apply: o->on_apply(0, it.node, it.learned); break;
        case Observations::Kind::propose: o->on_propose(0, it.node, it.msg.value); break;
        case Observations::Kind::restart: o->on_restart(0, it.node, false); break;
      }
    }
  }
  if (sink_.any()) {
    if (out) {
      *out = sink_.first_of_each();
      for (checkers::Violation& v : *out) v.step = step;
    }
    sink_ = checkers::ViolationSink{};
  }
}

World Model::start(std::vector<checkers::Violation>* violations) const {
  World w;
  w.nodes.resize(s_.nodes);
  w.checkers = Checkers(s_, sink_, invariants_);
  auto memory = std::make_shared<CheckerMemory>();
  memory->next_apply.assign(s_.nodes, 0);
  w.memory = memory;
  Observations obs;
  for (NodeId n = 0; n < s_.nodes; ++n) {
    w.nodes[n].disk = std::make_shared<Disk>();
    rekey_disk(w.nodes[n]);
    set_node(w, n, std::shared_ptr<const Node>(factory_(configs_[n], {})));
    run_node(w, n, Input::start(), obs, 0);
  }
  std::vector<checkers::Violation> found;
  observe(w, obs, 0, &found);
  std::vector<NodeId> all(s_.nodes);
  for (NodeId n = 0; n < s_.nodes; ++n) all[n] = n;
  forget_obsolete(w, all, obs);
  if (violations) *violations = std::move(found);
  return w;
}

bool Model::fused_request(std::size_t j) const { return o_.reduce_states && s_.workload.requests[j].via.has_value(); }

// Kv request j's message (to its "via" node, if it has one).
Message Model::request_message(std::size_t j) const {
  const sim::KvRequest& q = s_.workload.requests[j];
  Message m;
  m.kind = MsgKind::client_request;
  m.from = s_.nodes + q.client;
  m.to = q.via ? *q.via : 0;
  m.value = request_values_[j];
  m.request = decode(m.value)->request;
  return m;
}

World Model::initial(std::vector<checkers::Violation>* violations) const {
  if (violations) *violations = root_violations_;
  return root_;
}

static bool same_step(const sim::ScheduledStep& a, const sim::ScheduledStep& b) {
  using K = sim::ScheduledStep::Kind;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case K::deliver:
    case K::drop:
    case K::duplicate: return message_equal(a.msg, b.msg);
    case K::timer: return a.node == b.node && a.timer == b.timer;
    case K::durable:
    case K::crash:
    case K::restart: return a.node == b.node;
    case K::propose:
    case K::request: return a.index == b.index;
  }
  return false;
}

// The enabled transition that steps[i] (and, for a folded duplicate,
// steps[i + 1]) pins in `w`; advances i past what it matched.
std::optional<Choice> Model::match_step(const World& w, const std::vector<sim::ScheduledStep>& steps,
                                        std::size_t& i) const {
  std::vector<Choice> enabled = choices(w);
  if (o_.reduce_states && steps[i].kind == sim::ScheduledStep::Kind::drop && w.used.drops < o_.max.drops) {
    // Losses are subsumed, so not among the choices; a prefix may still take one.
    for (const Flight& f : w.net) {
      Choice c;
      c.kind = ChoiceKind::drop;
      c.node = f.msg.to;
      c.msg = f.msg;
      c.label = label_of(c);
      enabled.push_back(std::move(c));
    }
  }
  for (Choice& c : enabled) {
    const std::vector<sim::ScheduledStep> pinned = scheduled(c);
    if (i + pinned.size() > steps.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < pinned.size(); ++k) same = same && same_step(pinned[k], steps[i + k]);
    if (!same) continue;
    i += pinned.size();
    return std::move(c);
  }
  return std::nullopt;
}

void Model::take_prefix() {
  root_ = start(&root_violations_);
  const std::vector<sim::ScheduledStep>& steps = s_.schedule;
  std::uint64_t step = 0;
  for (std::size_t i = 0; i < steps.size() && root_violations_.empty();) {
    const sim::ScheduledStep& st = steps[i];
    if (st.kind == sim::ScheduledStep::Kind::durable && o_.writes == Writes::immediate) {
      ++i;  // immediate writes: already durable
      continue;
    }
    const std::size_t at = i;
    const std::optional<Choice> c = match_step(root_, steps, i);
    if (!c) {
      std::string why = "matches nothing enabled at this point of the prefix";
      if (st.kind == sim::ScheduledStep::Kind::timer && root_.used.timers >= o_.max.timers)
        why += fmt::format(" (the timer budget, --max-timers {}, is spent)", o_.max.timers);
      else if (st.kind == sim::ScheduledStep::Kind::timer && !(o_.timer_kinds & (1u << static_cast<int>(st.timer))))
        why += " (--timer-kinds leaves this kind out)";
      else if (st.kind == sim::ScheduledStep::Kind::drop && root_.used.drops >= o_.max.drops)
        why += fmt::format(" (the loss budget, --max-drops {}, is spent)", o_.max.drops);
      else if (st.kind == sim::ScheduledStep::Kind::duplicate && root_.used.dups >= o_.max.dups)
        why += fmt::format(" (the duplicate budget, --max-dups {}, is spent)", o_.max.dups);
      else if (st.kind == sim::ScheduledStep::Kind::crash && root_.used.crashes >= o_.max.crashes)
        why += fmt::format(" (the crash budget, --max-crashes {}, is spent)", o_.max.crashes);
      else if (st.kind == sim::ScheduledStep::Kind::duplicate && o_.reduce_states)
        why += " (with the state reductions a duplicate is followed at once by the delivery of the same message)";
      else if (st.kind == sim::ScheduledStep::Kind::durable)
        why += " (no unsynced write at that node)";
      else if (st.kind == sim::ScheduledStep::Kind::deliver || st.kind == sim::ScheduledStep::Kind::drop ||
               st.kind == sim::ScheduledStep::Kind::duplicate)
        why += st.msg.to >= s_.nodes ? " (messages to clients are absorbed when sent)" : " (no such message in flight, or its receiver is down)";
      throw PrefixError(at, why);
    }
    Outcome o = apply(root_, *c, ++step);
    root_ = std::move(o.next);
    root_violations_ = std::move(o.violations);
    prefix_.push_back(*c);
  }
}

std::uint64_t Model::label_of(const Choice& c) const {
  KeyHasher h;
  h.add(static_cast<std::uint64_t>(c.kind) | (std::uint64_t{c.node} << 8) | (std::uint64_t{c.index} << 40));
  // A node has one pending timer per kind: (node, kind) names it. Its token
  // is left out, so that states keyed alike give their transitions the same
  // labels (sleep sets compare labels across visits of one state).
  h.add(static_cast<std::uint64_t>(c.timer));
  if (c.kind == ChoiceKind::deliver || c.kind == ChoiceKind::drop || c.kind == ChoiceKind::duplicate)
    add_message_words(h, c.msg);
  return h.finish().hi;
}

std::vector<Choice> Model::choices(const World& w) const {
  std::vector<Choice> out;
  auto push = [&](Choice c) {
    c.label = label_of(c);
    out.push_back(std::move(c));
  };
  const auto up = [&](NodeId n) { return w.nodes[n].node != nullptr; };
  const auto& props = s_.workload.proposals;
  for (std::size_t i = 0; i < props.size(); ++i)
    if (!(w.issued >> i & 1) && up(props[i].node))
      push(Choice{ChoiceKind::propose, props[i].node, static_cast<std::uint32_t>(i), {}, 0, {}, 0});
  const auto& reqs = s_.workload.requests;
  for (std::size_t j = 0; j < reqs.size(); ++j) {
    if (w.issued >> j & 1) continue;
    bool earlier_open = false;  // a client issues its requests in file order
    for (std::size_t i = 0; i < j; ++i) earlier_open = earlier_open || (reqs[i].client == reqs[j].client && !(w.issued >> i & 1));
    if (earlier_open) continue;
    if (fused_request(j)) {
      if (up(*reqs[j].via)) push(Choice{ChoiceKind::request, *reqs[j].via, static_cast<std::uint32_t>(j), {}, 0, {}, 0});
    } else {
      push(Choice{ChoiceKind::request, k_no_node, static_cast<std::uint32_t>(j), {}, 0, {}, 0});
    }
  }
  for (const Flight& f : w.net)
    if (up(f.msg.to)) push(Choice{ChoiceKind::deliver, f.msg.to, 0, {}, 0, f.msg, 0});
  if (w.used.timers < o_.max.timers)
    for (NodeId n = 0; n < s_.nodes; ++n)
      if (up(n))
        for (int k = 0; k < k_timer_kind_count; ++k)
          if (w.nodes[n].timers[k] != 0 && (o_.timer_kinds >> k & 1))
            push(Choice{ChoiceKind::timer, n, 0, static_cast<TimerKind>(k), w.nodes[n].timers[k], {}, 0});
  for (NodeId n = 0; n < s_.nodes; ++n)
    if (up(n) && !w.nodes[n].disk->pending.empty()) push(Choice{ChoiceKind::durable, n, 0, {}, 0, {}, 0});
  // With the reductions, losses are subsumed and a duplicate is delivered at once.
  if (w.used.drops < o_.max.drops && !o_.reduce_states)
    for (const Flight& f : w.net)
      if (f.msg.from != f.msg.to) push(Choice{ChoiceKind::drop, k_no_node, 0, {}, 0, f.msg, 0});
  if (w.used.dups < o_.max.dups)
    for (const Flight& f : w.net) {
      if (f.msg.from == f.msg.to) continue;
      if (!o_.reduce_states) push(Choice{ChoiceKind::duplicate, k_no_node, 0, {}, 0, f.msg, 0});
      else if (up(f.msg.to)) push(Choice{ChoiceKind::duplicate, f.msg.to, 0, {}, 0, f.msg, 0});
    }
  if (w.used.crashes < o_.max.crashes)
    for (NodeId n = 0; n < s_.nodes; ++n)
      if (up(n)) push(Choice{ChoiceKind::crash, n, 0, {}, 0, {}, 0});
  for (NodeId n = 0; n < s_.nodes; ++n)
    if (!up(n)) push(Choice{ChoiceKind::restart, n, 0, {}, 0, {}, 0});
  // Labels identify transitions for the reduction: two enabled ones must differ.
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = i + 1; j < out.size(); ++j) PAXSIM_ASSERT(out[i].label != out[j].label);
  return out;
}

Outcome Model::apply(const World& w, const Choice& c, std::uint64_t step) const {
  Outcome r{w, {}, {}, false, false};
  World& n = r.next;
  Observations obs;
  obs.actual.node = c.node;
  std::vector<NodeId> touched;  // nodes whose state the transition may change
  if (c.node != k_no_node) touched.push_back(c.node);
  switch (c.kind) {
    case ChoiceKind::propose: {
      const sim::Proposal& p = s_.workload.proposals[c.index];
      n.issued |= std::uint64_t{1} << c.index;
      Observations::Item item{Observations::Kind::propose, p.node, {}, {}, {}, {}};
      item.msg.value = p.value;
      obs.items.push_back(std::move(item));
      obs.actual.proposes = true;
      run_node(n, p.node, Input::propose(p.value), obs, pending_timers(w.nodes[p.node]));
      break;
    }
    case ChoiceKind::request: {
      const sim::KvRequest& q = s_.workload.requests[c.index];
      n.issued |= std::uint64_t{1} << c.index;
      Observations::Item item{Observations::Kind::propose, s_.nodes + q.client, {}, {}, {}, {}};
      item.msg.value = request_values_[c.index];
      obs.items.push_back(std::move(item));
      obs.actual.proposes = true;
      const Message m = request_message(c.index);
      if (fused_request(c.index)) {  // issued and delivered in one step (world.hpp)
        run_node(n, c.node, Input::message(m), obs, pending_timers(w.nodes[c.node]));
        break;
      }
      for (NodeId to = 0; to < s_.nodes; ++to) {
        if (q.via && *q.via != to) continue;
        Message copy = m;
        copy.to = to;
        send(n, copy, obs);
      }
      break;
    }
    case ChoiceKind::deliver:
      net_remove(n.net, c.msg);
      r.noop = !run_node(n, c.node, Input::message(c.msg), obs, pending_timers(w.nodes[c.node]));
      break;
    case ChoiceKind::drop:
      net_remove(n.net, c.msg);
      ++n.used.drops;
      break;
    case ChoiceKind::duplicate:
      ++n.used.dups;
      if (o_.reduce_states) {
        r.noop = !run_node(n, c.node, Input::message(c.msg), obs, pending_timers(w.nodes[c.node]));  // delivered, and the copy stays
      } else {
        net_add(n.net, c.msg);
      }
      break;
    case ChoiceKind::timer:
      n.nodes[c.node].timers[static_cast<int>(c.timer)] = 0;
      ++n.used.timers;
      r.noop = !run_node(n, c.node, Input::fire(c.timer, c.token), obs, pending_timers(w.nodes[c.node]));
      break;
    case ChoiceKind::durable: sync_oldest(n, c.node, obs); break;
    case ChoiceKind::crash: {
      NodeState& ns = n.nodes[c.node];
      set_node(n, c.node, nullptr);
      ns.timers = {};
      if (!ns.disk->pending.empty()) {
        disk_for_write(n, c.node).pending.clear();  // unsynced writes and the sends they held are lost
        rekey_disk(ns);
      }
      ++n.used.crashes;
      if (n.used.crashes == o_.max.crashes)  // the last crash: from now on obsolete messages can be forgotten
        for (NodeId k = 0; k < s_.nodes; ++k) touched.push_back(k);
      break;
    }
    case ChoiceKind::restart: {
      set_node(n, c.node, std::shared_ptr<const Node>(factory_(configs_[c.node], n.nodes[c.node].disk->durable)));
      obs.items.push_back({Observations::Kind::restart, c.node, {}, {}, {}, {}});
      obs.actual.applies = true;  // (LogChecker forgets the replica's position)
      run_node(n, c.node, Input::start(), obs, 0);
      break;
    }
  }
  if (c.kind == ChoiceKind::deliver && !r.noop && o_.reduce_states) {
    // Local unless another node could see it: messages to clients are
    // absorbed unseen, and a message to the node itself (a leader's own
    // acceptor answering it) only the node can take. What the checkers see of
    // a learn, an apply, a record made durable or an answer sent commutes
    // with every other node's step and is judged the same whenever it is
    // seen (search.hpp, "Local steps").
    r.local = true;
    for (const auto& it : obs.items) {
      using K = Observations::Kind;
      const bool unseen = (it.kind == K::send && (it.msg.to >= s_.nodes || it.msg.to == c.node)) ||
                          it.kind == K::learn || it.kind == K::apply || it.kind == K::durable;
      r.local = r.local && unseen;
    }
  }
  observe(n, obs, step, &r.violations);
  if (!r.violations.empty()) r.local = false;  // a violating state is kept, to report it
  forget_obsolete(n, touched, obs);
  if (c.kind == ChoiceKind::deliver && o_.reduce_states && !r.noop && r.violations.empty())
    r.noop = only_forgotten_sends(w, n, c, obs);
  r.actual = std::move(obs.actual);
  return r;
}

// Whether a delivery's only effect was messages already forgotten as
// obsolete (a nack to a deposed leader that knows the higher ballot): its
// successor is then the state it leaves with one message fewer, a no-op.
bool Model::only_forgotten_sends(const World& before, const World& after, const Choice& c,
                                 const Observations& obs) const {
  const NodeState& was = before.nodes[c.node];
  const NodeState& is = after.nodes[c.node];
  if (!(was.node_key == is.node_key) || !(was.disk_set_key == is.disk_set_key) || !(was.disk_key == is.disk_key) ||
      pending_timers(was) != pending_timers(is) || !(before.memory->key == after.memory->key))
    return false;
  for (const auto& it : obs.items)
    if (it.kind != Observations::Kind::send) return false;
  // The network: the one before, less one copy of the delivered message.
  if (after.net.size() + 1 < before.net.size() || after.net.size() > before.net.size()) return false;
  auto a = after.net.begin();
  for (const Flight& f : before.net) {
    std::uint32_t want = f.count;
    if (message_equal(f.msg, c.msg)) --want;
    if (want == 0) continue;
    if (a == after.net.end() || a->count != want || !message_equal(a->msg, f.msg)) return false;
    ++a;
  }
  return a == after.net.end();
}

Key Model::key(const World& w) const {
  KeyHasher h;
  for (const NodeState& ns : w.nodes) {
    h.add(ns.node ? 1 : 0);
    if (ns.node) h.add(ns.node_key);
    // With the state reductions, a live node's disk counts as the set of its
    // durable records once no crash is left (NodeState::disk_set_key).
    const bool as_set = o_.reduce_states && ns.node && w.used.crashes >= o_.max.crashes;
    h.add(as_set ? ns.disk_set_key : ns.disk_key);
    // Canonically, whether a timer of each kind is pending: its token is the
    // node's live one (StateHasher::add_token).
    for (std::uint64_t t : ns.timers) h.add(o_.reduce_states ? (t != 0) : t);
  }
  h.add(w.net.size());
  for (const Flight& f : w.net) {
    add_message_words(h, f.msg);
    h.add(f.count);
  }
  h.add(w.issued);
  h.add(std::uint64_t{w.used.drops} | (std::uint64_t{w.used.dups} << 32));
  h.add(std::uint64_t{w.used.crashes} | (std::uint64_t{w.used.timers} << 32));
  h.add(w.memory->key);
  return h.finish();
}

// ---------------------------------------------------------------- the reduction

// Predicted from the transition's kind and the message (or the write) alone;
// check_footprint() verifies every prediction against what the transition
// then really touched.
Footprint Model::footprint(const World& w, const Choice& c) const {
  Footprint f;
  f.node = c.node;
  const bool multi = s_.protocol == sim::Protocol::multi_paxos;
  switch (c.kind) {
    case ChoiceKind::propose:
      f.proposes = true;
      f.learns_any = true;  // a node that already learned answers at once
      break;
    case ChoiceKind::request: f.proposes = true; break;
    case ChoiceKind::duplicate:
      f.budget = k_budget_dups;
      if (!o_.reduce_states) break;
      [[fallthrough]];  // folded: also a delivery
    case ChoiceKind::deliver: {
      const Message& m = c.msg;
      switch (m.kind) {
        case MsgKind::prepare: f.answers.push_back(QuorumKey{MsgKind::promise, m.slot, m.ballot}); break;
        case MsgKind::accept:
          f.answers.push_back(QuorumKey{MsgKind::accepted, m.slot, m.ballot});
          if (o_.writes == Writes::immediate) f.acceptances.emplace_back(m.slot, m.value);
          break;
        case MsgKind::promise: f.quorums.push_back(QuorumKey{MsgKind::promise, m.slot, m.ballot}); break;
        case MsgKind::accepted:
          f.quorums.push_back(QuorumKey{MsgKind::accepted, m.slot, m.ballot});
          f.learns.push_back(m.slot);
          f.applies = multi;
          break;
        case MsgKind::decide:
          if (m.entries.empty()) f.learns.push_back(m.slot);
          else f.learns_any = true;
          f.applies = multi;
          break;
        case MsgKind::nack:
          // A Multi-Paxos leader that a nack shows a rival with a follower
          // joins the rival: it promises the rival's ballot (paxos/multi_node.cpp,
          // join_rival), a ballot its own state holds, not the message.
          f.answers_any = multi;
          break;
        default: break;  // learn_request, heartbeat, client messages: no checker sees their effects
      }
      break;
    }
    case ChoiceKind::drop: f.budget = k_budget_drops; break;
    case ChoiceKind::timer: f.budget = k_budget_timers; break;
    case ChoiceKind::durable: {
      const PendingWrite& p = w.nodes[c.node].disk->pending.front();
      if (p.record.kind == RecordKind::accept) f.acceptances.emplace_back(p.record.slot, p.record.value);
      for (const Message& m : p.gated)
        if (m.kind == MsgKind::promise || m.kind == MsgKind::accepted)
          f.answers.push_back(QuorumKey{m.kind, m.slot, m.ballot});
      break;
    }
    case ChoiceKind::crash: f.budget = k_budget_crashes; break;
    case ChoiceKind::restart: f.applies = true; break;
  }
  return f;
}

// Two transitions enabled in `w` are independent there when taking them in
// either order gives the same state (nodes, disks, network, budgets, and the
// checkers' memory and reports) and neither disables the other:
//  - they are at different nodes (a node's transitions read and write its
//    node object, disk and timers only);
//  - they do not both spend a budget with room for only one more;
//  - neither loses or copies the message the other delivers, loses or copies;
//  - the checkers see their observations in either order alike: the
//    QuorumChecker records answers (promise/accepted sent) and reads them when
//    a quorum is acted on, so an answer and a quorum of the same kind, slot
//    and ballot conflict (a Multi-Paxos nack, which may make its leader
//    promise a rival's ballot, with every quorum); the ChosenTracker tallies durable acceptances and
//    remembers the first value chosen in a slot, so acceptances of different
//    values in one slot conflict (same value: the tallies are sets and the
//    chosen value is the same), an acceptance conflicts with a learn in its
//    slot (learning checks what is chosen) and a proposal with an acceptance
//    (validity checks what was proposed when a value is chosen); the
//    LogChecker remembers the first command applied at each index, so any two
//    transitions that apply conflict. The PromiseChecker only reads and
//    writes the state of the node that sent or wrote, which is covered by the
//    first rule. Everything else a checker does is a set insertion or a read.
bool Model::independent(const World& w, const Choice& a, const Footprint& fa, const Choice& b,
                        const Footprint& fb) const {
  if (fa.node != k_no_node && fa.node == fb.node) return false;
  if (fa.budget >= 0 && fa.budget == fb.budget && w.used[fa.budget] + 2 > o_.max[fa.budget]) return false;
  const auto message_choice = [](const Choice& c) {
    return c.kind == ChoiceKind::deliver || c.kind == ChoiceKind::drop || c.kind == ChoiceKind::duplicate;
  };
  if (message_choice(a) && message_choice(b) && (a.kind != ChoiceKind::deliver || b.kind != ChoiceKind::deliver) &&
      message_equal(a.msg, b.msg))
    return false;
  const auto answers_quorum = [](const Footprint& x, const Footprint& y) {
    if (x.answers_any && !y.quorums.empty()) return true;
    for (const QuorumKey& k : x.answers)
      if (std::find(y.quorums.begin(), y.quorums.end(), k) != y.quorums.end()) return true;
    return false;
  };
  if (answers_quorum(fa, fb) || answers_quorum(fb, fa)) return false;
  for (const auto& [sa, va] : fa.acceptances)
    for (const auto& [sb, vb] : fb.acceptances)
      if (sa == sb && va != vb) return false;
  const auto accept_learn = [](const Footprint& x, const Footprint& y) {
    if (x.acceptances.empty()) return false;
    if (y.learns_any || y.proposes) return true;
    for (const auto& acc : x.acceptances)
      if (std::find(y.learns.begin(), y.learns.end(), acc.first) != y.learns.end()) return true;
    return false;
  };
  if (accept_learn(fa, fb) || accept_learn(fb, fa)) return false;
  if (fa.applies && fb.applies) return false;
  return true;
}

void Model::check_footprint(const Choice& c, const Footprint& p, const Footprint& a) const {
  bool ok = a.node == p.node;
  for (const QuorumKey& k : a.answers)
    ok = ok && (p.answers_any || std::find(p.answers.begin(), p.answers.end(), k) != p.answers.end());
  for (const QuorumKey& k : a.quorums) ok = ok && std::find(p.quorums.begin(), p.quorums.end(), k) != p.quorums.end();
  for (const auto& acc : a.acceptances)
    ok = ok && std::find(p.acceptances.begin(), p.acceptances.end(), acc) != p.acceptances.end();
  for (Slot s : a.learns) ok = ok && (p.learns_any || std::find(p.learns.begin(), p.learns.end(), s) != p.learns.end());
  ok = ok && (!a.learns_any || p.learns_any) && (!a.proposes || p.proposes) && (!a.applies || p.applies);
  if (!ok) {
    fmt::print(stderr, "paxsim explore: the transition \"{}\" touched checker state its footprint did not predict\n",
               describe(c));
    PAXSIM_ASSERT(!"partial-order reduction footprint covers the transition");
  }
}

// ---------------------------------------------------------------- text and schedules

static std::string ballot_text(const Ballot& b) { return to_string(b); }

std::string Model::describe(const Choice& c) const {
  auto msg_text = [&](const Message& m) {
    std::string t = fmt::format("{} {}->{}", to_string(m.kind), sim::endpoint_name(s_, m.from), sim::endpoint_name(s_, m.to));
    if (s_.protocol == sim::Protocol::multi_paxos || m.slot != 0) t += fmt::format(" slot {}", m.slot);
    if (!m.ballot.is_null()) t += " ballot " + ballot_text(m.ballot);
    if (!m.accepted_ballot.is_null()) t += " accepted " + ballot_text(m.accepted_ballot);
    if (!m.value.empty()) t += " value " + checkers::quote(m.value);
    for (const LogEntry& e : m.entries) t += fmt::format(" [{}: {} {}]", e.slot, ballot_text(e.ballot), checkers::quote(e.value));
    if (m.kind == MsgKind::heartbeat) t += fmt::format(" commit {}", m.commit);
    return t;
  };
  switch (c.kind) {
    case ChoiceKind::propose:
      return fmt::format("propose {} at {}", checkers::quote(s_.workload.proposals[c.index].value), node_name(c.node));
    case ChoiceKind::request:
      return fmt::format("request {} from {}{}", checkers::quote(request_values_[c.index]),
                         sim::endpoint_name(s_, s_.nodes + s_.workload.requests[c.index].client),
                         fused_request(c.index) ? ", delivered to " + node_name(c.node) : std::string());
    case ChoiceKind::deliver: return "deliver " + msg_text(c.msg);
    case ChoiceKind::drop: return "drop " + msg_text(c.msg);
    case ChoiceKind::duplicate: return (o_.reduce_states ? "duplicate and deliver " : "duplicate ") + msg_text(c.msg);
    case ChoiceKind::timer: return fmt::format("timer {} {}", node_name(c.node), to_string(c.timer));
    case ChoiceKind::durable: return fmt::format("durable {}", node_name(c.node));
    case ChoiceKind::crash: return fmt::format("crash {}", node_name(c.node));
    case ChoiceKind::restart: return fmt::format("restart {}", node_name(c.node));
  }
  return "?";
}

std::vector<sim::ScheduledStep> Model::scheduled(const Choice& c) const {
  using K = sim::ScheduledStep::Kind;
  sim::ScheduledStep st;
  st.msg = c.msg;
  st.node = c.node == k_no_node ? 0 : c.node;
  st.timer = c.timer;
  st.index = c.index;
  switch (c.kind) {
    case ChoiceKind::propose: st.kind = K::propose; break;
    case ChoiceKind::request: st.kind = K::request; break;
    case ChoiceKind::deliver: st.kind = K::deliver; break;
    case ChoiceKind::drop: st.kind = K::drop; break;
    case ChoiceKind::duplicate: st.kind = K::duplicate; break;
    case ChoiceKind::timer: st.kind = K::timer; break;
    case ChoiceKind::durable: st.kind = K::durable; break;
    case ChoiceKind::crash: st.kind = K::crash; break;
    case ChoiceKind::restart: st.kind = K::restart; break;
  }
  if (c.kind == ChoiceKind::request && fused_request(c.index)) {
    sim::ScheduledStep deliver;
    deliver.kind = K::deliver;
    deliver.msg = request_message(c.index);
    return {st, deliver};
  }
  if (c.kind == ChoiceKind::duplicate && o_.reduce_states) {
    sim::ScheduledStep deliver = st;
    deliver.kind = K::deliver;
    return {st, deliver};
  }
  return {st};
}

}  // namespace paxsim::explore
