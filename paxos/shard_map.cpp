#include "paxos/shard_map.hpp"

#include <algorithm>

namespace paxsim {

std::uint32_t shard_of(std::string_view key, std::uint32_t shards) {
  if (shards <= 1) return 0;
  return static_cast<std::uint32_t>(fnv1a64(key) % shards);
}

std::vector<NodeId> ShardLayout::members(std::uint32_t group) const {
  const std::uint32_t first = static_cast<std::uint32_t>((std::uint64_t{group} * nodes) / shards);
  std::vector<NodeId> out;
  for (std::uint32_t i = 0; i < replicas && i < nodes; ++i) out.push_back((first + i) % nodes);
  std::sort(out.begin(), out.end());
  return out;
}

bool ShardLayout::is_member(std::uint32_t group, NodeId n) const {
  const std::uint32_t first = static_cast<std::uint32_t>((std::uint64_t{group} * nodes) / shards);
  return (n + nodes - first) % nodes < replicas;
}

}  // namespace paxsim
