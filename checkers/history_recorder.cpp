#include "checkers/history_recorder.hpp"

#include <algorithm>

namespace paxsim::checkers {

// Operations reserved up front, at most: a kv workload says how many calls
// its clients make, but a run may end long before.
constexpr std::uint64_t k_reserved_ops_max = std::uint64_t{1} << 16;

HistoryRecorder::HistoryRecorder(const sim::Scenario& s) : open_(s.clients()), open_size_(s.clients()) {
  for (std::uint32_t c = 0; c < s.clients(); ++c) history_.clients.push_back(std::string(1, 'c').append(std::to_string(c + 1)));
  if (s.workload.type == sim::Workload::Type::kv) {
    const std::uint64_t calls =
        s.workload.requests.size() + std::uint64_t{s.clients()} * std::min(s.workload.ops_per_client, k_reserved_ops_max);
    history_.ops.reserve(static_cast<std::size_t>(std::min(calls, k_reserved_ops_max)));
  }
}

void HistoryRecorder::on_client_call(Time_us t, std::uint32_t client, const Command& c) {
  const std::size_t index = ops_size_++;
  // Built in place from its fields: the texts copied once, not made empty
  // and then assigned. Every field is given (no return, no result yet):
  // given fewer, GCC zeroed the whole operation before writing them.
  const KvOp kind = c.op == KvOpKind::put ? KvOp::put : c.op == KvOpKind::get ? KvOp::get : KvOp::append;
  history_.ops.emplace_back(client, kind, c.key, c.value, t, std::nullopt, std::nullopt);
  OpenCalls& open = open_of(client);
  if (open.has_one && open.one.request == c.request) {
    open.one.index = index;
  } else if (const auto it = in_more(open, c.request); it != open.more.end()) {
    it->index = index;
  } else if (!open.has_one) {
    open.has_one = true;
    open.one = OpenCall{c.request, index};
  } else {
    open.more.push_back(OpenCall{c.request, index});
  }
}

void HistoryRecorder::on_client_return(Time_us t, std::uint32_t client, const Command& c, const Message& reply) {
  // The usual return, the client's one open call, without a call before the
  // last (so without saving registers); anything else out of line.
  if (client >= open_size_ || !open_[client].has_one || open_[client].one.request != c.request) [[unlikely]]
    return return_slow(t, client, c, reply);
  OpenCalls& open = open_[client];
  open.has_one = false;
  returned(t, history_.ops[open.one.index], reply);
}

void HistoryRecorder::return_slow(Time_us t, std::uint32_t client, const Command& c, const Message& reply) {
  OpenCalls& open = open_of(client);
  std::size_t index;
  if (open.has_one && open.one.request == c.request) {
    open.has_one = false;
    index = open.one.index;
  } else {
    const auto it = in_more(open, c.request);
    if (it == open.more.end()) return;
    index = it->index;
    open.more.erase(it);
  }
  returned(t, history_.ops[index], reply);
}

void HistoryRecorder::returned(Time_us t, Operation& op, const Message& reply) {
  op.return_us = t;
  if (op.op == KvOp::get && !(reply.flags & k_absent)) set_result(op, reply);
}

void HistoryRecorder::set_result(Operation& op, const Message& reply) {
  op.result.emplace(reply.value.view());  // no temporary
}

}  // namespace paxsim::checkers
