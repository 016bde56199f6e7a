#include "cli/trace_stats.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <set>
#include <unordered_map>

namespace paxsim::cli {

using nlohmann::json;

Time_us percentile(const std::vector<Time_us>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

TraceStats compute_stats(const TraceModel& t) {
  TraceStats s;
  s.operations = t.protocol == "synod" ? "proposals" : "client operations";
  for (const TraceStep& st : t.steps) {
    if (st.step > 0) ++s.steps;
    s.sim_time_us = std::max(s.sim_time_us, st.t_us);
  }
  for (const TraceMessage& m : t.messages) {
    KindCounts& k = s.by_kind[m.type];
    ++s.messages_sent;
    ++k.sent;
    if (m.dropped_at_send) {
      ++s.dropped_at_send;
      ++k.dropped_at_send;
      continue;
    }
    if (m.arrivals.empty()) ++s.never_arrived;
    for (const TraceArrival& a : m.arrivals) {
      if (a.dup) ++s.duplicates;
      if (a.lost) {
        ++s.lost;
        ++k.lost;
      } else {
        ++s.delivered;
        ++k.delivered;
      }
    }
  }

  // Requests: latency from open to done, by id.
  std::unordered_map<std::uint64_t, Time_us> opened;
  std::vector<Time_us> latencies;
  std::set<std::uint64_t> learned_slots;
  // Leaders: each node's (leads, ballot); the leader is the up node leading
  // with the highest ballot.
  std::vector<json> lead(t.nodes);  // lead_ballot or null
  std::set<std::pair<std::string, std::string>> elected;
  json leader = nullptr;  // [node, ballot] of the current leader
  for (const TraceStep& st : t.steps) {
    const json& j = st.line;
    if (auto it = j.find("requests"); it != j.end()) {
      for (const json& r : *it) {
        const auto id = r.at("id").get<std::uint64_t>();
        const std::string ev = r.at("event").get<std::string>();
        if (ev == "open") {
          ++s.ops_issued;
          opened[id] = st.t_us;
        } else if (ev == "done") {
          if (auto o = opened.find(id); o != opened.end()) {
            latencies.push_back(st.t_us - o->second);
            opened.erase(o);
            ++s.ops_answered;
          }
        } else if (ev == "dropped") {
          if (opened.erase(id)) ++s.ops_dropped;
        }
      }
    }
    if (auto it = j.find("learned"); it != j.end())
      for (const json& l : *it) learned_slots.insert(l.at("slot").get<std::uint64_t>());
    if (st.kind == "durable") {
      ++s.records_persisted;
      s.bytes_persisted += j["record"].value("bytes", std::uint64_t{0});
    }
    if (st.kind == "fault" || st.kind == "nemesis") {
      if (!j.value("did_nothing", false)) {
        const std::string a = j.value("action", "");
        if (a == "crash") ++s.crashes;
        else if (a == "restart") ++s.restarts;
        else if (a == "pause") ++s.pauses;
        else if (a == "partition") ++s.partitions;
        else if (a == "cut") ++s.cuts;
      }
    }
    if (auto it = j.find("state"); it != j.end()) {
      bool changed = false;
      for (const auto& [node, state] : it->items()) {
        const int n = t.lane(node);
        if (n < 0 || n >= static_cast<int>(t.nodes)) continue;
        const bool leads = state.value("up", false) && state.value("leads", false) && !state.value("paused", false);
        json b = leads ? state.at("lead_ballot") : json(nullptr);
        if (leads) elected.insert({node, b.dump()});
        if (lead[n] != b) {
          lead[n] = b;
          changed = true;
        }
      }
      if (changed) {
        // Ballots are [round, node]: compared as arrays, lexicographically.
        json best = nullptr;
        int who = -1;
        for (std::uint32_t n = 0; n < t.nodes; ++n)
          if (!lead[n].is_null() && (best.is_null() || lead[n] > best)) {
            best = lead[n];
            who = static_cast<int>(n);
          }
        if (who >= 0) {
          json now = json::array({t.lanes[who], best});
          if (!leader.is_null() && leader != now) ++s.leader_changes;
          leader = now;
        }
      }
    }
  }
  s.leaders_elected = elected.size();
  std::sort(latencies.begin(), latencies.end());
  s.latency.count = latencies.size();
  if (!latencies.empty()) {
    s.latency.p50_us = percentile(latencies, 0.50);
    s.latency.p99_us = percentile(latencies, 0.99);
    s.latency.max_us = latencies.back();
    double sum = 0;
    for (Time_us l : latencies) sum += static_cast<double>(l);
    s.latency.mean_us = sum / static_cast<double>(latencies.size());
  }
  if (t.end && t.end->contains("decided_slots")) s.decided_slots = (*t.end)["decided_slots"].get<std::uint64_t>();
  else s.decided_slots = learned_slots.size();
  if (t.end && t.end->contains("sim_time_us")) s.sim_time_us = (*t.end)["sim_time_us"].get<Time_us>();
  s.messages_per_decision =
      s.decided_slots ? static_cast<double>(s.messages_sent) / static_cast<double>(s.decided_slots) : 0.0;
  s.violations = t.violations.size();
  return s;
}

static std::string ms(Time_us us) { return fmt::format("{:.3f} ms", static_cast<double>(us) / 1000.0); }

std::string stats_text(const TraceModel& t, const TraceStats& s) {
  std::string out;
  out += fmt::format("{}  seed {}{}  ({})\n", t.scenario, t.seed, t.bug ? " bug " + *t.bug : std::string(), t.protocol);
  out += fmt::format("  steps {}  sim time {}\n", s.steps, ms(s.sim_time_us));
  out += fmt::format("  decided slots {}  messages per decision {:.1f}\n", s.decided_slots, s.messages_per_decision);
  out += fmt::format("  {}: {} issued, {} answered, {} dropped\n", s.operations, s.ops_issued, s.ops_answered,
                     s.ops_dropped);
  if (s.latency.count)
    out += fmt::format("  latency of {}: p50 {}  p99 {}  max {}  (mean {})\n", s.operations, ms(s.latency.p50_us),
                       ms(s.latency.p99_us), ms(s.latency.max_us), ms(static_cast<Time_us>(s.latency.mean_us)));
  out += fmt::format("  leaders elected {}  leader changes {}\n", s.leaders_elected, s.leader_changes);
  out += fmt::format("  records persisted {}  bytes persisted {}\n", s.records_persisted, s.bytes_persisted);
  out += fmt::format("  faults: crashes {}  restarts {}  pauses {}  partitions {}  cuts {}\n", s.crashes, s.restarts,
                     s.pauses, s.partitions, s.cuts);
  out += fmt::format("  messages sent {}  delivered {}  lost {}  dropped at send {}  duplicates {}  never arrived {}\n",
                     s.messages_sent, s.delivered, s.lost, s.dropped_at_send, s.duplicates, s.never_arrived);
  out += fmt::format("  {:<16} {:>8} {:>10} {:>8} {:>8}\n", "kind", "sent", "delivered", "lost", "dropped");
  for (const auto& [kind, k] : s.by_kind)
    out += fmt::format("  {:<16} {:>8} {:>10} {:>8} {:>8}\n", kind, k.sent, k.delivered, k.lost, k.dropped_at_send);
  if (s.violations) out += fmt::format("  violations {}\n", s.violations);
  return out;
}

json stats_json(const TraceStats& s) {
  json kinds = json::object();
  for (const auto& [kind, k] : s.by_kind)
    kinds[kind] = {{"sent", k.sent}, {"delivered", k.delivered}, {"lost", k.lost}, {"dropped_at_send", k.dropped_at_send}};
  return {{"steps", s.steps},
          {"sim_time_ms", static_cast<double>(s.sim_time_us) / 1000.0},
          {"decided_slots", s.decided_slots},
          {"messages_per_decision", s.messages_per_decision},
          {"messages",
           {{"sent", s.messages_sent},
            {"delivered", s.delivered},
            {"lost", s.lost},
            {"dropped_at_send", s.dropped_at_send},
            {"duplicates", s.duplicates},
            {"never_arrived", s.never_arrived},
            {"by_kind", kinds}}},
          {"operations",
           {{"what", s.operations},
            {"issued", s.ops_issued},
            {"answered", s.ops_answered},
            {"dropped", s.ops_dropped},
            {"latency_ms",
             {{"count", s.latency.count},
              {"p50", static_cast<double>(s.latency.p50_us) / 1000.0},
              {"p99", static_cast<double>(s.latency.p99_us) / 1000.0},
              {"max", static_cast<double>(s.latency.max_us) / 1000.0},
              {"mean", s.latency.mean_us / 1000.0}}}}},
          {"leaders", {{"elected", s.leaders_elected}, {"changes", s.leader_changes}}},
          {"persisted", {{"records", s.records_persisted}, {"bytes", s.bytes_persisted}}},
          {"faults",
           {{"crashes", s.crashes},
            {"restarts", s.restarts},
            {"pauses", s.pauses},
            {"partitions", s.partitions},
            {"cuts", s.cuts}}},
          {"violations", s.violations}};
}

}  // namespace paxsim::cli
