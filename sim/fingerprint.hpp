// The run's fingerprint: a running 64-bit hash over every step. Each 64-bit
// word w is folded in as h = (h ^ w) * 0x9e3779b97f4a7c15; h ^= h >> 29,
// starting from h = 0xcbf29ce484222325; byte strings go in as their length,
// then 8 bytes at a time (little-endian, the last word zero-padded). It is
// the same folding that nodes use to hash their state, so it is one type.
#pragma once

#include "paxos/state_hash.hpp"

namespace paxsim::sim {

using Fingerprint = paxsim::StateHasher;

}  // namespace paxsim::sim
