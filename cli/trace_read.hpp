// Reading a trace back (the format of trace.hpp): the header, the steps, the
// messages with their sends and arrivals matched by id, node state over time,
// the violations and the end line. The converters, `paxsim stats` and the
// failure reports all start from this model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "paxos/types.hpp"

namespace paxsim::cli {

inline constexpr int k_no_lane = -1;

struct TraceStep {
  std::uint64_t step = 0;  // 0: the "start" line, before the first step
  Time_us t_us = 0;
  std::string kind;
  int lane = k_no_lane;  // the endpoint it happened at
  nlohmann::json line;   // the whole line, for details
};

struct TraceArrival {
  std::size_t step_index = 0;  // into TraceModel::steps
  bool lost = false;
  std::string reason;  // lost: partition, cut, node_down
  bool dup = false;    // a second copy made by the network
};

struct TraceMessage {
  std::uint64_t id = 0;
  std::string type;
  int from = 0, to = 0;
  std::size_t send_index = 0;  // into TraceModel::steps: the step that sent it
  bool dropped_at_send = false;
  std::vector<TraceArrival> arrivals;  // none: dropped at send, or never arrived
  nlohmann::json body;                 // the message as the trace wrote it
};

// One node's key state from a step on (the "state" of a step line).
struct TraceNodeState {
  std::size_t step_index = 0;
  nlohmann::json state;  // {"up":..., "promised":..., ...}
};

struct TraceModel {
  std::string file;
  nlohmann::json header;
  std::string scenario, protocol, build;
  std::uint64_t seed = 0;
  std::optional<std::string> bug;
  std::uint32_t nodes = 0, clients = 0;
  std::vector<std::string> lanes;  // endpoint names: nodes, then clients
  std::vector<TraceStep> steps;
  std::vector<TraceMessage> messages;  // by id order
  std::vector<std::vector<TraceNodeState>> states;  // per node, in step order
  std::vector<nlohmann::json> violations;  // the "violation" objects
  std::optional<nlohmann::json> end;

  int lane(const std::string& name) const;  // k_no_lane if unknown
  // The index into `steps` of step number `n`, or steps.size().
  std::size_t index_of_step(std::uint64_t n) const;
};

// Reads a trace file; throws InputError (cli/scenario_json.hpp) naming the
// file and line when it is not a paxsim trace of a version this build reads.
TraceModel read_trace_file(const std::string& file);
// The same from text (tests); `name` stands for the file in errors.
TraceModel read_trace_text(const std::string& text, const std::string& name);

// One step as a line people read (without time and step number), e.g.
// "deliver promise n2->n1 ballot (1,n1)".
std::string describe_trace_step(const TraceModel& t, const TraceStep& s);
// A message as people read it: "promise n2->n1 ballot (1,n1) accepted (1,n2) "A"".
std::string describe_trace_message(const nlohmann::json& msg);
// A value as people read it: "A" quoted, a kv command as c1#3:put(k, v), no-op.
std::string display_value(const std::string& v);
// "(3,n2)" from [3,2]; "-" for null.
std::string ballot_text(const nlohmann::json& b);

}  // namespace paxsim::cli
