#include "sim/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace paxsim::sim {

const char* to_string(FaultAction a) {
  switch (a) {
    case FaultAction::partition: return "partition";
    case FaultAction::cut: return "cut";
    case FaultAction::heal: return "heal";
    case FaultAction::crash: return "crash";
    case FaultAction::restart: return "restart";
    case FaultAction::pause: return "pause";
    case FaultAction::resume: return "resume";
    case FaultAction::network: return "network";
    case FaultAction::clock: return "clock";
  }
  return "?";
}

const char* to_string(ScheduledStep::Kind k) {
  switch (k) {
    case ScheduledStep::Kind::deliver: return "deliver";
    case ScheduledStep::Kind::drop: return "drop";
    case ScheduledStep::Kind::duplicate: return "duplicate";
    case ScheduledStep::Kind::timer: return "timer";
    case ScheduledStep::Kind::durable: return "durable";
    case ScheduledStep::Kind::crash: return "crash";
    case ScheduledStep::Kind::restart: return "restart";
    case ScheduledStep::Kind::propose: return "propose";
    case ScheduledStep::Kind::request: return "request";
  }
  return "?";
}

ShardLayout shard_layout(const Scenario& s) {
  ShardLayout l;
  l.shards = std::max<std::uint32_t>(1, s.shards);
  l.nodes = s.nodes;
  l.replicas = s.params.shard_replicas == 0 ? s.nodes : s.params.shard_replicas;
  return l;
}

std::string endpoint_name(const Scenario& s, EndpointId e) {
  if (e < s.nodes) return node_name(e);
  return std::string(1, 'c').append(std::to_string(e - s.nodes + 1));
}

}  // namespace paxsim::sim
