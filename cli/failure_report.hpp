// Failure reports people can read, as text or Markdown: the verdict, the
// violated invariant, the smallest evidence (with, when a trace is at hand,
// the messages behind each conflicting decision), the last steps before it,
// the replay command and the run's figures. And the folder of artefacts that
// `paxsim fuzz` leaves for each failure.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "cli/report.hpp"
#include "cli/runner.hpp"
#include "cli/trace_read.hpp"
#include "sim/scenario.hpp"

namespace paxsim::cli {

enum class ReportFormat { text, markdown };

// `trace` (optional) adds the messages behind the evidence and more steps.
std::string failure_report(const sim::Scenario& s, const Invocation& inv, const RunResult& r,
                           const TraceModel* trace, ReportFormat format);

// Runs `s` again with a trace written to `trace_path` (the run is
// deterministic, so it is the run that failed). `build` is the build identity
// for the trace's header.
// Returns false with `error` when the trace cannot be written.
bool run_traced(const sim::Scenario& s, const std::string& trace_path, const std::string& build, RunResult& out,
                std::string& error, RunOptions ro = {});

// Writes a failure's folder: `dir`/report.md and `dir`/report.txt, and when
// `trace_path` names a trace (a file written by --trace or run_traced), also
// `dir`/trace.html. Creates `dir` if needed. Returns false with `error` when a
// file cannot be written or the trace cannot be read.
bool write_failure_artifacts(const std::filesystem::path& dir, const sim::Scenario& s, const Invocation& inv,
                             const RunResult& r, const std::string& trace_path, std::string& error);

}  // namespace paxsim::cli
