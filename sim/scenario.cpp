#include "sim/scenario.hpp"

#include <cmath>

namespace paxsim::sim {

Time_us ms_to_us(double ms) { return static_cast<Time_us>(std::llround(ms * 1000.0)); }

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

std::string endpoint_name(const Scenario& s, EndpointId e) {
  if (e < s.nodes) return node_name(e);
  return std::string(1, 'c').append(std::to_string(e - s.nodes + 1));
}

}  // namespace paxsim::sim
