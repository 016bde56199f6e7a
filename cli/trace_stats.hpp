// `paxsim stats TRACE`: figures computed from a trace. Messages per decision,
// latency of client operations (kv) or of proposals (synod), leader changes,
// bytes persisted, messages by kind.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/trace_read.hpp"

namespace paxsim::cli {

struct LatencyStats {
  std::uint64_t count = 0;  // operations answered
  Time_us p50_us = 0, p99_us = 0, max_us = 0;  // nearest rank
  double mean_us = 0;
};

struct KindCounts {
  std::uint64_t sent = 0, delivered = 0, lost = 0, dropped_at_send = 0;
};

struct TraceStats {
  std::uint64_t steps = 0;
  Time_us sim_time_us = 0;
  std::uint64_t messages_sent = 0, delivered = 0, lost = 0, dropped_at_send = 0, duplicates = 0, never_arrived = 0;
  std::map<std::string, KindCounts> by_kind;
  std::uint64_t decided_slots = 0;  // chosen slots (the end line's count; else slots learned)
  double messages_per_decision = 0;  // messages sent / decided slots (0 when none)
  std::string operations;            // "client operations" (kv) or "proposals" (synod)
  std::uint64_t ops_issued = 0, ops_answered = 0, ops_dropped = 0;
  LatencyStats latency;
  std::uint64_t leaders_elected = 0;  // distinct (node, ballot) that led
  std::uint64_t leader_changes = 0;   // the highest-ballot leader became another node or ballot
  std::uint64_t records_persisted = 0, bytes_persisted = 0;
  std::uint64_t crashes = 0, restarts = 0, pauses = 0, partitions = 0, cuts = 0;
  std::uint64_t violations = 0;
};

TraceStats compute_stats(const TraceModel& t);
std::string stats_text(const TraceModel& t, const TraceStats& s);
nlohmann::json stats_json(const TraceStats& s);

// Nearest-rank percentile of sorted values (q in (0, 1]); 0 when empty.
Time_us percentile(const std::vector<Time_us>& sorted, double q);

}  // namespace paxsim::cli
