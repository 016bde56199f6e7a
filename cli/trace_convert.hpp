// `paxsim trace convert`: the canonical trace in the formats other tools read.
//
// ShiViz (https://bestchai.bitbucket.io/shiviz/): a log with a vector clock
// per event. The file starts with the parsing regex and an empty
// multiple-executions delimiter line, which is what ShiViz's file upload
// expects; to paste the log into its text box instead, leave those two lines
// out and paste this into the regex field:
//     (?<host>\S*) (?<clock>{.*})\n(?<event>.*)
// One event per step, at the node or client it happened at ("world" for
// network faults); a delivery merges the sender's clock at the sending step.
//
// Chrome trace event JSON (Perfetto, chrome://tracing): a track per node and
// client (and "world"), one slice per step, flow arrows (s/f) from each send
// to its delivery or loss, instants for crashes, restarts, pauses, partitions,
// cuts, heals, messages dropped at send and the violation, and async spans for
// the time a node is down or paused and while links are down. Timestamps are
// simulated time; steps at the same microsecond are spread 1 ns apart.
#pragma once

#include <string>
#include <vector>

#include "cli/trace_read.hpp"

namespace paxsim::cli {

std::string shiviz_regex();
std::string to_shiviz(const TraceModel& t);
std::string to_chrome(const TraceModel& t);

// Spans of a lane's life shaded in the diagrams.
struct LaneInterval {
  enum class Kind { down, paused, isolated, links_down };
  int lane = 0;
  std::size_t from = 0, to = 0;  // step indices; `to` is steps.size() when it lasts to the end
  Kind kind = Kind::down;
  std::string note;  // links_down, isolated: what it cannot reach
};
const char* to_string(LaneInterval::Kind k);
std::vector<LaneInterval> lane_intervals(const TraceModel& t);

}  // namespace paxsim::cli
