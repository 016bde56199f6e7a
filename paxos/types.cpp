#include "paxos/types.hpp"

namespace paxsim {

std::string node_name(NodeId n) { return std::string(1, 'n').append(std::to_string(n + 1)); }

std::string to_string(const Ballot& b) {
  if (b.is_null()) return "(0,-)";
  return "(" + std::to_string(b.round) + "," + node_name(b.node) + ")";
}

}  // namespace paxsim
