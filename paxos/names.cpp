#include "paxos/effects.hpp"
#include "paxos/message.hpp"

namespace paxsim {

std::string_view to_string(MsgKind k) {
  switch (k) {
    case MsgKind::prepare: return "prepare";
    case MsgKind::promise: return "promise";
    case MsgKind::nack: return "nack";
    case MsgKind::accept: return "accept";
    case MsgKind::accepted: return "accepted";
    case MsgKind::decide: return "decide";
    case MsgKind::learn_request: return "learn_request";
    case MsgKind::heartbeat: return "heartbeat";
    case MsgKind::client_request: return "client_request";
    case MsgKind::client_reply: return "client_reply";
    case MsgKind::redirect: return "redirect";
    case MsgKind::lease_ack: return "lease_ack";
    case MsgKind::heartbeat_ack: return "heartbeat_ack";
  }
  return "?";
}

std::string_view to_string(RecordKind k) {
  switch (k) {
    case RecordKind::promise: return "promise";
    case RecordKind::accept: return "accept";
    case RecordKind::proposer_round: return "proposer_round";
    case RecordKind::decided: return "decided";
  }
  return "?";
}

std::string_view to_string(TimerKind k) {
  switch (k) {
    case TimerKind::retry: return "retry";
    case TimerKind::catchup: return "catchup";
    case TimerKind::heartbeat: return "heartbeat";
    case TimerKind::election: return "election";
  }
  return "?";
}

}  // namespace paxsim
