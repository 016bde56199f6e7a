// Which message deliveries, once they change nothing at a node, never change
// anything there again (while that node lives). The explorer (explore/) uses
// it to drop such obsolete messages from the network: a message whose
// delivery is a no-op now and forever can be forgotten without changing what
// can happen. Whether a delivery is a no-op *now* is not decided here: the
// explorer delivers the message to a copy of the node and looks (no state
// change, no effects at all). This file only states, per message kind, why a
// no-op stays one, so it reads nothing but the kind and the protocol.
#pragma once

#include "paxos/message.hpp"
#include "paxos/node.hpp"

namespace paxsim {

// True when, for this protocol, a delivery of `kind` that is a no-op at a
// node stays a no-op in every later state of that node, as long as the node
// does not crash (a restart forgets volatile state: callers must not rely on
// this for a node that may still crash). See obsolete.cpp for the argument
// per kind.
bool noop_delivery_is_permanent(bool multi_paxos, MsgKind kind);

}  // namespace paxsim
