#include "cli/failure_report.hpp"

#include <fmt/format.h>
#include <system_error>

#include "cli/scenario_json.hpp"
#include "cli/trace.hpp"
#include "cli/trace_html.hpp"

namespace paxsim::cli {

namespace {

double to_ms(Time_us t) { return static_cast<double>(t) / 1000.0; }

// A line per step of the trace that took part in evidence choice `c`:
// deliveries and losses of its messages, and its durable acceptances.
std::vector<std::string> choice_steps(const TraceModel& t, const Involvement& inv, int c, std::size_t until) {
  std::vector<bool> mine(t.steps.size(), false);
  for (const TraceMessage& m : t.messages)
    if (inv.message[m.id - 1] == c)
      for (const TraceArrival& a : m.arrivals) mine[a.step_index] = true;
  for (std::size_t i = 0; i < t.steps.size(); ++i)
    if (inv.step[i] == c) mine[i] = true;
  std::vector<std::string> out;
  for (std::size_t i = 0; i <= until && i < t.steps.size(); ++i)
    if (mine[i])
      out.push_back(fmt::format("{:>10.3f}ms #{:<6} {}", to_ms(t.steps[i].t_us), t.steps[i].step,
                                describe_trace_step(t, t.steps[i])));
  return out;
}

std::vector<std::string> last_steps(const TraceModel& t, std::size_t until, std::size_t count) {
  std::vector<std::string> out;
  const std::size_t end = std::min(until + 1, t.steps.size());
  for (std::size_t i = end > count ? end - count : 0; i < end; ++i)
    if (t.steps[i].step > 0)
      out.push_back(fmt::format("{:>10.3f}ms #{:<6} {}", to_ms(t.steps[i].t_us), t.steps[i].step,
                                describe_trace_step(t, t.steps[i])));
  return out;
}

constexpr std::size_t k_choice_lines_max = 40;
constexpr std::size_t k_last_steps_with_trace = 20;

}  // namespace

std::string failure_report(const sim::Scenario& s, const Invocation& inv, const RunResult& r, const TraceModel* trace,
                           ReportFormat format) {
  const bool md = format == ReportFormat::markdown;
  std::string out;
  const std::string title = fmt::format("{}: {}, seed {}{}", r.pass ? "PASS" : "FAIL", r.scenario, r.seed,
                                        r.bug ? ", bug " + *r.bug : std::string());
  if (md) {
    out += "# " + title + "\n\n";
    out += fmt::format("Outcome **{}**{}.\n\n", to_string(r.outcome), r.pass ? "" : ": " + r.verdict_reason);
    if (!s.description.empty()) out += "> " + s.description + "\n\n";
  } else {
    out += title + "\n";
    out += fmt::format("  outcome {}{}\n", to_string(r.outcome), r.pass ? "" : ": " + r.verdict_reason);
  }

  // Violations, each with its evidence and, from the trace, what led to it.
  for (std::size_t vi = 0; vi < r.violations.size(); ++vi) {
    const auto& v = r.violations[vi];
    if (md) {
      out += fmt::format("## Violated: `{}` at step {} (t = {:.3f} ms)\n\n{}\n\nEvidence:\n\n", v.invariant, v.step,
                         to_ms(v.time_us), v.message);
      for (const auto& e : v.evidence) out += "- " + e + "\n";
      out += "\n";
    } else {
      out += fmt::format("\n  violated: {} at step {} (t = {:.3f} ms)\n    {}\n", v.invariant, v.step, to_ms(v.time_us),
                         v.message);
      for (const auto& e : v.evidence) out += "    evidence: " + e + "\n";
    }
    if (!trace) continue;
    nlohmann::json vj = {{"evidence", v.evidence}};
    const auto choices = evidence_choices(vj);
    if (choices.empty()) continue;
    const Involvement involved = involvement(*trace, choices);
    const std::size_t until = trace->index_of_step(v.step);
    if (md) out += "### The messages behind each decision\n\n";
    else out += "\n  the messages behind each decision:\n";
    for (std::size_t c = 0; c < choices.size(); ++c) {
      const EvidenceChoice& ch = choices[c];
      auto lines = choice_steps(*trace, involved, static_cast<int>(c), until);
      const std::string head = fmt::format("{}: {} at ballot ({},n{}) by {{{}}}", ch.label, ch.value, ch.round,
                                           ch.ballot_node, fmt::join(ch.by, ","));
      std::string more;
      if (lines.size() > k_choice_lines_max) {
        more = fmt::format("... {} earlier steps left out", lines.size() - k_choice_lines_max);
        lines.erase(lines.begin(), lines.end() - static_cast<long>(k_choice_lines_max));
      }
      if (md) {
        out += "**" + head + "** (its ballot's prepares and promises, its accepts and acceptances, and the durable "
               "acceptances that made it chosen):\n\n```text\n";
        if (!more.empty()) out += more + "\n";
        for (const auto& l : lines) out += l + "\n";
        out += "```\n\n";
      } else {
        out += "    " + head + "\n";
        if (!more.empty()) out += "      " + more + "\n";
        for (const auto& l : lines) out += "      " + l + "\n";
      }
    }
  }
  if (r.liveness_checked && !r.liveness_ok)
    out += md ? fmt::format("## Liveness\n\n{}\n\n", r.liveness_message) : fmt::format("\n  liveness: {}\n", r.liveness_message);

  // The last steps before the end.
  std::vector<std::string> steps = r.recent;
  if (trace) {
    const std::size_t until =
        r.violations.empty() ? trace->steps.size() - 1 : trace->index_of_step(r.violations.front().step);
    if (until < trace->steps.size()) steps = last_steps(*trace, until, k_last_steps_with_trace);
  }
  if (!steps.empty() && (!r.pass || !r.violations.empty())) {
    if (md) {
      out += "## Last steps before it\n\n```text\n";
      for (const auto& l : steps) out += l + "\n";
      out += "```\n\n";
    } else {
      out += "\n  last steps:\n";
      for (const auto& l : steps) out += "    " + l + "\n";
    }
  }

  const std::string replay = replay_command(inv, r);
  const auto& st = r.stats;
  if (md) {
    out += "## Replay\n\n```sh\n" + replay + "\n";
    out += "# every step as JSON lines, then the space-time diagram:\n";
    out += replay + " --trace run.jsonl\npaxsim trace convert run.jsonl --to html -o run.html\n```\n\n";
    out += "## The run\n\n| steps | sim time | messages sent | delivered | dropped | chosen slots | requests completed | "
           "fingerprint |\n|---|---|---|---|---|---|---|---|\n";
    out += fmt::format("| {} | {:.3f} ms | {} | {} | {} | {} | {} | `{}` |\n", st.steps, to_ms(r.sim_time_us),
                       st.messages_sent, st.messages_delivered, st.messages_dropped, r.decided_slots,
                       st.client_ops_completed, fingerprint_hex(r.fingerprint));
  } else {
    out += fmt::format(
        "\n  steps {}  sim time {:.3f} ms  messages sent {} delivered {} dropped {}  chosen slots {}  requests "
        "completed {}\n",
        st.steps, to_ms(r.sim_time_us), st.messages_sent, st.messages_delivered, st.messages_dropped, r.decided_slots,
        st.client_ops_completed);
    out += fmt::format("  fingerprint {}\n", fingerprint_hex(r.fingerprint));
    out += "  replay: " + replay + "\n";
  }
  return out;
}

bool run_traced(const sim::Scenario& s, const std::string& trace_path, const std::string& build, RunResult& out,
                std::string& error, RunOptions ro) {
  TraceWriter trace;
  if (!trace.open(trace_path, s, build, error)) return false;
  trace.attach(ro);
  out = run_scenario(s, ro);
  return trace.close(out, error);
}

bool write_failure_artifacts(const std::filesystem::path& dir, const sim::Scenario& s, const Invocation& inv,
                             const RunResult& r, const std::string& trace_path, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = dir.string() + ": " + ec.message();
    return false;
  }
  std::optional<TraceModel> trace;
  if (!trace_path.empty()) {
    try {
      trace = read_trace_file(trace_path);
    } catch (const InputError& e) {
      error = e.what();
      return false;
    }
  }
  const TraceModel* t = trace ? &*trace : nullptr;
  if (!write_file_atomic((dir / "report.md").string(), failure_report(s, inv, r, t, ReportFormat::markdown), error))
    return false;
  if (!write_file_atomic((dir / "report.txt").string(), failure_report(s, inv, r, t, ReportFormat::text), error))
    return false;
  if (t && !write_file_atomic((dir / "trace.html").string(), to_html(*t), error)) return false;
  return true;
}

}  // namespace paxsim::cli
