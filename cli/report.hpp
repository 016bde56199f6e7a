// Results as people and programs read them: the human report (verdict,
// violated invariant, evidence, last steps, the replay command) and the JSON
// object of spec/cli.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/runner.hpp"

namespace paxsim::cli {

// How a run was asked for, so that the report can say how to replay it.
struct Invocation {
  std::string file;
  std::vector<std::string> sets;
  bool bug_from_flag = false;
};

std::string replay_command(const Invocation& inv, const RunResult& r);
std::string human_report(const Invocation& inv, const RunResult& r);
nlohmann::json json_result(const Invocation& inv, const RunResult& r);
std::string shell_quote(const std::string& s);

}  // namespace paxsim::cli
