// Messages between nodes. One flat, copyable struct: cheap to queue, to hash
// for the fingerprint, and to compare when a whole simulation is hashed.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

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
  learn_request,  // a learner that may have missed a decision asks for it (multi-paxos: from `slot` on)
  // Multi-Paxos and its clients.
  heartbeat,       // leader -> all: ballot, commit (the leader's first undecided slot)
  client_request,  // client -> node: request id, value = the encoded command
  client_reply,    // node -> client: request id, value = the result (flag k_absent for a get of a missing key)
  redirect,        // node -> client: request id, leader_hint (k_no_node: no leader known)
  // Leader leases (paxos/lease.hpp).
  lease_ack,       // follower -> leader: ballot and round (`request`) of the heartbeat whose lease it granted
  // Multi-Paxos without leases: a follower's answer to a heartbeat it
  // follows (with leases, lease_ack is that answer), so that a leader knows a
  // majority still hears it.
  heartbeat_ack,   // follower -> leader: ballot
};
inline constexpr int k_msg_kind_count = 13;

// One slot's acceptance (a promise lists them) or decision (a catch-up batch).
struct LogEntry {
  Slot slot = 0;
  Ballot ballot;
  Value value;
  friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

inline constexpr std::uint8_t k_absent = 1;  // client_reply flag: the key was absent

std::string_view to_string(MsgKind k);

// A message's plain fields (all but its value and its entries), in one
// block: a copy or a move hands them over as one trivially copyable object,
// a few wide loads and stores, where field by field it was two dozen.
struct MessageFields {
  MsgKind kind = MsgKind::prepare;
  EndpointId from = 0;
  EndpointId to = 0;
  Slot slot = 0;
  Ballot ballot;
  Ballot accepted_ballot;
  // Multi-Paxos only; zero for the synod.
  Slot commit = 0;                // heartbeat: the leader's first undecided slot
  std::uint64_t request = 0;      // client_request, client_reply, redirect; heartbeat, lease_ack: the lease round (0: leases off)
  EndpointId leader_hint = k_no_node;  // redirect
  std::uint8_t flags = 0;         // client_reply: k_absent
  std::uint32_t group = 0;        // shards > 1: the Paxos group it belongs to (paxos/shard_map.hpp)
};
static_assert(std::is_trivially_copyable_v<MessageFields>);

struct Message : MessageFields {
  Value value;
  // Multi-Paxos only; empty for the synod.
  std::vector<LogEntry> entries;  // promise: accepted entries at or above `slot`; decide: a catch-up batch

  Message() = default;
  Message(const Message&) = default;
  Message(Message&&) noexcept = default;
  Message& operator=(const Message&) = default;
  // A move swaps the value handle and the entries buffer with `m`'s instead
  // of releasing and freeing this message's: a message moved into a reused
  // slot (an effects list's, as the sharded node passes its groups' sends
  // on) leaves that slot's old contents in its own reused slot, which is
  // reset or overwritten before it is read again. Nothing is released or
  // freed on the way.
  Message& operator=(Message&& m) noexcept {
    assign_fixed(m);
    value.swap(m.value);
    // Most messages, and the slots they pass through, never had entries: two
    // empty vectors without a buffer are left as they are (a swap is six
    // loads and six stores).
    if (entries.data() != nullptr || m.entries.data() != nullptr) entries.swap(m.entries);
    return *this;
  }
  // Back to a default-constructed message, keeping the entries' buffer (a
  // reused effects slot is refilled this way, without a temporary). The
  // value and the entries go first: releasing them may call out of line,
  // and with no call after the plain fields' stores, the compiler drops
  // those the caller overwrites at once (send_new's callers set most).
  void reset() noexcept {
    value.clear();
    reset_fields(MsgKind::prepare, 0, 0, 0, Ballot{});
  }
  // The same for a phase-2 message (an accept, an acceptance, a decide),
  // which names its kind, endpoints, slot, ballot and value: each field is
  // stored once (after reset(), the compiler kept the zero stores its
  // callers overwrite), and the value is assigned over the old one instead
  // of cleared first. The ballot by reference: passed by value, its two
  // words went through the stack on their way into the message.
  void reset(MsgKind k, EndpointId f, EndpointId t, Slot s, const Ballot& b, const Value& v) noexcept {
    value = v;
    reset_fields(k, f, t, s, b);
  }
  // A copy of `m`, keeping this message's entries buffer (a reused effects
  // slot is refilled this way). Most messages carry no entries, and copying
  // an empty vector costs more than the rest of the message.
  void assign(const Message& m) {
    assign_fixed(m);
    value = m.value;
    if (m.entries.empty()) entries.clear();
    else entries = m.entries;
  }

 private:
  // Every field but the value: the entries emptied (their buffer kept), the
  // given ones set, the rest as default-constructed.
  void reset_fields(MsgKind k, EndpointId f, EndpointId t, Slot s, const Ballot& b) noexcept {
    entries.clear();
    kind = k;
    from = f;
    to = t;
    slot = s;
    ballot = b;
    accepted_ballot = Ballot{};
    commit = 0;
    request = 0;
    leader_hint = k_no_node;
    flags = 0;
    group = 0;
  }
  // Every field but the value and the entries, which a copy and a move hand
  // over each in its own way.
  void assign_fixed(const Message& m) noexcept { static_cast<MessageFields&>(*this) = m; }
};
// reset_fields() names every field (but the value and the entries, which
// assign() and the move assignment hand over): a new field must be added
// there too.
static_assert(sizeof(void*) != 8 || sizeof(Message) == 120, "Message changed: update Message::reset_fields()");

}  // namespace paxsim
