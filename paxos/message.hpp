// Messages between nodes. One flat, copyable struct: cheap to queue, to hash
// for the fingerprint, and to compare when a whole simulation is hashed.
#pragma once

#include <cstdint>
#include <string_view>

#include "paxos/types.hpp"

namespace paxsim {

enum class MsgKind : std::uint8_t {
  prepare,        // phase 1a: ballot
  promise,        // phase 1b: ballot, accepted_ballot + value (null ballot: none)
  nack,           // a refusal: ballot = the higher ballot the acceptor promised
  accept,         // phase 2a: ballot, value
  accepted,       // phase 2b: ballot, value
  decide,         // a learner tells others the chosen value: value (ballot: the
                  // ballot it was chosen in, for evidence)
  learn_request,  // a learner that may have missed a decision asks for it
};
inline constexpr int k_msg_kind_count = 7;

std::string_view to_string(MsgKind k);

struct Message {
  MsgKind kind = MsgKind::prepare;
  EndpointId from = 0;
  EndpointId to = 0;
  Slot slot = 0;
  Ballot ballot;
  Ballot accepted_ballot;
  Value value;
};

}  // namespace paxsim
