#include "cli/report.hpp"

#include <fmt/format.h>

namespace paxsim::cli {

static double to_ms(Time_us t) { return static_cast<double>(t) / 1000.0; }

std::string shell_quote(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string replay_command(const Invocation& inv, const RunResult& r) {
  std::string cmd = fmt::format("paxsim run {} --seed {}", shell_quote(inv.file), r.seed);
  if (r.bug && inv.bug_from_flag) cmd += " --bug " + *r.bug;
  for (const auto& s : inv.sets) cmd += " --set " + shell_quote(s);
  return cmd;
}

std::string human_report(const Invocation& inv, const RunResult& r) {
  std::string out;
  out += fmt::format("{}  {}  seed {}{}  outcome {}\n", r.pass ? "PASS" : "FAIL", r.scenario, r.seed,
                     r.bug ? " bug " + *r.bug : std::string(), to_string(r.outcome));
  if (!r.pass) out += fmt::format("  why: {}\n", r.verdict_reason);
  for (const auto& v : r.violations) {
    out += fmt::format("\n  violated: {} at step {} (t = {:.3f} ms)\n    {}\n", v.invariant, v.step, to_ms(v.time_us),
                       v.message);
    for (const auto& e : v.evidence) out += "    evidence: " + e + "\n";
  }
  if (r.liveness_checked && !r.liveness_ok) out += fmt::format("\n  liveness: {}\n", r.liveness_message);
  const bool show_steps = !r.violations.empty() || !r.liveness_ok || r.outcome == Outcome::limit;
  if (show_steps && !r.recent.empty()) {
    out += "\n  last steps:\n";
    for (const auto& l : r.recent) out += "    " + l + "\n";
  }
  const auto& s = r.stats;
  out += fmt::format(
      "\n  steps {}  sim time {:.3f} ms  messages sent {} delivered {} dropped {}  chosen slots {}  requests "
      "completed {}\n",
      s.steps, to_ms(r.sim_time_us), s.messages_sent, s.messages_delivered, s.messages_dropped, r.decided_slots,
      s.client_ops_completed);
  if (r.schedule_unmatched)
    out += fmt::format("  note: schedule step {} (/schedule/{}) matched nothing pending; the run ended there\n",
                       *r.schedule_unmatched + 1, *r.schedule_unmatched);
  if (!r.linearizability.empty()) out += fmt::format("  history: {}\n", r.linearizability);
  for (const auto& g : r.shards)
    out += fmt::format("  shard {}: {} slots chosen, {} messages between its nodes\n", g.group, g.chosen_slots,
                       g.messages_sent);
  if (r.lock)
    out += fmt::format("  lock: {} grants, {} busy, {} renewals, {} releases, {} given up; actions {} accepted, {} rejected\n",
                       r.lock->grants, r.lock->busy, r.lock->renewals, r.lock->releases, r.lock->given_up,
                       r.lock->actions_accepted, r.lock->actions_rejected);
  out += fmt::format("  fingerprint {}\n", fingerprint_hex(r.fingerprint));
  if (!r.pass || !r.violations.empty()) out += fmt::format("  replay: {}\n", replay_command(inv, r));
  return out;
}

nlohmann::json json_result(const Invocation& inv, const RunResult& r) {
  nlohmann::json violations = nlohmann::json::array();
  for (const auto& v : r.violations)
    violations.push_back({{"invariant", v.invariant},
                          {"step", v.step},
                          {"time_ms", to_ms(v.time_us)},
                          {"message", v.message},
                          {"evidence", v.evidence}});
  const auto& s = r.stats;
  nlohmann::json out = {
      {"scenario", r.scenario},
      {"file", inv.file},
      {"seed", r.seed},
      {"bug", r.bug ? nlohmann::json(*r.bug) : nlohmann::json(nullptr)},
      {"verdict", r.pass ? "pass" : "fail"},
      {"reason", r.verdict_reason},
      {"outcome", to_string(r.outcome)},
      {"violations", violations},
      {"liveness", {{"checked", r.liveness_checked}, {"ok", r.liveness_ok}, {"message", r.liveness_message}}},
      {"linearizability", r.linearizability.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.linearizability)},
      {"shards", [&] {
         nlohmann::json groups = nlohmann::json::array();
         for (const auto& g : r.shards) {
           std::vector<std::string> members;
           for (NodeId n : g.members) members.push_back(node_name(n));
           groups.push_back({{"group", g.group},
                          {"members", members},
                          {"chosen_slots", g.chosen_slots},
                          {"messages_sent", g.messages_sent},
                          {"messages_per_chosen_slot",
                           g.chosen_slots ? static_cast<double>(g.messages_sent) / static_cast<double>(g.chosen_slots)
                                          : 0.0}});
         }
         return groups;
       }()},
      {"lock", !r.lock ? nlohmann::json(nullptr)
                       : nlohmann::json{{"grants", r.lock->grants},
                                        {"busy", r.lock->busy},
                                        {"renewals", r.lock->renewals},
                                        {"releases", r.lock->releases},
                                        {"given_up", r.lock->given_up},
                                        {"actions_accepted", r.lock->actions_accepted},
                                        {"actions_rejected", r.lock->actions_rejected}}},
      {"stats",
       {{"steps", s.steps},
        {"sim_time_ms", to_ms(r.sim_time_us)},
        {"messages_sent", s.messages_sent},
        {"messages_delivered", s.messages_delivered},
        {"messages_dropped", s.messages_dropped},
        {"messages_duplicated", s.messages_duplicated},
        {"records_persisted", s.records_persisted},
        {"decided_slots", r.decided_slots},
        {"client_ops_completed", s.client_ops_completed},
        {"crashes", s.crashes},
        {"sent_by_kind", [&] {
           nlohmann::json k = nlohmann::json::object();
           for (int i = 0; i < k_msg_kind_count; ++i)
             if (s.sent_by_kind[i]) k[std::string(to_string(static_cast<MsgKind>(i)))] = s.sent_by_kind[i];
           return k;
         }()},
        {"messages_per_chosen_slot",
         r.decided_slots ? static_cast<double>(s.messages_sent) / static_cast<double>(r.decided_slots) : 0.0}}},
      {"fingerprint", fingerprint_hex(r.fingerprint)},
      {"replay", replay_command(inv, r)},
  };
  if (r.schedule_unmatched) out["schedule_unmatched"] = *r.schedule_unmatched;  // /schedule/N: the run ended there
  return out;
}

}  // namespace paxsim::cli
