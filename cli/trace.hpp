// The canonical trace: JSON lines, one per step, after a header line naming
// the scenario, the seed and the build, and before an end line with the
// verdict. Written to a temporary file and renamed into place at the end, so a
// reader never sees half a trace. The format is described in trace_format.md
// beside this file; readers are in trace_read.hpp.
//
// Besides what a step is (time, node, kind, message, fault...), each step line
// says what the step caused: the messages it sent (each with an id that its
// delivery or loss repeats), the values learned, the requests opened and
// answered, and the key state of every node that changed (promised ballot,
// accepted ballot and value, whether it leads, up/paused), and after a fault
// the links that are now down. Checker verdicts follow the step that found
// them, as violation lines.
#pragma once

#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/runner.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"

namespace paxsim::cli {

// The trace format's version: "paxsim_trace" in the header (lines keep their
// meaning within a version) and "minor" (fields only added).
inline constexpr int k_trace_version = 1;
inline constexpr int k_trace_minor = 1;

// The size a record takes on the simulated disk, for "bytes persisted": a
// 25-byte header (kind 1, slot 8, ballot 12, value length 4) plus the value.
std::uint64_t record_bytes(const Record& r);

class TraceWriter : public sim::Observer {
 public:
  // Opens `path`.tmp; returns false (with `error`) when it cannot.
  bool open(const std::string& path, const sim::Scenario& s, const std::string& build, std::string& error);
  // Hooks the writer into a run: as an observer, and through RunOptions::on_start
  // to read node and network state after each step. The writer must outlive the run.
  void attach(RunOptions& ro);
  // Writes one violation line per violation, then the end line, and renames
  // the file into place.
  bool close(const RunResult& r, std::string& error);
  // The end line with only the verdict and the fingerprint (no violation lines).
  bool close(const std::string& verdict, const std::string& fingerprint, std::string& error);
  ~TraceWriter() override;

  void on_step(const sim::StepInfo& info) override;
  void after_step(const sim::StepInfo& info) override;
  void on_send(Time_us t, const Message& m) override;
  void on_drop_at_send(Time_us t, const Message& m) override;
  void on_learn(Time_us t, NodeId n, const Learned& l) override;
  void on_quorum(Time_us t, NodeId n, const QuorumUse& q) override;
  void on_request_open(Time_us t, std::uint64_t id, NodeId at) override;
  void on_request_done(Time_us t, std::uint64_t id) override;
  void on_request_dropped(Time_us t, std::uint64_t id) override;
  void on_client_call(Time_us t, std::uint32_t client, const Command& c) override;
  void on_client_return(Time_us t, std::uint32_t client, const Command& c, const Message& reply) override;

 private:
  struct NodeState {
    bool up = true;
    bool paused = false;
    NodeView view;
  };
  nlohmann::json& current();  // the line being built (a "start" line before step 1)
  void flush();
  // Closes the temporary file and renames it into place (removed on failure).
  bool finish(std::string& error);
  void note_state();
  void note_network();
  void line(const std::string& s);
  std::uint64_t arrival_id(const Message& m, bool& dup);

  const sim::Scenario* s_ = nullptr;
  const sim::Simulation* sim_ = nullptr;
  std::FILE* f_ = nullptr;
  std::string path_, tmp_;

  nlohmann::json cur_;              // the step line being built, written at after_step
  bool open_line_ = false;
  std::vector<std::string> after_;  // lines that follow the step line (dropped_at_send)
  std::uint64_t steps_ = 0;

  std::uint64_t next_msg_id_ = 1;
  // Messages in flight by content, to give a delivery the id of its send. Two
  // messages with the same content are interchangeable, so first in, first out.
  struct InFlight {
    std::deque<std::uint64_t> ids;
    std::uint64_t last = 0;  // the last id sent: a second delivery (a duplicate) repeats it
  };
  std::unordered_map<std::string, InFlight> in_flight_;
  std::vector<NodeState> last_state_;
  std::vector<std::vector<bool>> last_reach_;  // [from][to]: can deliver
};

// Writes `content` to `path` through a temporary file and a rename.
bool write_file_atomic(const std::string& path, const std::string& content, std::string& error);

// Before anything runs: why `path` cannot be an output file (its folder is
// missing or not writable, it is a folder, or it is one of `taken`: the
// command's input files and its other outputs), or "" when it can.
std::string output_problem(const std::string& path, const std::vector<std::string>& taken);

// The message as the trace writes it (without the id).
nlohmann::json trace_message_json(const sim::Scenario& s, const Message& m);

}  // namespace paxsim::cli
