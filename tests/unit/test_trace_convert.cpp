// The trace writer, read back, and what is made from it: every delivery
// matched to its send, node states, the violation line; the ShiViz log's
// vector clocks, the Chrome trace's flows, the HTML page's data and its
// self-containment, the evidence behind a violation, and the failure report
// and artefacts.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <unistd.h>

#include "cli/failure_report.hpp"
#include "cli/runner.hpp"
#include "cli/scenario_json.hpp"
#include "cli/trace.hpp"
#include "cli/trace_convert.hpp"
#include "cli/trace_html.hpp"
#include "cli/trace_read.hpp"
#include "paxos/bugs.hpp"

namespace cli = paxsim::cli;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path temp_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("paxsim-trace-test-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

struct Traced {
  paxsim::sim::Scenario scenario;
  cli::RunResult result;
  cli::TraceModel trace;
  std::string path;
};

// Runs a scenario file with a trace, as `paxsim run FILE --trace` does, and reads the trace back.
Traced traced(const std::string& file, std::optional<paxsim::Bug> bug = std::nullopt) {
  Traced t;
  t.scenario = cli::load_scenario(std::string(PAXSIM_SOURCE_DIR) + "/" + file, {});
  if (bug) t.scenario.bug = bug;
  t.path = (temp_dir() / (t.scenario.name + ".jsonl")).string();
  std::string error;
  REQUIRE(cli::run_traced(t.scenario, t.path, "test-build", t.result, error));
  t.trace = cli::read_trace_file(t.path);
  return t;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("trace: every delivery and loss names the send it came from") {
  const Traced t = traced("scenarios/synod/lossy-duplicating.json");
  const auto& st = t.result.stats;
  CHECK(t.trace.messages.size() == st.messages_sent);
  std::uint64_t delivered = 0, lost = 0, dropped = 0, dups = 0;
  for (const auto& m : t.trace.messages) {
    dropped += m.dropped_at_send ? 1 : 0;
    for (const auto& a : m.arrivals) {
      (a.lost ? lost : delivered)++;
      dups += a.dup ? 1 : 0;
      // The arrival is the message that was sent: same type and endpoints.
      const auto& line = t.trace.steps[a.step_index].line;
      CHECK(line["msg"]["type"] == m.type);
      CHECK(t.trace.lane(line["msg"]["from"].get<std::string>()) == m.from);
      CHECK(t.trace.lane(line["msg"]["to"].get<std::string>()) == m.to);
      CHECK(a.step_index >= m.send_index);
    }
  }
  CHECK(delivered == st.messages_delivered);
  CHECK(dropped + lost <= st.messages_dropped);
  CHECK(dups == st.messages_duplicated);
  REQUIRE(t.trace.end);
  CHECK((*t.trace.end)["fingerprint"] == cli::fingerprint_hex(t.result.fingerprint));
  CHECK((*t.trace.end)["steps"] == st.steps);
  CHECK(t.trace.build == "test-build");
}

TEST_CASE("trace: node states follow the run, and a crash shows the node down") {
  const Traced t = traced("scenarios/synod/crash-slow-disks.json");
  bool saw_down = false, saw_promise = false;
  for (const auto& per_node : t.trace.states)
    for (const auto& s : per_node) {
      saw_down = saw_down || s.state["up"] == false;
      saw_promise = saw_promise || (s.state.contains("promised") && !s.state["promised"].is_null());
    }
  CHECK(saw_down);
  CHECK(saw_promise);
  // The last state of each node that is up agrees with what it learned.
  for (std::uint32_t n = 0; n < t.trace.nodes; ++n) {
    REQUIRE_FALSE(t.trace.states[n].empty());
    const json& last = t.trace.states[n].back().state;
    if (last["up"] == true) CHECK(last["learned"] == 1);
  }
}

TEST_CASE("trace: a violation is recorded after the step that found it, with the evidence") {
  const Traced t = traced("scenarios/synod/dueling-proposers.json", paxsim::Bug::round_only_ballots);
  REQUIRE(t.trace.violations.size() == 1);
  const json& v = t.trace.violations[0];
  CHECK(v["invariant"] == "agreement");
  CHECK(v["step"] == t.trace.steps.back().step);
  const auto choices = cli::evidence_choices(v);
  REQUIRE(choices.size() == 2);
  CHECK(choices[0].label == "first chosen");
  CHECK(choices[0].value == "\"A\"");
  CHECK(choices[0].round == 1);
  CHECK(choices[0].ballot_node == 1);
  CHECK(choices[0].by == std::vector<std::string>{"n1", "n2", "n4"});
  CHECK(choices[1].value == "\"C\"");

  // The messages behind each choice: accepts of its value from its proposer,
  // and the durable acceptances by its quorum.
  const auto inv = cli::involvement(t.trace, choices);
  int accepts[2] = {0, 0}, durable[2] = {0, 0};
  for (const auto& m : t.trace.messages) {
    const int c = inv.message[m.id - 1];
    if (c < 0 || m.type != "accept") continue;
    CHECK(cli::display_value(m.body["value"].get<std::string>()) == choices[c].value);
    ++accepts[c];
  }
  for (std::size_t i = 0; i < t.trace.steps.size(); ++i)
    if (inv.step[i] >= 0) ++durable[inv.step[i]];
  CHECK(accepts[0] > 0);
  CHECK(accepts[1] > 0);
  CHECK(durable[0] == 3);
  CHECK(durable[1] == 3);
}

TEST_CASE("convert: the ShiViz log parses with its regex and its clocks are consistent") {
  const Traced t = traced("scenarios/synod/lossy-duplicating.json");
  const std::string log = cli::to_shiviz(t.trace);
  std::istringstream in(log);
  std::string regex_line, delimiter;
  std::getline(in, regex_line);
  std::getline(in, delimiter);
  CHECK(regex_line == cli::shiviz_regex());
  CHECK(delimiter.empty());
  // Each event: "host {clock}" then the event line; the host's own entry
  // counts its events 1, 2, 3 ...; no entry ever goes down.
  const std::regex head(R"(^(\S*) (\{.*\})$)");
  std::map<std::string, std::map<std::string, std::uint64_t>> last;
  std::string l, ev;
  std::size_t events = 0;
  while (std::getline(in, l)) {
    std::smatch m;
    REQUIRE(std::regex_match(l, m, head));
    REQUIRE(std::getline(in, ev));
    CHECK(ev.find('\n') == std::string::npos);
    const std::string host = m[1].str();
    const json clock = json::parse(m[2].str());
    auto& prev = last[host];
    CHECK(clock.at(host).get<std::uint64_t>() == prev[host] + 1);
    for (const auto& [h, v] : clock.items()) CHECK(v.get<std::uint64_t>() >= prev[h]);
    for (const auto& [h, v] : clock.items()) prev[h] = v.get<std::uint64_t>();
    ++events;
  }
  CHECK(events == t.result.stats.steps);
}

TEST_CASE("convert: Chrome trace events have a track per endpoint and a flow per arrival") {
  const Traced t = traced("scenarios/synod/nemesis.json");
  const json j = json::parse(cli::to_chrome(t.trace));
  std::map<std::uint64_t, int> flows;
  std::size_t threads = 0, slices = 0, instants = 0;
  for (const json& e : j["traceEvents"]) {
    const std::string ph = e["ph"];
    if (ph == "M" && e["name"] == "thread_name") ++threads;
    if (ph == "X") ++slices;
    if (ph == "i") ++instants;
    if (ph == "s") flows[e["id"].get<std::uint64_t>()] += 1;
    if (ph == "f") {
      CHECK(e["bp"] == "e");
      flows[e["id"].get<std::uint64_t>()] += 10;
    }
  }
  CHECK(threads == t.trace.lanes.size() + 1);  // and "world"
  CHECK(slices >= t.result.stats.steps);
  CHECK(instants > 0);
  std::size_t arrivals = 0;
  for (const auto& m : t.trace.messages) arrivals += m.arrivals.size();
  CHECK(flows.size() == arrivals);
  for (const auto& [id, n] : flows) CHECK(n == 11);
}

TEST_CASE("convert: the HTML page is self-contained and carries one arrow per arrival") {
  const Traced t = traced("scenarios/synod/dueling-proposers.json", paxsim::Bug::round_only_ballots);
  const std::string page = cli::to_html(t.trace);
  CHECK(page.find("<title>paxsim: synod-dueling-proposers seed 11</title>") != std::string::npos);
  // Nothing fetched from anywhere: no src or href, no URL but the SVG namespace.
  CHECK(page.find(" src=") == std::string::npos);
  CHECK(page.find("href=") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
  std::string rest = page;
  for (std::size_t p; (p = rest.find("http")) != std::string::npos; rest = rest.substr(p + 4))
    CHECK(rest.compare(p, 26, "http://www.w3.org/2000/svg") == 0);
  // The data cannot close its script element.
  const std::size_t data_at = page.find("id=\"paxsim-data\">");
  const std::size_t data_end = page.find("</script>", data_at);
  CHECK(page.substr(data_at, data_end - data_at).find('<') == std::string::npos);

  const json d = cli::html_data(t.trace);
  CHECK(d["lanes"].size() == 5);
  std::size_t arrivals = 0;
  for (const auto& m : t.trace.messages) arrivals += m.arrivals.size();
  std::size_t delivered_entries = 0;
  for (const json& s : d["msgs"]["status"]) delivered_entries += s == 0 ? 1 : 0;
  CHECK(delivered_entries == t.result.stats.messages_delivered);
  CHECK(d["msgs"]["id"].size() >= arrivals);
  REQUIRE(d["violations"].size() == 1);
  CHECK(d["violations"][0]["involved"].size() == 2);
  CHECK(d["violations"][0]["index"] == t.trace.steps.size() - 1);
}

TEST_CASE("failure report: invariant, evidence, the messages behind it, last steps, replay") {
  const Traced t = traced("scenarios/synod/dueling-proposers.json", paxsim::Bug::round_only_ballots);
  cli::Invocation inv{"scenarios/synod/dueling-proposers.json", {}, true};
  const std::string md = cli::failure_report(t.scenario, inv, t.result, &t.trace, cli::ReportFormat::markdown);
  CHECK(md.find("# FAIL: synod-dueling-proposers, seed 11, bug round-only-ballots") == 0);
  CHECK(md.find("## Violated: `agreement` at step 55") != std::string::npos);
  CHECK(md.find("- first chosen: \"A\" at ballot (1,n1) by {n1,n2,n4}") != std::string::npos);
  CHECK(md.find("### The messages behind each decision") != std::string::npos);
  CHECK(md.find("durable n4 accept ballot (1,n1) value \"A\"") != std::string::npos);
  CHECK(md.find("## Last steps before it") != std::string::npos);
  CHECK(md.find("paxsim run scenarios/synod/dueling-proposers.json --seed 11 --bug round-only-ballots\n") !=
        std::string::npos);
  const std::string text = cli::failure_report(t.scenario, inv, t.result, nullptr, cli::ReportFormat::text);
  CHECK(text.find("violated: agreement at step 55") != std::string::npos);
  CHECK(text.find("last steps:") != std::string::npos);
  CHECK(text.find("replay: paxsim run") != std::string::npos);

  const fs::path dir = temp_dir() / "agreement-1";
  std::string error;
  REQUIRE(cli::write_failure_artifacts(dir, t.scenario, inv, t.result, t.path, error));
  CHECK(read_file((dir / "report.md").string()) == md);
  CHECK(fs::exists(dir / "report.txt"));
  CHECK(read_file((dir / "trace.html").string()).find("data-ready") != std::string::npos);
  CHECK_FALSE(cli::write_failure_artifacts(dir, t.scenario, inv, t.result, (temp_dir() / "nope.jsonl").string(), error));
  CHECK(error.find("nope.jsonl") != std::string::npos);
}
