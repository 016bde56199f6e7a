#include "paxos/replica.hpp"

namespace paxsim {

void Replica::recover(std::span<const Record> durable) {
  for (const Record& r : durable)
    if (r.kind == RecordKind::decided) log_.try_emplace(r.slot, r.ballot, r.value);
  while (log_.contains(first_undecided_)) ++first_undecided_;
}

void Replica::apply_ready(const NodeConfig& cfg, Effects& out, bool results) {
  // Every slot below first_undecided_ is decided and first_undecided_ is
  // not, so what applies in order is exactly [applied_, first_undecided_):
  // no slot needs testing.
  for (; applied_ < first_undecided_; ++applied_) {
    const Value& v = log_.at(applied_).value;
    out.applied_copy(applied_, v);
    // A value that carries its command is no no-op (encode makes no no-op).
    const Command* c = v.command();
    if (!c) {
      if (v == k_noop_value) continue;
      c = parse_command(v, scratch_);
      if (!c) continue;  // not a command (cannot happen: only commands and no-ops are proposed)
    }
    const KvResult* r = kv_.apply(*c, cfg.bugs);
    if (r && results) {
      Applied& a = just_applied_.next();
      a.client = c->client;
      a.request = c->request;
      a.result = *r;
    }
  }
}

void Replica::replay(const NodeConfig& cfg, Effects& out) {
  just_applied_.clear();
  apply_ready(cfg, out, true);
}

bool Replica::learn(const NodeConfig& cfg, Slot s, const Value& v, Ballot b, Effects& out, bool results) {
  just_applied_.clear();
  if (!log_.try_emplace(s, b, v)) return false;
  while (log_.contains(first_undecided_)) ++first_undecided_;
  // Not needed for safety (a replica can always learn again from its peers).
  out.persist_new(RecordKind::decided, s, b, v);
  out.learned_copy(s, v);
  apply_ready(cfg, out, results);
  return true;
}

void Replica::on_learn_request(const NodeConfig& cfg, const Message& m, Effects& out) const {
  Message d;
  d.kind = MsgKind::decide;
  d.from = cfg.self;
  d.to = m.from;
  d.slot = m.slot;
  log_.for_each_from(m.slot, [&](Slot s, const Decision& e) {
    d.entries.push_back(LogEntry{s, e.ballot, e.value});
    return d.entries.size() < k_catchup_batch;
  });
  if (!d.entries.empty()) out.send_copy(d, false);
}

}  // namespace paxsim
