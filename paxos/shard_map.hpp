// The static shard map: which Paxos group a key belongs to, and which nodes
// each group runs on. Plain functions of (key, S, N, R): every node and every
// client computes the same map, so nothing about it is ever sent or stored.
//
//   shard_of(key) = FNV-1a-64(key bytes) mod S
//   members(g)    = the R nodes floor(g x N / S), +1, ..., +R-1 (mod N), sorted
//
// With R = N (the default) every group runs on every node. With R < N the
// groups start at evenly spread nodes, so a fault can cost one group its
// majority while another keeps one.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "paxos/command.hpp"  // fnv1a64
#include "paxos/types.hpp"

namespace paxsim {

// In line: with one group (every unsharded run) there is no hash to make,
// and the kv clients ask once per command.
inline std::uint32_t shard_of(std::string_view key, std::uint32_t shards) {
  if (shards <= 1) return 0;
  return static_cast<std::uint32_t>(fnv1a64(key) % shards);
}

struct ShardLayout {
  std::uint32_t shards = 1;
  std::uint32_t nodes = 1;
  std::uint32_t replicas = 1;  // per group, 1..nodes

  // Group g's nodes, ascending.
  std::vector<NodeId> members(std::uint32_t group) const;
  bool is_member(std::uint32_t group, NodeId n) const;
};

}  // namespace paxsim
