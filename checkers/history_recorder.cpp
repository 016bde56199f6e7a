#include "checkers/history_recorder.hpp"

namespace paxsim::checkers {

HistoryRecorder::HistoryRecorder(const sim::Scenario& s) {
  for (std::uint32_t c = 0; c < s.clients(); ++c) history_.clients.push_back(std::string(1, 'c').append(std::to_string(c + 1)));
}

void HistoryRecorder::on_client_call(Time_us t, std::uint32_t client, const Command& c) {
  Operation op;
  op.client = client;
  op.op = c.op == KvOpKind::put ? KvOp::put : c.op == KvOpKind::get ? KvOp::get : KvOp::append;
  op.key = c.key;
  op.value = c.value;
  op.call_us = t;
  open_[{client, c.request}] = history_.ops.size();
  history_.ops.push_back(std::move(op));
}

void HistoryRecorder::on_client_return(Time_us t, std::uint32_t client, const Command& c, const Message& reply) {
  auto it = open_.find({client, c.request});
  if (it == open_.end()) return;
  Operation& op = history_.ops[it->second];
  op.return_us = t;
  if (op.op == KvOp::get && !(reply.flags & k_absent)) op.result = reply.value;
  open_.erase(it);
}

}  // namespace paxsim::checkers
