#include "cli/trace_read.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "checkers/chosen.hpp"
#include "cli/scenario_json.hpp"
#include "paxos/kv.hpp"

namespace paxsim::cli {

using nlohmann::json;

int TraceModel::lane(const std::string& name) const {
  for (std::size_t i = 0; i < lanes.size(); ++i)
    if (lanes[i] == name) return static_cast<int>(i);
  return k_no_lane;
}

std::size_t TraceModel::index_of_step(std::uint64_t n) const {
  // Steps are numbered 1, 2, ... with at most one "start" line (step 0) first.
  std::size_t lo = 0, hi = steps.size();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (steps[mid].step < n) lo = mid + 1;
    else hi = mid;
  }
  return lo < steps.size() && steps[lo].step == n ? lo : steps.size();
}

std::string ballot_text(const json& b) {
  if (!b.is_array() || b.size() != 2 || b[0].get<std::uint64_t>() == 0) return "-";
  return fmt::format("({},n{})", b[0].get<std::uint64_t>(), b[1].get<std::uint64_t>());
}

std::string display_value(const std::string& v) {
  if (v == "(no-op)") return "no-op";
  return checkers::quote(v);
}

namespace {

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string names(const json& a) {
  std::string out = "[";
  for (std::size_t i = 0; i < a.size(); ++i) out += (i ? "," : "") + a[i].get<std::string>();
  return out + "]";
}

[[noreturn]] void fail(const std::string& file, std::size_t line, const std::string& what) {
  throw InputError(file, fmt::format("line {}", line), what);
}

}  // namespace

std::string describe_trace_message(const json& m) {
  const std::string type = str(m, "type");
  std::string out = fmt::format("{} {}->{}", type, str(m, "from"), str(m, "to"));
  const std::string ballot = m.contains("ballot") ? ballot_text(m["ballot"]) : "-";
  const bool has_entries = m.contains("entries");
  if (type == "prepare" || type == "nack" || type == "heartbeat_ack") {
    out += " ballot " + ballot;
  } else if (type == "promise") {
    out += " ballot " + ballot;
    if (m.contains("accepted_ballot"))
      out += fmt::format(" accepted {} {}", ballot_text(m["accepted_ballot"]), display_value(str(m, "value")));
  } else if (type == "accept" || type == "accepted" || type == "decide") {
    if (!has_entries) out += fmt::format(" ballot {} value {}", ballot, display_value(str(m, "value")));
  } else if (type == "lease_ack") {
    out += fmt::format(" ballot {} round {}", ballot, m.value("request", 0));
  } else if (type == "heartbeat") {
    out += fmt::format(" ballot {} commit {}", ballot, m.value("commit", 0));
  } else if (type == "client_request") {
    if (auto c = decode(str(m, "value"))) {
      std::string what = fmt::format("{}({}", to_string(c->op), c->key);
      if (c->op != KvOpKind::get) what += ", " + c->value;
      out += fmt::format(" #{} {})", m.value("request", 0), what);
    }
  } else if (type == "client_reply") {
    out += fmt::format(" #{} -> {}", m.value("request", 0),
                       m.value("absent", false) ? std::string("(absent)") : display_value(str(m, "value")));
  } else if (type == "redirect") {
    out += fmt::format(" #{} leader {}", m.value("request", 0), m.contains("leader") ? str(m, "leader") : "unknown");
  }
  if (has_entries) out += fmt::format(" ({} entries)", m["entries"].size());
  if (m.value("slot", 0) != 0) out += fmt::format(" slot {}", m.value("slot", 0));
  return out;
}

std::string describe_trace_step(const TraceModel&, const TraceStep& s) {
  const json& j = s.line;
  const std::string node = str(j, "node");
  if (s.kind == "start") return "start: nodes and clients boot";
  if (s.kind == "deliver") return "deliver " + describe_trace_message(j["msg"]);
  if (s.kind == "lost") return fmt::format("lost ({}) {}", str(j, "loss"), describe_trace_message(j["msg"]));
  if (s.kind == "timer") return fmt::format("timer {} at {}", str(j, "timer"), node);
  if (s.kind == "client") {
    static const char* const kinds[] = {"issues a request", "request falls due", "times out, retries", "resends"};
    return fmt::format("client {} {}", node, kinds[j.value("client_timer", 0) & 3]);
  }
  if (s.kind == "durable") {
    const json& r = j["record"];
    const std::string type = str(r, "type");
    std::string out = fmt::format("durable {} {} ballot {}", node, type, ballot_text(r["ballot"]));
    if (type == "accept" || type == "decided") out += " value " + display_value(str(r, "value"));
    if (r.value("slot", 0) != 0) out += fmt::format(" slot {}", r.value("slot", 0));
    return out;
  }
  if (s.kind == "fault" || s.kind == "nemesis") {
    const std::string action = str(j, "action");
    std::string out = s.kind == "nemesis" ? (j.value("undo", false) ? "nemesis undo " : "nemesis ") : "fault ";
    out += action;
    if (j.contains("groups"))
      for (const json& g : j["groups"]) out += " " + names(g);
    if (j.contains("from")) out += fmt::format(" from {} to {}", names(j["from"]), names(j["to"]));
    if (!node.empty()) out += " " + node;
    if (j.contains("selector")) out += fmt::format(" (the {} node)", str(j, "selector"));
    if (j.value("wipe_disk", false)) out += " (disk wiped)";
    if (j.contains("network")) out += " " + j["network"].dump();
    if (j.value("did_nothing", false)) out += " (nothing to do)";
    return out;
  }
  if (s.kind == "propose")
    return fmt::format("propose {} at {}{}", display_value(str(j, "value")), node,
                       j.value("did_nothing", false) ? " (node down: skipped)" : "");
  return s.kind;
}

TraceModel read_trace_text(const std::string& text, const std::string& name) {
  TraceModel t;
  t.file = name;
  std::istringstream in(text);
  std::string l;
  std::size_t n = 0;
  while (std::getline(in, l)) {
    ++n;
    if (l.empty()) continue;
    json j;
    try {
      j = json::parse(l);
    } catch (const json::exception& e) {
      fail(name, n, fmt::format("not JSON: {}", json_error_message(e)));
    }
    if (!j.is_object()) fail(name, n, "not a JSON object");
    try {
      if (n == 1) {
        if (!j.contains("paxsim_trace")) fail(name, n, "not a paxsim trace (no \"paxsim_trace\" header)");
        if (j["paxsim_trace"] != 1) fail(name, n, fmt::format("trace version {} is not one this build reads (1)", j["paxsim_trace"].dump()));
        if (j.value("minor", 0) < 1)
          fail(name, n, "this trace has no send records (written by an older paxsim); run the scenario again with --trace");
        t.header = j;
        t.scenario = str(j, "scenario");
        t.protocol = str(j, "protocol");
        t.build = str(j, "build");
        t.seed = j.value("seed", std::uint64_t{0});
        if (j.contains("bug") && j["bug"].is_string()) t.bug = j["bug"].get<std::string>();
        t.lanes = j.at("endpoints").get<std::vector<std::string>>();
        t.nodes = j.at("nodes").get<std::uint32_t>();
        t.clients = j.value("clients", 0u);
        if (t.nodes + t.clients != t.lanes.size() || t.nodes == 0) fail(name, n, "nodes and clients do not match endpoints");
        t.states.resize(t.nodes);
        continue;
      }
      if (j.contains("violation")) {
        t.violations.push_back(j["violation"]);
        continue;
      }
      if (j.contains("end")) {
        t.end = j;
        continue;
      }
      if (str(j, "kind") == "dropped_at_send") continue;  // also marked in its step's "sent"
      if (!j.contains("step") || !j.contains("kind")) fail(name, n, "neither a step, a violation nor the end line");
      TraceStep s;
      const auto field = [&](const char* key, auto& out, const char* wanted) {
        if (!j.contains(key)) fail(name, n, fmt::format("no \"{}\"", key));
        try {
          j[key].get_to(out);
        } catch (const json::exception&) {
          fail(name, n, fmt::format("\"{}\" must be {}, got {}", key, wanted, j[key].dump()));
        }
      };
      field("step", s.step, "a step number");
      field("t_us", s.t_us, "a time in microseconds");
      if (s.t_us < 0) fail(name, n, fmt::format("\"t_us\" must not be negative, got {}", s.t_us));
      field("kind", s.kind, "a string");
      static constexpr std::string_view k_kinds[] = {"start", "deliver", "lost",    "timer",
                                                     "durable", "fault", "nemesis", "propose", "client"};
      if (std::find(std::begin(k_kinds), std::end(k_kinds), s.kind) == std::end(k_kinds))
        fail(name, n, fmt::format("unknown step kind {}", j["kind"].dump()));
      if (j.contains("node")) {
        s.lane = t.lane(j["node"].get<std::string>());
        if (s.lane == k_no_lane) fail(name, n, fmt::format("unknown node {}", j["node"].dump()));
      }
      if (!t.steps.empty() && (s.step <= t.steps.back().step || s.t_us < t.steps.back().t_us))
        fail(name, n, "steps out of order");
      const std::size_t index = t.steps.size();
      if (j.contains("sent")) {
        for (const json& m : j["sent"]) {
          TraceMessage msg;
          msg.id = m.at("id").get<std::uint64_t>();
          if (msg.id != t.messages.size() + 1) fail(name, n, fmt::format("message id {} out of sequence", msg.id));
          msg.type = m.at("type").get<std::string>();
          msg.from = t.lane(m.at("from").get<std::string>());
          msg.to = t.lane(m.at("to").get<std::string>());
          if (msg.from == k_no_lane || msg.to == k_no_lane) fail(name, n, "a message between unknown endpoints");
          msg.send_index = index;
          msg.dropped_at_send = m.value("dropped", false);
          msg.body = m;
          t.messages.push_back(std::move(msg));
        }
        j.erase("sent");  // kept once, in `messages`
      }
      if ((s.kind == "deliver" || s.kind == "lost") && j.contains("msg") && j["msg"].contains("id")) {
        const auto id = j["msg"]["id"].get<std::uint64_t>();
        if (id == 0 || id > t.messages.size()) fail(name, n, fmt::format("delivery of message {} that was never sent", id));
        TraceArrival a;
        a.step_index = index;
        a.lost = s.kind == "lost";
        a.reason = str(j, "loss");
        a.dup = j["msg"].value("dup", false);
        t.messages[id - 1].arrivals.push_back(a);
      }
      if (j.contains("state")) {
        for (const auto& [node, st] : j["state"].items()) {
          const int lane = t.lane(node);
          if (lane == k_no_lane || lane >= static_cast<int>(t.nodes)) fail(name, n, "state of an unknown node " + node);
          t.states[lane].push_back(TraceNodeState{index, st});
        }
      }
      s.line = std::move(j);
      t.steps.push_back(std::move(s));
    } catch (const json::exception& e) {
      fail(name, n, fmt::format("malformed: {}", json_error_message(e)));
    }
  }
  if (n == 0 || t.header.is_null()) throw InputError(name, "", "empty: not a paxsim trace");
  return t;
}

TraceModel read_trace_file(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw InputError(file, "", "a folder, not a trace");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, "", fmt::format("cannot open the trace: {}", std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return read_trace_text(ss.str(), file);
}

}  // namespace paxsim::cli
