#include "paxos/replica.hpp"

namespace paxsim {

void Replica::recover(std::span<const Record> durable) {
  for (const Record& r : durable)
    if (r.kind == RecordKind::decided) log_.try_emplace(r.slot, r.ballot, r.value);
  while (log_.contains(first_undecided_)) ++first_undecided_;
}

void Replica::replay(const NodeConfig& cfg, Effects& out) {
  just_applied_.clear();
  apply_ready(cfg, out, true);
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
