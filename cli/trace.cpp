#include "cli/trace.hpp"

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "checkers/chosen.hpp"

namespace paxsim::cli {

namespace {

nlohmann::json ballot_json(const Ballot& b) { return nlohmann::json::array({b.round, b.node + 1}); }

nlohmann::json message_json(const sim::Scenario& s, const Message& m) {
  nlohmann::json j = {{"type", to_string(m.kind)},
                      {"from", sim::endpoint_name(s, m.from)},
                      {"to", sim::endpoint_name(s, m.to)},
                      {"slot", m.slot},
                      {"ballot", ballot_json(m.ballot)}};
  if (!m.accepted_ballot.is_null()) j["accepted_ballot"] = ballot_json(m.accepted_ballot);
  if (!m.value.empty()) j["value"] = m.value == k_noop_value ? std::string("(no-op)") : m.value;
  if (!m.entries.empty()) {
    nlohmann::json es = nlohmann::json::array();
    for (const LogEntry& e : m.entries)
      es.push_back({{"slot", e.slot}, {"ballot", ballot_json(e.ballot)},
                    {"value", e.value == k_noop_value ? std::string("(no-op)") : e.value}});
    j["entries"] = es;
  }
  if (m.kind == MsgKind::heartbeat) j["commit"] = m.commit;
  if (m.request != 0) j["request"] = m.request;
  if (m.kind == MsgKind::redirect && m.leader_hint != k_no_node) j["leader"] = node_name(m.leader_hint);
  if (m.flags & k_absent) j["absent"] = true;
  return j;
}

std::string tmp_name(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

}  // namespace

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

bool TraceWriter::open(const std::string& path, const sim::Scenario& s, const std::string& build, std::string& error) {
  s_ = &s;
  path_ = path;
  tmp_ = tmp_name(path);
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  nlohmann::json nodes = nlohmann::json::array();
  for (EndpointId e = 0; e < s.endpoints(); ++e) nodes.push_back(sim::endpoint_name(s, e));
  line(nlohmann::json{{"paxsim_trace", 1},
                      {"scenario", s.name},
                      {"seed", s.seed},
                      {"bug", s.bug ? nlohmann::json(std::string(bug_name(*s.bug))) : nlohmann::json(nullptr)},
                      {"protocol", s.protocol == sim::Protocol::synod ? "synod" : "multi-paxos"},
                      {"endpoints", nodes},
                      {"build", build}}
           .dump());
  return true;
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

void TraceWriter::on_step(const sim::StepInfo& info) {
  nlohmann::json j = {{"step", info.index}, {"t_us", info.time}, {"kind", sim::to_string(info.kind)}};
  if (info.node != k_no_node) j["node"] = sim::endpoint_name(*s_, info.node);
  if (info.msg) j["msg"] = message_json(*s_, *info.msg);
  if (info.loss) j["loss"] = sim::to_string(*info.loss);
  if (info.kind == sim::StepKind::timer) j["timer"] = to_string(info.timer);
  if (info.kind == sim::StepKind::client) j["client_timer"] = info.client_timer;
  if (info.record) {
    j["record"] = {{"type", to_string(info.record->kind)},
                   {"slot", info.record->slot},
                   {"ballot", ballot_json(info.record->ballot)}};
    if (!info.record->value.empty()) j["record"]["value"] = info.record->value;
  }
  if (info.fault) {
    j["action"] = sim::to_string(info.fault->action);
    if (info.undo) j["undo"] = true;
  }
  if (info.value) j["value"] = *info.value;
  if (info.did_nothing) j["did_nothing"] = true;
  line(j.dump());
}

void TraceWriter::on_drop_at_send(Time_us t, const Message& m) {
  line(nlohmann::json{{"t_us", t}, {"kind", "dropped_at_send"}, {"msg", message_json(*s_, m)}}.dump());
}

bool TraceWriter::close(const std::string& verdict, const std::string& fingerprint, std::string& error) {
  line(nlohmann::json{{"end", true}, {"verdict", verdict}, {"fingerprint", fingerprint}}.dump());
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
