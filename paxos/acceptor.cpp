#include "paxos/acceptor.hpp"

#include <algorithm>

namespace paxsim {

void Acceptor::recover(const NodeConfig& cfg, std::span<const Record> durable) {
  for (const Record& r : durable) {
    if (r.kind == RecordKind::promise) {
      // volatile-promise: the promise was "kept only in memory"; the record
      // is not written under that bug, but be explicit about forgetting it.
      if (!cfg.bugs.has(Bug::volatile_promise)) promised_ = std::max(promised_, r.ballot);
    } else if (r.kind == RecordKind::accept) {
      promised_ = std::max(promised_, r.ballot);
      Acceptance& a = accepted_[r.slot];
      a.ballot = r.ballot;
      a.value = r.value;
    }
  }
}

const Acceptance* Acceptor::accepted(Slot s) const {
  return accepted_.find(s);
}

// Its answers are built in their effects slots (send_new), with no message
// on the stack to copy from and destroy.
void Acceptor::on_prepare(const NodeConfig& cfg, const Message& m, Effects& out) {
  if (m.ballot < promised_) {
    Message& nack = out.send_new(false);  // reveals a durable promise only
    nack.kind = MsgKind::nack;
    nack.from = cfg.self;
    nack.to = m.from;
    nack.slot = m.slot;
    nack.ballot = promised_;
    return;
  }
  if (m.ballot > promised_) {
    promised_ = m.ballot;
    if (!cfg.bugs.has(Bug::volatile_promise))
      out.persist.push_back(Record{RecordKind::promise, 0, m.ballot, {}});
  }
  // m.ballot == promised_ here: a new promise, or a duplicate prepare answered
  // again (the reply is covered by the record written the first time).
  Message& reply = out.send_new(!cfg.bugs.has(Bug::promise_before_durable));
  reply.kind = MsgKind::promise;
  reply.from = cfg.self;
  reply.to = m.from;
  reply.slot = m.slot;
  reply.ballot = m.ballot;
  if (cfg.log) {
    // Multi-Paxos: one promise covers every slot from m.slot on, so it lists
    // every acceptance there; the new leader must re-propose them.
    accepted_.for_each_from(m.slot, [&](Slot s, const Acceptance& a) {
      reply.entries.push_back(LogEntry{s, a.ballot, a.value});
      return true;
    });
  } else if (const Acceptance* a = accepted(m.slot)) {
    reply.accepted_ballot = a->ballot;
    reply.value = a->value;
  }
}

void Acceptor::refuse_accept(const NodeConfig& cfg, const Message& m, Effects& out) {
  Message& nack = out.send_new(false);
  nack.kind = MsgKind::nack;
  nack.from = cfg.self;
  nack.to = m.from;
  nack.slot = m.slot;
  nack.ballot = promised_;
}

void Acceptor::take_accept(const NodeConfig& cfg, const Message& m, Effects& out) {
  // A duplicate (the same ballot and value again) changes nothing and is not written again.
  const auto duplicate = [&](const Acceptance& prev) { return prev.ballot == m.ballot && prev.value == m.value; };
  if (accepted_.emplace_unless(m.slot, duplicate, m.ballot, m.value)) {
    promised_ = std::max(promised_, m.ballot);
    out.persist_new(RecordKind::accept, m.slot, m.ballot, m.value);
  }
  const bool durable_first = !cfg.bugs.has(Bug::ack_before_durable);
  // The acknowledgement goes to the proposer only, or to every node with
  // all-to-all learning (each counts for itself). The usual single ack is
  // built in line, straight, with no loop to set up around it.
  if (cfg.learning != LearningMode::all_to_all) {
    out.send_new(durable_first, MsgKind::accepted, cfg.self, m.from, m.slot, m.ballot, m.value);
    return;
  }
  for (EndpointId to = 0; to < cfg.nodes; ++to)
    out.send_new(durable_first, MsgKind::accepted, cfg.self, to, m.slot, m.ballot, m.value);
}

}  // namespace paxsim
