#include "cli/trace_convert.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace paxsim::cli {

using nlohmann::json;

namespace {

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

std::string ms_text(Time_us t) { return fmt::format("{:.3f}ms", static_cast<double>(t) / 1000.0); }

// What a step sent, briefly: "sent prepare->n2, prepare->n3 (dropped)".
std::string sends_text(const TraceModel& t, std::size_t index, const std::vector<std::vector<std::uint64_t>>& sent_by_step) {
  const auto& ids = sent_by_step[index];
  if (ids.empty()) return {};
  constexpr std::size_t k_listed_max = 8;
  std::string out = "; sent ";
  for (std::size_t i = 0; i < ids.size() && i < k_listed_max; ++i) {
    const TraceMessage& m = t.messages[ids[i] - 1];
    out += fmt::format("{}{}->{}{}", i ? ", " : "", m.type, t.lanes[m.to], m.dropped_at_send ? " (dropped)" : "");
  }
  if (ids.size() > k_listed_max) out += fmt::format(" and {} more", ids.size() - k_listed_max);
  return out;
}

std::vector<std::vector<std::uint64_t>> sends_by_step(const TraceModel& t) {
  std::vector<std::vector<std::uint64_t>> out(t.steps.size());
  for (const TraceMessage& m : t.messages) out[m.send_index].push_back(m.id);
  return out;
}

// Steps at one microsecond are spread 1 ns apart, in step order.
std::vector<std::int64_t> step_ns(const TraceModel& t) {
  std::vector<std::int64_t> ns(t.steps.size());
  std::int64_t rank = 0;
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    rank = i > 0 && t.steps[i].t_us == t.steps[i - 1].t_us ? std::min<std::int64_t>(rank + 1, 999) : 0;
    ns[i] = t.steps[i].t_us * 1000 + rank;
  }
  return ns;
}

json ts_us(std::int64_t ns) {
  if (ns % 1000 == 0) return ns / 1000;
  return static_cast<double>(ns) / 1000.0;
}

}  // namespace

std::string shiviz_regex() { return R"((?<host>\S*) (?<clock>{.*})\n(?<event>.*))"; }

std::string to_shiviz(const TraceModel& t) {
  std::vector<std::string> hosts = t.lanes;
  const std::size_t world = hosts.size();
  hosts.push_back("world");
  std::vector<std::vector<std::uint64_t>> clock(hosts.size(), std::vector<std::uint64_t>(hosts.size(), 0));
  std::vector<std::vector<std::uint64_t>> sent_clock(t.messages.size());
  const auto sent = sends_by_step(t);

  std::string out = shiviz_regex() + "\n\n";
  auto emit = [&](std::size_t host, const std::string& text) {
    out += hosts[host] + " {";
    bool first = true;
    for (std::size_t h = 0; h < hosts.size(); ++h) {
      if (!clock[host][h]) continue;
      out += fmt::format("{}\"{}\":{}", first ? "" : ", ", hosts[h], clock[host][h]);
      first = false;
    }
    out += "}\n" + one_line(text) + "\n";
  };
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    const TraceStep& s = t.steps[i];
    if (s.step == 0) {
      // Boot: one event per endpoint that sent something.
      std::vector<bool> done(hosts.size(), false);
      for (std::uint64_t id : sent[i]) {
        const auto h = static_cast<std::size_t>(t.messages[id - 1].from);
        if (!done[h]) {
          done[h] = true;
          ++clock[h][h];
          emit(h, fmt::format("#0 {} {} boots{}", ms_text(s.t_us), hosts[h], sends_text(t, i, sent)));
        }
        sent_clock[id - 1] = clock[h];
      }
      continue;
    }
    const std::size_t h = s.lane == k_no_lane ? world : static_cast<std::size_t>(s.lane);
    ++clock[h][h];
    if (s.kind == "deliver" && s.line["msg"].contains("id")) {
      const auto& from = sent_clock[s.line["msg"]["id"].get<std::uint64_t>() - 1];
      for (std::size_t k = 0; k < hosts.size() && k < from.size(); ++k) clock[h][k] = std::max(clock[h][k], from[k]);
    }
    std::string text = fmt::format("#{} {} {}{}", s.step, ms_text(s.t_us), describe_trace_step(t, s), sends_text(t, i, sent));
    for (const json& v : t.violations)
      if (v.value("step", std::uint64_t{0}) == s.step)
        text += fmt::format(" | VIOLATION {}: {}", v.value("invariant", ""), v.value("message", ""));
    emit(h, text);
    for (std::uint64_t id : sent[i]) {
      const auto from = static_cast<std::size_t>(t.messages[id - 1].from);
      sent_clock[id - 1] = clock[from];
    }
  }
  return out;
}

const char* to_string(LaneInterval::Kind k) {
  switch (k) {
    case LaneInterval::Kind::down: return "down";
    case LaneInterval::Kind::paused: return "paused";
    case LaneInterval::Kind::isolated: return "isolated";
    case LaneInterval::Kind::links_down: return "links_down";
  }
  return "?";
}

std::vector<LaneInterval> lane_intervals(const TraceModel& t) {
  std::vector<LaneInterval> out;
  const std::size_t end = t.steps.size();
  // Down and paused, from the node states.
  constexpr std::size_t k_none = static_cast<std::size_t>(-1);
  for (std::uint32_t n = 0; n < t.nodes; ++n) {
    std::size_t down_from = k_none, paused_from = k_none;
    for (const TraceNodeState& st : t.states[n]) {
      const bool up = st.state.value("up", true);
      const bool paused = up && st.state.value("paused", false);
      if (!up && down_from == k_none) down_from = st.step_index;
      if (up && down_from != k_none) {
        out.push_back({static_cast<int>(n), down_from, st.step_index, LaneInterval::Kind::down, ""});
        down_from = k_none;
      }
      if (paused && paused_from == k_none) paused_from = st.step_index;
      if (!paused && paused_from != k_none) {
        out.push_back({static_cast<int>(n), paused_from, st.step_index, LaneInterval::Kind::paused, ""});
        paused_from = k_none;
      }
    }
    if (down_from != k_none) out.push_back({static_cast<int>(n), down_from, end, LaneInterval::Kind::down, ""});
    if (paused_from != k_none) out.push_back({static_cast<int>(n), paused_from, end, LaneInterval::Kind::paused, ""});
  }
  // Links, from the network pictures: a lane that cannot exchange messages
  // with a majority of nodes (itself included) is isolated; one with some
  // links down otherwise is shaded lighter.
  const std::size_t lanes = t.lanes.size();
  std::vector<std::optional<std::pair<std::size_t, std::string>>> open(lanes);
  std::vector<int> open_kind(lanes, -1);
  auto close = [&](std::size_t e, std::size_t at) {
    if (!open[e]) return;
    out.push_back({static_cast<int>(e), open[e]->first, at, static_cast<LaneInterval::Kind>(open_kind[e]),
                   "cannot reach " + open[e]->second});
    open[e].reset();
    open_kind[e] = -1;
  };
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    const json& j = t.steps[i].line;
    auto it = j.find("unreachable");
    if (it == j.end()) continue;
    std::vector<std::vector<bool>> blocked(lanes, std::vector<bool>(lanes, false));
    for (const auto& [from, tos] : it->items()) {
      const int f = t.lane(from);
      if (f < 0) continue;
      for (const json& to : tos)
        if (const int k = t.lane(to.get<std::string>()); k >= 0) blocked[f][k] = true;
    }
    // First who is isolated; then the lighter shade only for a lane with a
    // link down to a lane that is not isolated (a lane that merely cannot
    // reach an isolated one is not shaded: the isolated one is).
    std::vector<bool> isolated(lanes, false);
    for (std::size_t e = 0; e < lanes; ++e) {
      std::uint32_t reach = 0;
      for (std::size_t m = 0; m < t.nodes; ++m)
        if (m == e || (!blocked[e][m] && !blocked[m][e])) ++reach;
      isolated[e] = reach < t.nodes / 2 + 1;
    }
    for (std::size_t e = 0; e < lanes; ++e) {
      bool any = false;
      std::string note;
      for (std::size_t m = 0; m < lanes; ++m) {
        if (!blocked[e][m] && !blocked[m][e]) continue;
        any = any || !isolated[m] || isolated[e];
        note += fmt::format("{}{}{}", note.empty() ? "" : " ",
                            blocked[e][m] && blocked[m][e] ? "<->" : (blocked[e][m] ? "->" : "<-"), t.lanes[m]);
      }
      const int kind = isolated[e] ? static_cast<int>(LaneInterval::Kind::isolated)
                       : any       ? static_cast<int>(LaneInterval::Kind::links_down)
                                   : -1;
      if (open[e] && (kind != open_kind[e] || note != open[e]->second)) close(e, i);
      if (kind >= 0 && !open[e]) {
        open[e] = std::make_pair(i, note);
        open_kind[e] = kind;
      }
    }
  }
  for (std::size_t e = 0; e < lanes; ++e) close(e, end);
  std::stable_sort(out.begin(), out.end(), [](const LaneInterval& a, const LaneInterval& b) {
    return a.from != b.from ? a.from < b.from : a.lane < b.lane;
  });
  return out;
}

std::string to_chrome(const TraceModel& t) {
  // Events are written as they are made: a large trace has hundreds of thousands.
  std::string body;
  bool first_event = true;
  auto emit = [&](const json& e) {
    if (!first_event) body += ",\n";
    first_event = false;
    body += e.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  const int world_tid = 0;
  auto tid = [&](int lane) { return lane == k_no_lane ? world_tid : lane + 1; };
  emit({{"ph", "M"}, {"pid", 1}, {"tid", world_tid}, {"name", "process_name"},
                {"args", {{"name", fmt::format("paxsim {} seed {}", t.scenario, t.seed)}}}});
  emit({{"ph", "M"}, {"pid", 1}, {"tid", world_tid}, {"name", "thread_name"}, {"args", {{"name", "world"}}}});
  emit({{"ph", "M"}, {"pid", 1}, {"tid", world_tid}, {"name", "thread_sort_index"}, {"args", {{"sort_index", 0}}}});
  for (std::size_t l = 0; l < t.lanes.size(); ++l) {
    const int id = tid(static_cast<int>(l));
    emit({{"ph", "M"}, {"pid", 1}, {"tid", id}, {"name", "thread_name"},
                  {"args", {{"name", l < t.nodes ? t.lanes[l] : t.lanes[l] + " (client)"}}}});
    emit({{"ph", "M"}, {"pid", 1}, {"tid", id}, {"name", "thread_sort_index"}, {"args", {{"sort_index", id}}}});
  }

  const auto ns = step_ns(t);
  const auto sent = sends_by_step(t);
  // Each step is a slice on its lane's track, long enough to click on but
  // never overlapping the next slice of the same track.
  constexpr std::int64_t k_slice_ns_max = 100'000;
  std::vector<std::int64_t> next_on_track(t.steps.size(), 0);
  {
    std::map<int, std::int64_t> later;  // track -> ts of the next slice on it
    for (std::size_t i = t.steps.size(); i-- > 0;) {
      const int track = tid(t.steps[i].lane);
      auto it = later.find(track);
      next_on_track[i] = it == later.end() ? ns[i] + k_slice_ns_max : it->second;
      later[track] = ns[i];
    }
  }
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    const TraceStep& s = t.steps[i];
    const std::int64_t dur = std::clamp<std::int64_t>(next_on_track[i] - ns[i], 1, k_slice_ns_max);
    json args = {{"step", s.step}, {"t_ms", static_cast<double>(s.t_us) / 1000.0}, {"what", describe_trace_step(t, s)}};
    if (s.line.contains("state")) args["state"] = s.line["state"];
    std::string name = s.kind;
    if (s.kind == "deliver" || s.kind == "lost") name += " " + s.line["msg"].value("type", "");
    else if (s.kind == "timer") name += " " + s.line.value("timer", "");
    else if (s.kind == "durable") name += " " + s.line["record"].value("type", "");
    else if (s.kind == "fault" || s.kind == "nemesis") name += " " + s.line.value("action", "");
    if (s.step == 0) {
      // Boot: a slice on every lane that sent something.
      std::vector<bool> done(t.lanes.size(), false);
      for (std::uint64_t id : sent[i]) {
        const int from = t.messages[id - 1].from;
        if (done[from]) continue;
        done[from] = true;
        emit({{"ph", "X"}, {"pid", 1}, {"tid", tid(from)}, {"ts", ts_us(ns[i])}, {"dur", ts_us(1)},
                      {"name", "boot"}, {"cat", "start"}, {"args", args}});
      }
      continue;
    }
    emit({{"ph", "X"}, {"pid", 1}, {"tid", tid(s.lane)}, {"ts", ts_us(ns[i])}, {"dur", ts_us(dur)},
                  {"name", name}, {"cat", s.kind}, {"args", args}});
    if (s.kind == "fault" || s.kind == "nemesis") {
      if (!s.line.value("did_nothing", false))
        emit({{"ph", "i"}, {"pid", 1}, {"tid", tid(s.lane)}, {"ts", ts_us(ns[i])},
                      {"s", s.lane == k_no_lane ? "g" : "t"}, {"name", describe_trace_step(t, s)}, {"cat", "fault"}});
    }
    for (const json& v : t.violations)
      if (v.value("step", std::uint64_t{0}) == s.step)
        emit({{"ph", "i"}, {"pid", 1}, {"tid", world_tid}, {"ts", ts_us(ns[i])}, {"s", "g"},
                      {"name", "VIOLATION " + v.value("invariant", "")}, {"cat", "violation"},
                      {"args", {{"message", v.value("message", "")}, {"evidence", v.value("evidence", json::array())}}}});
  }
  // Messages: a flow from the sending slice to each arrival.
  std::uint64_t flow = 0;
  for (const TraceMessage& m : t.messages) {
    const int send_track = t.steps[m.send_index].lane == k_no_lane || t.steps[m.send_index].step == 0
                               ? tid(m.from)
                               : tid(t.steps[m.send_index].lane);
    const std::string label = describe_trace_message(m.body);
    if (m.dropped_at_send) {
      emit({{"ph", "i"}, {"pid", 1}, {"tid", send_track}, {"ts", ts_us(ns[m.send_index])}, {"s", "t"},
                    {"name", "dropped at send: " + label}, {"cat", "dropped"}});
      continue;
    }
    for (const TraceArrival& a : m.arrivals) {
      ++flow;
      const std::string name = a.lost ? fmt::format("{} (lost: {})", m.type, a.reason) : m.type;
      emit({{"ph", "s"}, {"pid", 1}, {"tid", send_track}, {"ts", ts_us(ns[m.send_index])}, {"id", flow},
                    {"name", name}, {"cat", "message"}, {"args", {{"message", label}, {"id", m.id}}}});
      emit({{"ph", "f"}, {"bp", "e"}, {"pid", 1}, {"tid", tid(m.to)}, {"ts", ts_us(ns[a.step_index])},
                    {"id", flow}, {"name", name}, {"cat", "message"}});
    }
  }
  // Spans: down, paused, links down.
  std::uint64_t span = 0;
  for (const LaneInterval& iv : lane_intervals(t)) {
    ++span;
    const std::int64_t from = ns[iv.from];
    const std::int64_t to = iv.to < ns.size() ? ns[iv.to] : (ns.empty() ? 0 : ns.back() + 1);
    const std::string name = fmt::format("{} {}", t.lanes[iv.lane], to_string(iv.kind));
    json args = iv.note.empty() ? json::object() : json{{"links", iv.note}};
    emit({{"ph", "b"}, {"pid", 1}, {"tid", tid(iv.lane)}, {"ts", ts_us(from)}, {"id", span}, {"name", name},
                  {"cat", to_string(iv.kind)}, {"args", args}});
    emit({{"ph", "e"}, {"pid", 1}, {"tid", tid(iv.lane)}, {"ts", ts_us(to)}, {"id", span}, {"name", name},
                  {"cat", to_string(iv.kind)}});
  }

  json other = {{"scenario", t.scenario}, {"seed", t.seed}, {"protocol", t.protocol},
                {"bug", t.bug ? json(*t.bug) : json(nullptr)}};
  if (t.end) {
    other["verdict"] = t.end->value("verdict", "");
    other["outcome"] = t.end->value("outcome", "");
  }
  std::string out = "{\"displayTimeUnit\":\"ms\",\"otherData\":" + other.dump() + ",\"traceEvents\":[\n";
  out += body;
  out += "\n]}\n";
  return out;
}

}  // namespace paxsim::cli
