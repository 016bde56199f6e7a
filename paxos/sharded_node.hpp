// A node of a sharded cluster (`shards` S > 1): one independent Multi-Paxos
// node per group this node replicates (paxos/shard_map.hpp), each with its
// own leader, log, acceptor state and timers, behind the one door of Node.
//
// Each group's node runs unchanged and sees a cluster of its R members only,
// numbered 0..R-1 in ascending order of their real ids; this wrapper
// translates at the border: node ids in messages, ballots (member index to
// node id, which keeps ballots' order since members are sorted), leader
// hints, quorum members. Everything it lets out carries its `group`:
// messages, records, learned and applied slots, quorums. Timer tokens carry
// the group too (token x S + group). A client request goes to the group of
// its key, whatever the client says; a request for a group this node does
// not replicate is redirected to one of that group's members.
#pragma once

#include <memory>
#include <span>

#include "paxos/node.hpp"
#include "paxos/shard_map.hpp"

namespace paxsim {

std::unique_ptr<Node> make_sharded_node(const NodeConfig& cfg, std::span<const Record> durable,
                                        const ShardLayout& layout);

}  // namespace paxsim
