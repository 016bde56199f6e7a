#include "cli/step_text.hpp"

#include <fmt/format.h>

#include "checkers/chosen.hpp"

namespace paxsim::cli {

static std::string endpoints(const sim::Scenario& s, const std::vector<EndpointId>& es) {
  if (es.size() == s.endpoints() && es.size() > 1) return "*";
  std::string out = "[";
  for (std::size_t i = 0; i < es.size(); ++i) {
    if (i) out += ',';
    out += sim::endpoint_name(s, es[i]);
  }
  return out + "]";
}

std::string describe_command(const Command& c) {
  std::string out = fmt::format("{}({}", to_string(c.op), c.key);
  if (c.op != KvOpKind::get) out += fmt::format(", {}", c.value);
  return out + ")";
}

std::string describe_message(const sim::Scenario& s, const Message& m) {
  std::string out = fmt::format("{} {}->{}", to_string(m.kind), sim::endpoint_name(s, m.from),
                                sim::endpoint_name(s, m.to));
  switch (m.kind) {
    case MsgKind::prepare:
    case MsgKind::nack: out += fmt::format(" ballot {}", to_string(m.ballot)); break;
    case MsgKind::promise:
      out += fmt::format(" ballot {}", to_string(m.ballot));
      if (!m.accepted_ballot.is_null())
        out += fmt::format(" accepted {} {}", to_string(m.accepted_ballot), checkers::quote(m.value));
      break;
    case MsgKind::accept:
    case MsgKind::accepted:
    case MsgKind::decide:
      if (m.entries.empty()) out += fmt::format(" ballot {} value {}", to_string(m.ballot), checkers::quote(m.value));
      break;
    case MsgKind::learn_request: break;
    case MsgKind::heartbeat: out += fmt::format(" ballot {} commit {}", to_string(m.ballot), m.commit); break;
    case MsgKind::client_request:
      if (auto c = decode(m.value)) out += fmt::format(" #{} {}", m.request, describe_command(*c));
      break;
    case MsgKind::client_reply:
      out += fmt::format(" #{} -> {}", m.request, (m.flags & k_absent) ? std::string("(absent)") : checkers::quote(m.value));
      break;
    case MsgKind::redirect:
      out += fmt::format(" #{} leader {}", m.request, m.leader_hint == k_no_node ? std::string("unknown") : node_name(m.leader_hint));
      break;
    case MsgKind::lease_ack: out += fmt::format(" ballot {} round {}", to_string(m.ballot), m.request); break;
    case MsgKind::heartbeat_ack: out += fmt::format(" ballot {}", to_string(m.ballot)); break;
  }
  if (!m.entries.empty()) out += fmt::format(" ({} entries)", m.entries.size());
  if (m.slot != 0) out += fmt::format(" slot {}", m.slot);
  return out;
}

std::string describe_fault(const sim::Scenario& s, const sim::Fault& f) {
  std::string out = to_string(f.action);
  switch (f.action) {
    case sim::FaultAction::partition:
      for (const auto& g : f.groups) out += fmt::format(" {}", endpoints(s, g));
      break;
    case sim::FaultAction::cut: out += fmt::format(" from {} to {}", endpoints(s, f.from), endpoints(s, f.to)); break;
    case sim::FaultAction::crash:
    case sim::FaultAction::pause:
    case sim::FaultAction::resume:
      if (f.node.kind == sim::NodeSelector::Kind::index) out += fmt::format(" {}", sim::endpoint_name(s, f.node.index));
      break;
    case sim::FaultAction::clock:
      if (f.node.kind == sim::NodeSelector::Kind::index) out += fmt::format(" {}", sim::endpoint_name(s, f.node.index));
      if (f.offset_ms) out += fmt::format(" offset {:+} ms", *f.offset_ms);
      if (f.drift_ppm) out += fmt::format(" drift {:+} ppm", *f.drift_ppm);
      break;
    case sim::FaultAction::restart:
      if (f.node.kind == sim::NodeSelector::Kind::index) out += fmt::format(" {}", sim::endpoint_name(s, f.node.index));
      if (f.wipe_disk) out += " (disk wiped)";
      break;
    case sim::FaultAction::network: {
      if (f.network.drop) out += fmt::format(" drop={}", *f.network.drop);
      if (f.network.duplicate) out += fmt::format(" duplicate={}", *f.network.duplicate);
      if (f.network.delay_ms) out += " delay changed";
      break;
    }
    case sim::FaultAction::heal: break;
  }
  return out;
}

std::string describe_step(const sim::Scenario& s, const sim::StepInfo& info) {
  std::string head = fmt::format("{:>10.3f}ms #{:<6} ", static_cast<double>(info.time) / 1000.0, info.index);
  switch (info.kind) {
    case sim::StepKind::deliver: return head + "deliver " + describe_message(s, *info.msg);
    case sim::StepKind::lost:
      return head + fmt::format("lost ({}) ", to_string(*info.loss)) + describe_message(s, *info.msg);
    case sim::StepKind::timer: return head + fmt::format("timer {} at {}", to_string(info.timer), node_name(info.node));
    case sim::StepKind::client: {
      if (s.workload.type == sim::Workload::Type::lock) {
        static const char* const lock_kinds[] = {"issues an acquire", "times out, retries", "resends",
                                                 "action lands at the resource", "checks its lease again"};
        return head + fmt::format("client {} {}", sim::endpoint_name(s, info.node), lock_kinds[info.client_timer % 5]);
      }
      static const char* const kinds[] = {"issues a request", "request falls due", "times out, retries", "resends"};
      return head + fmt::format("client {} {}", sim::endpoint_name(s, info.node), kinds[info.client_timer & 3]);
    }
    case sim::StepKind::durable:
      return head + fmt::format("durable {} {} ballot {}{}", node_name(info.node), to_string(info.record->kind),
                                to_string(info.record->ballot),
                                info.record->kind == RecordKind::accept || info.record->kind == RecordKind::decided
                                    ? fmt::format(" value {}", checkers::quote(info.record->value))
                                    : std::string());
    case sim::StepKind::fault:
    case sim::StepKind::nemesis:
      return fmt::format("{}{}{}{}", head,
                         info.kind == sim::StepKind::nemesis ? (info.undo ? "nemesis undo " : "nemesis ") : "fault ",
                         describe_fault(s, *info.fault), info.did_nothing ? " (nothing to do)" : "");
    case sim::StepKind::propose:
      return head + fmt::format("propose {} at {}{}", checkers::quote(*info.value), node_name(info.node),
                                info.did_nothing ? " (node down: skipped)" : "");
  }
  return head;
}

}  // namespace paxsim::cli
