#include "cli/trace_html.hpp"

#include <fmt/format.h>
#include <regex>
#include <set>

#include "cli/trace_convert.hpp"
#include "cli/trace_stats.hpp"

namespace paxsim::cli {

using nlohmann::json;

namespace {

// The page: HTML, CSS and script, with a marker where the data goes.
const char* const k_page =
#include "cli/trace_page.html.inc"
    ;
const char* const k_data_marker = "/*PAXSIM_DATA*/";

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool ballot_is(const json& b, std::uint64_t round, std::uint32_t node) {
  return b.is_array() && b.size() == 2 && b[0].get<std::uint64_t>() == round && b[1].get<std::uint32_t>() == node;
}

// JSON for a <script> element: nothing in it may close the element.
std::string script_safe(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

}  // namespace

std::vector<EvidenceChoice> evidence_choices(const json& violation) {
  static const std::regex k_choice(R"(^\s*([^:]+):\s*(.+) at ballot \((\d+),n(\d+)\) by \{([^}]*)\}\s*$)");
  std::vector<EvidenceChoice> out;
  if (!violation.contains("evidence")) return out;
  for (const json& e : violation["evidence"]) {
    if (!e.is_string()) continue;
    const std::string line = e.get<std::string>();
    std::smatch m;
    if (!std::regex_match(line, m, k_choice)) continue;
    EvidenceChoice c;
    c.label = m[1].str();
    c.value = m[2].str();
    c.round = std::stoull(m[3].str());
    c.ballot_node = static_cast<std::uint32_t>(std::stoul(m[4].str()));
    const std::string by = m[5].str();
    std::size_t pos = 0;
    while (pos < by.size()) {
      const std::size_t comma = by.find(',', pos);
      const std::string name = by.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (!name.empty()) c.by.push_back(name);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    out.push_back(std::move(c));
  }
  return out;
}

Involvement involvement(const TraceModel& t, const std::vector<EvidenceChoice>& choices) {
  Involvement inv;
  inv.message.assign(t.messages.size(), -1);
  inv.step.assign(t.steps.size(), -1);
  for (std::size_t c = 0; c < choices.size(); ++c) {
    const EvidenceChoice& ch = choices[c];
    // Phase 2 of the choice: its (ballot, value); the proposers that sent it.
    std::set<int> proposers;
    for (const TraceMessage& m : t.messages) {
      const bool phase2 = m.type == "accept" || m.type == "accepted" || m.type == "decide";
      if (!phase2 || !ballot_is(m.body.value("ballot", json()), ch.round, ch.ballot_node)) continue;
      if (display_value(str(m.body, "value")) != ch.value) continue;
      if (inv.message[m.id - 1] < 0) inv.message[m.id - 1] = static_cast<int>(c);
      if (m.type == "accept") proposers.insert(m.from);
    }
    // Phase 1 of the same ballot, by those proposers.
    for (const TraceMessage& m : t.messages) {
      if (!ballot_is(m.body.value("ballot", json()), ch.round, ch.ballot_node)) continue;
      const bool mine = (m.type == "prepare" && proposers.count(m.from)) || (m.type == "promise" && proposers.count(m.to));
      if (mine && inv.message[m.id - 1] < 0) inv.message[m.id - 1] = static_cast<int>(c);
    }
    // The durable acceptances that made it chosen.
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
      const TraceStep& s = t.steps[i];
      if (s.kind != "durable" || s.lane < 0) continue;
      const json& r = s.line["record"];
      if (str(r, "type") != "accept" || !ballot_is(r["ballot"], ch.round, ch.ballot_node)) continue;
      if (display_value(str(r, "value")) != ch.value) continue;
      if (std::find(ch.by.begin(), ch.by.end(), t.lanes[s.lane]) == ch.by.end()) continue;
      if (inv.step[i] < 0) inv.step[i] = static_cast<int>(c);
    }
  }
  return inv;
}

json html_data(const TraceModel& t) {
  json meta = {{"scenario", t.scenario}, {"seed", t.seed}, {"protocol", t.protocol}, {"build", t.build},
               {"bug", t.bug ? json(*t.bug) : json(nullptr)}, {"file", t.file}};
  if (t.end) {
    for (const char* k : {"verdict", "outcome", "fingerprint", "reason", "liveness"})
      if (t.end->contains(k)) meta[k] = (*t.end)[k];
  }

  // Kinds and types as small codes, to keep the page small.
  std::vector<std::string> kinds, types;
  auto code = [](std::vector<std::string>& table, const std::string& s) {
    for (std::size_t i = 0; i < table.size(); ++i)
      if (table[i] == s) return static_cast<int>(i);
    table.push_back(s);
    return static_cast<int>(table.size() - 1);
  };

  std::vector<EvidenceChoice> choices;
  json violations = json::array();
  for (const json& v : t.violations) {
    const auto cs = evidence_choices(v);
    json involved = json::array();
    for (const EvidenceChoice& c : cs)
      involved.push_back({{"label", c.label},
                          {"value", c.value},
                          {"ballot", fmt::format("({},n{})", c.round, c.ballot_node)},
                          {"by", c.by},
                          {"index", choices.size() + involved.size()}});
    choices.insert(choices.end(), cs.begin(), cs.end());
    const std::size_t at = t.index_of_step(v.value("step", std::uint64_t{0}));
    violations.push_back({{"invariant", v.value("invariant", "")},
                          {"message", v.value("message", "")},
                          {"evidence", v.value("evidence", json::array())},
                          {"step", v.value("step", std::uint64_t{0})},
                          {"index", at < t.steps.size() ? static_cast<long>(at) : -1L},
                          {"involved", involved}});
  }
  const Involvement inv = involvement(t, choices);

  json st_t = json::array(), st_lane = json::array(), st_kind = json::array(), st_text = json::array(),
       st_num = json::array(), st_inv = json::array(), st_mark = json::array();
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    const TraceStep& s = t.steps[i];
    st_t.push_back(s.t_us);
    st_lane.push_back(s.lane);
    st_kind.push_back(code(kinds, s.kind));
    st_num.push_back(s.step);
    st_text.push_back(describe_trace_step(t, s));
    st_inv.push_back(inv.step[i]);
    // A mark for faults that change a lane's life: crash, restart, pause, resume.
    std::string mark;
    if ((s.kind == "fault" || s.kind == "nemesis") && !s.line.value("did_nothing", false)) mark = str(s.line, "action");
    st_mark.push_back(mark);
  }

  json m_id = json::array(), m_from = json::array(), m_to = json::array(), m_send = json::array(),
       m_arrive = json::array(), m_status = json::array(), m_type = json::array(), m_label = json::array(),
       m_reason = json::array(), m_inv = json::array(), m_dup = json::array();
  auto add = [&](const TraceMessage& m, long arrive, int status, const std::string& reason, bool dup) {
    m_id.push_back(m.id);
    m_from.push_back(m.from);
    m_to.push_back(m.to);
    m_send.push_back(m.send_index);
    m_arrive.push_back(arrive);
    m_status.push_back(status);
    m_type.push_back(code(types, m.type));
    m_label.push_back(describe_trace_message(m.body));
    m_reason.push_back(reason);
    m_inv.push_back(inv.message[m.id - 1]);
    m_dup.push_back(dup ? 1 : 0);
  };
  for (const TraceMessage& m : t.messages) {
    if (m.dropped_at_send) add(m, static_cast<long>(m.send_index), 2, "dropped at send", false);
    else if (m.arrivals.empty()) add(m, -1, 3, "never arrived", false);
    for (const TraceArrival& a : m.arrivals)
      add(m, static_cast<long>(a.step_index), a.lost ? 1 : 0, a.lost ? a.reason : std::string(), a.dup);
  }

  json intervals = json::array();
  for (const LaneInterval& iv : lane_intervals(t))
    intervals.push_back({iv.lane, iv.from, iv.to, to_string(iv.kind), iv.note});

  json states = json::array();
  for (std::uint32_t n = 0; n < t.nodes; ++n) {
    json per = json::array();
    for (const TraceNodeState& s : t.states[n]) per.push_back({s.step_index, s.state});
    states.push_back(per);
  }

  const TraceStats stats = compute_stats(t);
  return {{"meta", meta},
          {"lanes", t.lanes},
          {"nodes", t.nodes},
          {"kinds", kinds},
          {"types", types},
          {"steps", {{"t", st_t}, {"lane", st_lane}, {"kind", st_kind}, {"num", st_num}, {"text", st_text},
                     {"inv", st_inv}, {"mark", st_mark}}},
          {"msgs", {{"id", m_id}, {"from", m_from}, {"to", m_to}, {"send", m_send}, {"arrive", m_arrive},
                    {"status", m_status}, {"type", m_type}, {"label", m_label}, {"reason", m_reason},
                    {"inv", m_inv}, {"dup", m_dup}}},
          {"intervals", intervals},
          {"states", states},
          {"violations", violations},
          {"stats", stats_json(stats)}};
}

std::string to_html(const TraceModel& t) {
  const std::string page = k_page;
  const std::size_t at = page.find(k_data_marker);
  const std::string data =
      script_safe(html_data(t).dump(-1, ' ', false, json::error_handler_t::replace));
  const std::string title = fmt::format("paxsim: {} seed {}", t.scenario, t.seed);
  std::string out = page.substr(0, at) + data + page.substr(at + std::string(k_data_marker).size());
  // The title, HTML-escaped.
  std::string esc;
  for (char c : title) {
    if (c == '<') esc += "&lt;";
    else if (c == '>') esc += "&gt;";
    else if (c == '&') esc += "&amp;";
    else esc += c;
  }
  const std::string title_marker = "<title>paxsim trace</title>";
  if (const std::size_t p = out.find(title_marker); p != std::string::npos)
    out.replace(p, title_marker.size(), "<title>" + esc + "</title>");
  return out;
}

}  // namespace paxsim::cli
