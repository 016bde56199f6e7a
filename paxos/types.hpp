// The protocol's nouns, as strong types. Nothing here knows about time sources,
// sockets, files or randomness: paxos/ is a pure state machine (sans-I/O).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "paxos/value.hpp"

namespace paxsim {

// Endpoints are numbered densely: nodes 0..N-1 (named n1..nN), then clients
// N..N+K-1 (named c1..cK). Dense indices keep every per-endpoint table a vector.
using NodeId = std::uint32_t;
using EndpointId = std::uint32_t;
inline constexpr NodeId k_no_node = 0xffffffffu;

// Simulated time, an integer count of microseconds.
using Time_us = std::int64_t;

using Slot = std::uint64_t;

// A ballot is (round, node), compared lexicographically, so two proposers never
// share a ballot without coordinating. Round 0 is the null ballot: "nothing yet".
struct Ballot {
  std::uint64_t round = 0;
  NodeId node = 0;

  constexpr bool is_null() const { return round == 0; }
  friend constexpr auto operator<=>(const Ballot&, const Ballot&) = default;
};

// Values are opaque strings, shared by handle (paxos/value.hpp). The no-op
// that fills holes in a log is the empty string's sibling below, a reserved
// value no workload can propose.
inline const Value k_noop_value = "\x01noop";

std::string to_string(const Ballot& b);          // "(3,n2)"
std::string node_name(NodeId n);                 // "n3" for index 2

}  // namespace paxsim
