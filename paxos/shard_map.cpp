#include "paxos/shard_map.hpp"

#include <algorithm>

namespace paxsim {

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
