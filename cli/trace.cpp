#include "cli/trace.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <unistd.h>

#include "checkers/chosen.hpp"

namespace paxsim::cli {

namespace {

using nlohmann::json;

json ballot_json(const Ballot& b) { return json::array({b.round, b.node + 1}); }
json ballot_or_null(const Ballot& b) { return b.is_null() ? json(nullptr) : ballot_json(b); }

std::string tmp_name(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

// The content of a message as a key: two messages with equal keys are the same message.
std::string message_key(const Message& m) {
  std::string k;
  auto num = [&](std::uint64_t v) {
    k.append(reinterpret_cast<const char*>(&v), sizeof v);
  };
  auto str = [&](const std::string& s) {
    num(s.size());
    k += s;
  };
  num(static_cast<std::uint64_t>(m.kind));
  num(m.from);
  num(m.to);
  num(m.slot);
  num(m.ballot.round);
  num(m.ballot.node);
  num(m.accepted_ballot.round);
  num(m.accepted_ballot.node);
  str(m.value);
  num(m.entries.size());
  for (const LogEntry& e : m.entries) {
    num(e.slot);
    num(e.ballot.round);
    num(e.ballot.node);
    str(e.value);
  }
  num(m.commit);
  num(m.request);
  num(m.leader_hint);
  num(m.flags);
  num(m.group);  // shards: the same message in two groups is two messages
  return k;
}

json names_json(const sim::Scenario& s, const std::vector<EndpointId>& es) {
  json a = json::array();
  for (EndpointId e : es) a.push_back(sim::endpoint_name(s, e));
  return a;
}

json distribution_json(const sim::Distribution& d) {
  switch (d.kind) {
    case sim::Distribution::Kind::constant: return d.a;
    case sim::Distribution::Kind::uniform: return json{{"uniform", {d.a, d.b}}};
    case sim::Distribution::Kind::exponential: return json{{"exponential", {{"mean", d.a}, {"max", d.b}}}};
  }
  return nullptr;
}

const char* selector_name(sim::NodeSelector::Kind k) {
  switch (k) {
    case sim::NodeSelector::Kind::index: return "index";
    case sim::NodeSelector::Kind::leader: return "leader";
    case sim::NodeSelector::Kind::random: return "random";
  }
  return "?";
}

}  // namespace

std::uint64_t record_bytes(const Record& r) { return 25 + r.value.size(); }

json trace_message_json(const sim::Scenario& s, const Message& m) {
  json j = {{"type", to_string(m.kind)},
            {"from", sim::endpoint_name(s, m.from)},
            {"to", sim::endpoint_name(s, m.to)},
            {"slot", m.slot},
            {"ballot", ballot_json(m.ballot)}};
  if (!m.accepted_ballot.is_null()) j["accepted_ballot"] = ballot_json(m.accepted_ballot);
  if (!m.value.empty()) j["value"] = m.value == k_noop_value ? std::string("(no-op)") : m.value.str();
  if (!m.entries.empty()) {
    json es = json::array();
    for (const LogEntry& e : m.entries)
      es.push_back({{"slot", e.slot}, {"ballot", ballot_json(e.ballot)},
                    {"value", e.value == k_noop_value ? std::string("(no-op)") : e.value.str()}});
    j["entries"] = es;
  }
  if (m.kind == MsgKind::heartbeat) j["commit"] = m.commit;
  if (m.request != 0) j["request"] = m.request;
  if (m.kind == MsgKind::redirect && m.leader_hint != k_no_node) j["leader"] = node_name(m.leader_hint);
  if (m.flags & k_absent) j["absent"] = true;
  if (s.shards > 1) j["group"] = m.group;
  return j;
}

bool write_file_atomic(const std::string& path, const std::string& content, std::string& error) {
  const std::string tmp = tmp_name(path);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

std::string output_problem(const std::string& path, const std::vector<std::string>& taken) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (path.empty()) return "an empty file name";
  if (fs::is_directory(p, ec)) return path + " is a folder";
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) return fmt::format("{}: no folder {}", path, dir.string());
  if (::access(dir.c_str(), W_OK) != 0) return fmt::format("{}: {}", path, std::strerror(errno));
  const fs::path canon = fs::weakly_canonical(p, ec);
  for (const std::string& t : taken) {
    std::error_code e1;
    const bool same = fs::exists(p, e1) && fs::exists(t, e1) ? fs::equivalent(p, t, e1)
                                                              : !ec && fs::weakly_canonical(t, e1) == canon;
    if (same) return fmt::format("{}: the same file as {}, which this command reads or writes already", path, t);
  }
  return "";
}

bool TraceWriter::open(const std::string& path, const sim::Scenario& s, const std::string& build, std::string& error) {
  s_ = &s;
  path_ = path;
  tmp_ = tmp_name(path);
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  last_state_.assign(s.nodes, NodeState{});
  last_reach_.assign(s.endpoints(), std::vector<bool>(s.endpoints(), true));
  json nodes = json::array();
  for (EndpointId e = 0; e < s.endpoints(); ++e) nodes.push_back(sim::endpoint_name(s, e));
  line(json{{"paxsim_trace", k_trace_version},
            {"minor", k_trace_minor},
            {"scenario", s.name},
            {"seed", s.seed},
            {"bug", s.bug ? json(std::string(bug_name(*s.bug))) : json(nullptr)},
            {"protocol", s.protocol == sim::Protocol::synod ? "synod" : "multi-paxos"},
            {"nodes", s.nodes},
            {"clients", s.clients()},
            {"endpoints", nodes},
            {"build", build}}
           .dump());
  return true;
}

void TraceWriter::attach(RunOptions& ro) {
  ro.observers.push_back(this);
  ro.on_start = [this](const sim::Simulation& sim) { sim_ = &sim; };
}

TraceWriter::~TraceWriter() {
  if (f_) {
    std::fclose(f_);
    std::remove(tmp_.c_str());
  }
}

void TraceWriter::line(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), f_);
  std::fputc('\n', f_);
}

json& TraceWriter::current() {
  if (!open_line_) {
    // Something happened before the first step (nodes and clients starting).
    cur_ = json{{"step", 0}, {"t_us", 0}, {"kind", "start"}};
    open_line_ = true;
  }
  return cur_;
}

void TraceWriter::flush() {
  if (!open_line_) return;
  line(cur_.dump());
  for (const std::string& l : after_) line(l);
  after_.clear();
  open_line_ = false;
}

std::uint64_t TraceWriter::arrival_id(const Message& m, bool& dup) {
  dup = false;
  auto it = in_flight_.find(message_key(m));
  if (it == in_flight_.end()) return 0;  // sent before the writer was attached
  InFlight& f = it->second;
  if (f.ids.empty()) {
    dup = true;
    return f.last;
  }
  const std::uint64_t id = f.ids.front();
  f.ids.pop_front();
  return id;
}

void TraceWriter::on_step(const sim::StepInfo& info) {
  flush();  // a "start" line
  ++steps_;
  json j = {{"step", info.index}, {"t_us", info.time}, {"kind", sim::to_string(info.kind)}};
  if (info.node != k_no_node) j["node"] = sim::endpoint_name(*s_, info.node);
  if (info.msg) {
    j["msg"] = trace_message_json(*s_, *info.msg);
    bool dup = false;
    if (const std::uint64_t id = arrival_id(*info.msg, dup)) j["msg"]["id"] = id;
    if (dup) j["msg"]["dup"] = true;
  }
  if (info.loss) j["loss"] = sim::to_string(*info.loss);
  if (info.kind == sim::StepKind::timer) j["timer"] = to_string(info.timer);
  if (info.kind == sim::StepKind::client) j["client_timer"] = info.client_timer;
  if (info.record) {
    j["record"] = {{"type", to_string(info.record->kind)},
                   {"slot", info.record->slot},
                   {"ballot", ballot_json(info.record->ballot)}};
    if (!info.record->value.empty()) j["record"]["value"] = info.record->value;
    j["record"]["bytes"] = record_bytes(*info.record);
  }
  if (info.fault) {
    const sim::Fault& f = *info.fault;
    j["action"] = sim::to_string(f.action);
    if (info.undo) j["undo"] = true;
    if (info.did_nothing) j["did_nothing"] = true;
    switch (f.action) {
      case sim::FaultAction::partition: {
        json gs = json::array();
        for (const auto& g : f.groups) gs.push_back(names_json(*s_, g));
        j["groups"] = gs;
        break;
      }
      case sim::FaultAction::cut:
        j["from"] = names_json(*s_, f.from);
        j["to"] = names_json(*s_, f.to);
        break;
      case sim::FaultAction::restart:
        if (f.wipe_disk) j["wipe_disk"] = true;
        break;
      case sim::FaultAction::network: {
        json n = json::object();
        if (f.network.drop) n["drop"] = *f.network.drop;
        if (f.network.duplicate) n["duplicate"] = *f.network.duplicate;
        if (f.network.delay_ms) n["delay_ms"] = distribution_json(*f.network.delay_ms);
        j["network"] = n;
        break;
      }
      default: break;
    }
    // The selector a timeline fault named its node with ("leader", "random"),
    // now that "node" says whom it resolved to.
    if (info.kind == sim::StepKind::fault) {
      for (const sim::Fault& orig : s_->faults)
        if (orig.order == f.order && orig.node.kind != sim::NodeSelector::Kind::index) {
          j["selector"] = selector_name(orig.node.kind);
          break;
        }
    } else if (!info.undo && (f.action == sim::FaultAction::crash || f.action == sim::FaultAction::pause)) {
      j["selector"] = "random";
    }
  } else if (info.did_nothing) {
    j["did_nothing"] = true;
  }
  if (info.value) j["value"] = *info.value;
  cur_ = std::move(j);
  open_line_ = true;
}

void TraceWriter::after_step(const sim::StepInfo& info) {
  if (sim_) {
    note_state();
    if (info.kind == sim::StepKind::fault || info.kind == sim::StepKind::nemesis) note_network();
  }
  flush();
}

void TraceWriter::note_state() {
  for (NodeId n = 0; n < s_->nodes; ++n) {
    NodeState now;
    now.up = sim_->is_up(n);
    now.paused = now.up && sim_->is_paused(n);
    if (now.up) now.view = sim_->node(n)->view();
    NodeState& was = last_state_[n];
    const NodeView &a = now.view, &b = was.view;
    const bool same = now.up == was.up && now.paused == was.paused && a.leads == b.leads &&
                      a.lead_ballot == b.lead_ballot && a.promised == b.promised &&
                      a.accepted_ballot == b.accepted_ballot && a.accepted_value == b.accepted_value &&
                      a.learned_slots == b.learned_slots;
    if (same) continue;
    json st = {{"up", now.up}};
    if (now.up) {
      st["paused"] = now.paused;
      st["promised"] = ballot_or_null(a.promised);
      st["accepted"] = ballot_or_null(a.accepted_ballot);
      if (!a.accepted_ballot.is_null())
        st["value"] = a.accepted_value == k_noop_value ? std::string("(no-op)") : a.accepted_value.str();
      st["leads"] = a.leads;
      if (a.leads) st["lead_ballot"] = ballot_json(a.lead_ballot);
      st["learned"] = a.learned_slots;
    }
    current()["state"][node_name(n)] = std::move(st);
    was = std::move(now);
  }
}

void TraceWriter::note_network() {
  const std::uint32_t e = s_->endpoints();
  bool changed = false;
  for (EndpointId a = 0; a < e; ++a)
    for (EndpointId b = 0; b < e; ++b) {
      const bool can = sim_->network().can_deliver(a, b);
      if (can != last_reach_[a][b]) {
        last_reach_[a][b] = can;
        changed = true;
      }
    }
  if (!changed) return;
  // The whole picture, not a difference: from -> the endpoints it cannot reach.
  json down = json::object();
  for (EndpointId a = 0; a < e; ++a) {
    json to = json::array();
    for (EndpointId b = 0; b < e; ++b)
      if (!last_reach_[a][b]) to.push_back(sim::endpoint_name(*s_, b));
    if (!to.empty()) down[sim::endpoint_name(*s_, a)] = to;
  }
  current()["unreachable"] = down;
}

void TraceWriter::on_send(Time_us, const Message& m) {
  const std::uint64_t id = next_msg_id_++;
  InFlight& f = in_flight_[message_key(m)];
  f.ids.push_back(id);
  f.last = id;
  json j = trace_message_json(*s_, m);
  j["id"] = id;
  current()["sent"].push_back(std::move(j));
}

void TraceWriter::on_drop_at_send(Time_us t, const Message& m) {
  // on_send came just before, for this message: it is the last one sent.
  std::uint64_t id = 0;
  auto it = in_flight_.find(message_key(m));
  if (it != in_flight_.end() && !it->second.ids.empty()) {
    id = it->second.ids.back();
    it->second.ids.pop_back();
  }
  json& sent = current()["sent"];
  if (!sent.empty()) sent.back()["dropped"] = true;
  json j = {{"t_us", t}, {"kind", "dropped_at_send"}, {"msg", trace_message_json(*s_, m)}};
  if (id) j["msg"]["id"] = id;
  if (steps_) j["step"] = steps_;
  after_.push_back(j.dump());
}

void TraceWriter::on_learn(Time_us, NodeId n, const Learned& l) {
  current()["learned"].push_back(
      {{"node", node_name(n)}, {"slot", l.slot}, {"value", l.value == k_noop_value ? std::string("(no-op)") : l.value.str()}});
}

void TraceWriter::on_quorum(Time_us, NodeId n, const QuorumUse& q) {
  json members = json::array();
  for (NodeId m : q.members) members.push_back(node_name(m));
  current()["quorums"].push_back({{"node", node_name(n)},
                                  {"phase", q.phase == QuorumUse::Phase::promise ? "promise" : "accepted"},
                                  {"slot", q.slot},
                                  {"ballot", ballot_json(q.ballot)},
                                  {"members", members}});
}

void TraceWriter::on_request_open(Time_us, std::uint64_t id, NodeId at) {
  current()["requests"].push_back({{"id", id}, {"event", "open"}, {"at", sim::endpoint_name(*s_, at)}});
}

void TraceWriter::on_request_done(Time_us, std::uint64_t id) {
  current()["requests"].push_back({{"id", id}, {"event", "done"}});
}

void TraceWriter::on_request_dropped(Time_us, std::uint64_t id) {
  current()["requests"].push_back({{"id", id}, {"event", "dropped"}});
}

void TraceWriter::on_client_call(Time_us, std::uint32_t client, const Command& c) {
  json j = {{"client", sim::endpoint_name(*s_, s_->nodes + client)},
            {"request", c.request},
            {"op", to_string(c.op)},
            {"key", c.key}};
  if (c.op != KvOpKind::get) j["value"] = c.value;
  current()["calls"].push_back(std::move(j));
}

void TraceWriter::on_client_return(Time_us, std::uint32_t client, const Command& c, const Message& reply) {
  json j = {{"client", sim::endpoint_name(*s_, s_->nodes + client)}, {"request", c.request}};
  if (c.op == KvOpKind::get) j["result"] = (reply.flags & k_absent) ? json(nullptr) : json(reply.value);
  current()["returns"].push_back(std::move(j));
}

bool TraceWriter::close(const RunResult& r, std::string& error) {
  flush();
  for (const checkers::Violation& v : r.violations)
    line(json{{"violation",
               {{"invariant", v.invariant},
                {"step", v.step},
                {"t_us", v.time_us},
                {"message", v.message},
                {"evidence", v.evidence}}}}
             .dump());
  json end = {{"end", true},
              {"verdict", r.pass ? "pass" : "fail"},
              {"fingerprint", fingerprint_hex(r.fingerprint)},
              {"outcome", to_string(r.outcome)},
              {"steps", r.stats.steps},
              {"sim_time_us", r.sim_time_us},
              {"decided_slots", r.decided_slots}};
  if (!r.pass) end["reason"] = r.verdict_reason;
  if (r.liveness_checked && !r.liveness_ok) end["liveness"] = r.liveness_message;
  line(end.dump());
  return finish(error);
}

bool TraceWriter::close(const std::string& verdict, const std::string& fingerprint, std::string& error) {
  flush();
  line(json{{"end", true}, {"verdict", verdict}, {"fingerprint", fingerprint}}.dump());
  return finish(error);
}

bool TraceWriter::finish(std::string& error) {
  const bool ok = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    error = path_ + ": " + std::strerror(errno);
    std::remove(tmp_.c_str());
    return false;
  }
  return true;
}

}  // namespace paxsim::cli
