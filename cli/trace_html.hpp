// `paxsim trace convert --to html`: one self-contained page (no network, no
// external file) that draws the run as a space-time diagram in SVG: a lane per
// node and client, messages as arrows (lost ones end in a cross where they
// were lost, with the reason), crashes, pauses and cut links shaded, the
// violating step and the messages behind the conflicting decisions
// highlighted, zoom and pan, a step slider, the nodes' key state at the
// selected step, and the figures of `paxsim stats`.
//
// The page draws only what is in view, so traces of tens of thousands of steps
// stay fast. After its first drawing it marks <body> with data-ready="1" (and
// data-errors with the count of script errors), which the browser test reads.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/trace_read.hpp"

namespace paxsim::cli {

std::string to_html(const TraceModel& t);

// The data the page draws, as one JSON object (also used by tests).
nlohmann::json html_data(const TraceModel& t);

// A choice named in a violation's evidence: `value` (as display_value writes
// it) chosen at `ballot` by the acceptors `by`. Parsed from evidence such as
// `first chosen: "C" at ballot (1,n1) by {n3,n1,n5}`.
struct EvidenceChoice {
  std::string label;  // "first chosen"
  std::string value;
  std::uint64_t round = 0;
  std::uint32_t ballot_node = 0;  // 1-based, as in "n1"
  std::vector<std::string> by;
};
std::vector<EvidenceChoice> evidence_choices(const nlohmann::json& violation);

// For each message and step of the trace, the index of the evidence choice it
// took part in, or -1: the prepares and promises of the choice's ballot, the
// accepts, acceptances and decides of its (ballot, value), and the durable
// acceptances by its acceptors.
struct Involvement {
  std::vector<int> message;  // by message id - 1
  std::vector<int> step;     // by step index
};
Involvement involvement(const TraceModel& t, const std::vector<EvidenceChoice>& choices);

}  // namespace paxsim::cli
