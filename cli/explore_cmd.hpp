// `paxsim explore FILE`: exhaustive exploration of a small configuration
// (explore/), with the figures, the path of a violation and its repro.json,
// a scenario with every step pinned ("schedule") that `paxsim run` replays.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "explore/search.hpp"
#include "explore/world.hpp"

namespace paxsim::cli {

// argv[0] is "explore". Exit 0: no violation (exhausted or a budget reached);
// 1: a violation was found; 2: bad input or usage; 70: the repro did not
// replay the same violation through `paxsim run` (a bug in paxsim).
int cmd_explore(int argc, char** argv);

// A scenario document whose "schedule" pins `path`: the source document
// without its timeline, nemesis and liveness, expecting `invariants`.
nlohmann::json repro_document(const nlohmann::json& source, const explore::Model& model,
                              const std::vector<explore::Choice>& path, const std::vector<std::string>& invariants,
                              const std::string& description);

// A pinned step as the scenario format writes it.
nlohmann::json scheduled_step_json(const sim::Scenario& s, const sim::ScheduledStep& st);

// Peak resident memory of this process (VmHWM), in KiB; 0 if unknown.
std::uint64_t peak_memory_kib();

}  // namespace paxsim::cli
