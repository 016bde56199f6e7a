// The replica role of Multi-Paxos: the log of decided slots, the key-value
// state machine it drives, and catch-up. Decisions arrive in any order; the
// state machine applies them strictly in log order, with no gaps.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "paxos/effects.hpp"
#include "paxos/kv.hpp"
#include "paxos/node.hpp"
#include "paxos/slot_map.hpp"

namespace paxsim {

class Replica {
 public:
  // The largest decide batch sent to a lagging replica.
  static constexpr std::size_t k_catchup_batch = 64;

  void recover(std::span<const Record> durable);
  // Re-applies what the disk kept (after a restart the state machine starts
  // empty and is rebuilt from the log).
  void replay(const NodeConfig& cfg, Effects& out);

  // Records a decision (idempotent); applies whatever became applicable.
  // Returns true the first time the slot is learned. `results`: keep what
  // was applied, with the results, in just_applied() (a node with no client
  // waiting for an answer has no use for them).
  // Always inline (below): every node learns every slot, and a call with a
  // frame of its own cost more than the caller's frame serving both.
  bool learn(const NodeConfig& cfg, Slot s, const Value& v, Ballot b, Effects& out, bool results = true);

  // Requests applied by the last learn/replay, with their results, so the
  // node can answer the clients waiting for them.
  struct Applied {
    std::uint32_t client = 0;
    std::uint64_t request = 0;
    bool absent = false;  // KvResult's
    // The result's text is `text` if has_text, else empty. An empty result
    // (a put's) leaves `text` alone, so that the next get's text, of a
    // value as long, overwrites it in place (assign_text) instead of the
    // library regrowing an emptied string.
    bool has_text = false;
    std::string text;
    std::string_view value() const { return has_text ? std::string_view(text) : std::string_view(); }
  };
  const ReusedList<Applied>& just_applied() const { return just_applied_; }

  void on_learn_request(const NodeConfig& cfg, const Message& m, Effects& out) const;

  bool decided(Slot s) const { return log_.contains(s); }
  Slot first_undecided() const { return first_undecided_; }
  Slot applied() const { return applied_; }  // the next log index to apply: every index below is applied
  Slot next_free() const { return log_.end_slot(); }
  std::uint64_t decided_count() const { return log_.size(); }
  const KvStore& kv() const { return kv_; }
  // The decided log determines the state machine, so it stands for both.
  void hash_state(StateHasher& h) const {
    h.add(log_.size());
    log_.for_each([&](Slot s, const Decision& e) {
      h.add(s);
      h.add(e.ballot);
      h.add_bytes(e.value);
    });
    h.add(applied_);
  }

 private:
  // Inline in learn, which calls it for every slot learned.
  [[gnu::always_inline]] inline void apply_ready(const NodeConfig& cfg, Effects& out, bool results);

  struct Decision {
    Decision() = default;
    Decision(Ballot b, const Value& v) : ballot(b), value(v) {}  // as Acceptance's, for SlotMap
    Ballot ballot;
    Value value;
  };
  SlotMap<Decision> log_;  // decided slots
  Slot first_undecided_ = 0;
  Slot applied_ = 0;  // next log index to apply
  KvStore kv_;
  // Reused: a result is copied into a slot whose string kept its buffer.
  ReusedList<Applied> just_applied_;
  // A command parsed from a value that does not carry one (apply_ready's
  // scratch space; its views are into the value's text).
  CommandView scratch_;
};

inline void Replica::apply_ready(const NodeConfig& cfg, Effects& out, bool results) {
  // Every slot below first_undecided_ is decided and first_undecided_ is
  // not, so what applies in order is exactly [applied_, first_undecided_):
  // no slot needs testing.
  for (; applied_ < first_undecided_; ++applied_) {
    const Value& v = log_.at(applied_).value;
    out.applied_copy(applied_, v);
    // A value that carries its command is no no-op (encode makes no no-op).
    const CommandView* c = v.command();
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
      a.absent = r->absent;
      a.has_text = !r->value.empty();
      if (a.has_text) assign_text(a.text, r->value);
    }
  }
}

[[gnu::always_inline]] inline bool Replica::learn(const NodeConfig& cfg, Slot s, const Value& v, Ballot b, Effects& out, bool results) {
  just_applied_.clear();
  if (!log_.try_emplace(s, b, v)) return false;
  // Only slot s changed: the first undecided slot moves only if it was s.
  if (s == first_undecided_) {
    ++first_undecided_;
    while (log_.contains(first_undecided_)) ++first_undecided_;
  }
  // Not needed for safety (a replica can always learn again from its peers).
  out.persist_new(RecordKind::decided, s, b, v);
  out.learned_copy(s, v);
  apply_ready(cfg, out, results);
  return true;
}

}  // namespace paxsim
