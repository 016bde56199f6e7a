#include "cli/mutate.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <set>
#include <tuple>
#include <vector>

#include "paxos/types.hpp"
#include "sim/rng.hpp"

namespace paxsim::cli {

using json = nlohmann::json;

namespace {

// ------------------------------------------------------------------ draws

// Three decimals: readable files, and a value that survives a JSON round trip.
double round3(double x) { return std::round(x * 1000.0) / 1000.0; }

double uniform(sim::Rng& r, double lo, double hi) { return lo + (hi - lo) * r.unit(); }

// Integer in [lo, hi].
std::uint64_t between(sim::Rng& r, std::uint64_t lo, std::uint64_t hi) { return lo + r.below(hi - lo + 1); }

// {key: value}, built directly. A JSON initializer list, {{key, value}},
// makes each pair an array first and then copies it into the object:
// several times the work, for every fault and distribution of every run.
json object_of(std::string_view key, json value) {
  json out(json::value_t::object);
  out[key] = std::move(value);
  return out;
}

json uniform_json(double lo, double hi) {
  json range(json::value_t::array);
  range.push_back(round3(lo));
  range.push_back(round3(hi));
  return object_of("uniform", std::move(range));
}

json exponential_json(double mean, double max) {
  json e = object_of("mean", round3(mean));
  e["max"] = round3(max);
  return object_of("exponential", std::move(e));
}

// The largest value a distribution gives (exponential without a cap: 10 means).
double dist_max(const sim::Distribution& d) {
  switch (d.kind) {
    case sim::Distribution::Kind::constant: return d.a;
    case sim::Distribution::Kind::uniform: return d.b;
    case sim::Distribution::Kind::exponential: return d.b > 0 ? d.b : 10 * d.a;
  }
  return d.a;
}

// A message delay distribution; returns its JSON and sets `max_ms`.
json draw_delay(sim::Rng& r, double& max_ms) {
  switch (r.below(3)) {
    case 0: {
      const double lo = round3(uniform(r, 0.1, 5));
      const double hi = round3(lo + uniform(r, 0, 45));
      max_ms = hi;
      return uniform_json(lo, hi);
    }
    case 1: {
      const double mean = round3(uniform(r, 1, 15));
      const double max = round3(mean * uniform(r, 3, 10));
      max_ms = max;
      return exponential_json(mean, max);
    }
    default: {
      const double c = round3(uniform(r, 0.5, 10));
      max_ms = c;
      return c;
    }
  }
}

json draw_fsync(sim::Rng& r) {
  if (r.chance(0.7)) {
    const double lo = round3(uniform(r, 0.05, 2));
    return uniform_json(lo, lo + uniform(r, 0, 15));
  }
  const double mean = round3(uniform(r, 0.2, 5));
  return exponential_json(mean, mean * uniform(r, 2, 6));
}

double draw_probability(sim::Rng& r, double max) { return round3(uniform(r, 0, max)); }

// ------------------------------------------------------------------ fault timeline

// {"action": action}, and {key: value} if given (object_of).
json fault_of(std::string_view action) { return object_of("action", action); }
json fault_of(std::string_view action, std::string_view key, json value) {
  json f = fault_of(action);
  f[key] = std::move(value);
  return f;
}
// A clock action: {"action": "clock", "node": node, "drift_ppm": drift_ppm}
// (a rate drawn is a double; 0, the undo, an integer, as the file says it).
json clock_fault(std::string node, json drift_ppm) {
  json f = fault_of("clock", "node", std::move(node));
  f["drift_ppm"] = std::move(drift_ppm);
  return f;
}

enum class EpisodeKind { crash, pause, leader_crash, leader_pause, partition, cut, network, clock, lease_attack };

// A node down from `start` until `end` (exclusive). `selector`: it was named
// "leader", so which node it is is known only at run time.
struct DownInterval {
  double start, end;
  bool crash;  // else pause
  bool selector;
  NodeId node;
};

// A fault action at a time; undos sort before new faults at one instant, so
// that a node restarted and another crashed at the same millisecond never
// count together.
struct Action {
  double at;
  bool undo;
  std::size_t seq;
  json fault;
};

class Generator {
 public:
  // `clocks`: the scenario uses time-based leases (leader leases, the lock
  // workload), so clock rates matter; they drift within max_drift_ppm.
  // `clock_r` draws the clock faults' rates, apart from `r`, so that the
  // clock faults' shapes do not shift any other draw. `drift_ppm_max`: the
  // run's params.max_drift_ppm; `lease_ms`: its leader_lease_ms (0: none).
  Generator(const sim::Scenario& s, sim::Rng& r, sim::Rng& clock_r, const MutateOptions& opt, std::uint32_t clients,
            bool clocks, double drift_ppm_max, double lease_ms)
      : r_(r), clock_r_(clock_r), opt_(opt), nodes_(s.nodes), clients_(clients), minority_((s.nodes - 1) / 2),
        clocks_(clocks), drift_ppm_max_(drift_ppm_max), lease_ms_(lease_ms) {}

  // Builds the timeline over [0, phase_ms]; `link` is the run's link model,
  // which network episodes restore.
  void build(double phase_ms, const json& link) {
    phase_ms_ = phase_ms;
    link_ = link;
    // Swarm testing: each run enables a random subset of the fault kinds.
    std::vector<EpisodeKind> kinds;
    if (minority_ > 0) {
      if (r_.chance(0.5)) kinds.push_back(EpisodeKind::crash);
      if (r_.chance(0.5)) kinds.push_back(EpisodeKind::pause);
      if (r_.chance(0.3)) kinds.push_back(EpisodeKind::leader_crash);
      if (r_.chance(0.2)) kinds.push_back(EpisodeKind::leader_pause);
    }
    if (nodes_ > 1) {
      if (r_.chance(0.5)) kinds.push_back(EpisodeKind::partition);
      if (r_.chance(0.4)) kinds.push_back(EpisodeKind::cut);
    }
    if (r_.chance(0.3)) kinds.push_back(EpisodeKind::network);
    if (clocks_ && drift_ppm_max_ > 0 && r_.chance(0.5)) kinds.push_back(EpisodeKind::clock);
    if (lease_ms_ > 0 && nodes_ > 2 && clock_r_.chance(0.5)) kinds.push_back(EpisodeKind::lease_attack);
    const bool nemesis = nodes_ > 1 && r_.chance(0.5);

    if (!kinds.empty()) {
      const std::uint64_t episodes = between(r_, 1, k_fuzz_episodes_max);
      for (std::uint64_t i = 0; i < episodes; ++i) add_episode(kinds[r_.below(kinds.size())]);
    }
    if (nemesis) add_nemesis();
  }

  json faults() {
    std::sort(actions_.begin(), actions_.end(), [](const Action& a, const Action& b) {
      return std::tie(a.at, b.undo, a.seq) < std::tie(b.at, a.undo, b.seq);
    });
    json out = json::array();
    for (Action& a : actions_) out.push_back(std::move(a.fault));
    return out;
  }
  const std::optional<json>& nemesis() const { return nemesis_; }

 private:
  // A start time in [0, phase): half the episodes lean early, where the
  // workload's first rounds are.
  double draw_start() {
    const double u = r_.unit();
    return std::floor(phase_ms_ * (r_.chance(0.5) ? u * u : u));
  }
  // An end after `start`, at most the end of the fault phase.
  double draw_end(double start) {
    const double d = r_.chance(0.5) ? uniform(r_, 5, 200) : uniform(r_, 50, 1000);
    return std::min(phase_ms_, std::floor(start + std::max(1.0, d)));
  }

  void action(double at, bool undo, json fault) {
    fault["at_ms"] = at;
    actions_.push_back(Action{at, undo, actions_.size(), std::move(fault)});
  }

  std::string node_name_of(std::uint32_t i) const { return fmt::format("n{}", i + 1); }
  std::string endpoint_name_of(std::uint32_t e) const {
    return e < nodes_ ? node_name_of(e) : fmt::format("c{}", e - nodes_ + 1);
  }

  // Most intervals in force at once over [start, end).
  std::uint32_t peak_over(double start, double end) const {
    std::vector<double> points = {start};
    for (const auto& d : down_)
      if (d.start > start && d.start < end) points.push_back(d.start);
    std::uint32_t peak = 0;
    for (double p : points) {
      std::uint32_t n = 0;
      for (const auto& d : down_) n += (d.start <= p && p < d.end) ? 1 : 0;
      peak = std::max(peak, n);
    }
    return peak;
  }

  // Whether a down interval fits: never more than a minority down at once; a
  // node down at most once at a time; a "leader" interval overlaps no other
  // interval of its class (its undo names "random", which must find it).
  bool fits(double start, double end, bool crash, bool selector, NodeId node) const {
    if (peak_over(start, end) + 1 > minority_) return false;
    for (const auto& d : down_) {
      if (!(d.start < end && start < d.end)) continue;
      if (!selector && !d.selector && d.node == node) return false;
      if (d.crash == crash && (selector || d.selector)) return false;
    }
    return true;
  }

  void add_episode(EpisodeKind kind) {
    const double start = draw_start();
    const double end = draw_end(start);
    if (end <= start) return;
    switch (kind) {
      case EpisodeKind::crash:
      case EpisodeKind::pause: {
        const bool crash = kind == EpisodeKind::crash;
        std::vector<NodeId> free;
        for (NodeId n = 0; n < nodes_; ++n)
          if (fits(start, end, crash, false, n)) free.push_back(n);
        if (free.empty()) return;
        const NodeId n = free[r_.below(free.size())];
        down_.push_back({start, end, crash, false, n});
        if (crash) {
          action(start, false, fault_of("crash", "node", node_name_of(n)));
          json restart = fault_of("restart", "node", node_name_of(n));
          if (opt_.allow_wipe && r_.chance(0.2)) restart["disk"] = "wiped";
          action(end, true, std::move(restart));
        } else {
          action(start, false, fault_of("pause", "node", node_name_of(n)));
          action(end, true, fault_of("resume", "node", node_name_of(n)));
        }
        return;
      }
      case EpisodeKind::leader_crash:
      case EpisodeKind::leader_pause: {
        const bool crash = kind == EpisodeKind::leader_crash;
        if (!fits(start, end, crash, true, 0)) return;
        down_.push_back({start, end, crash, true, 0});
        (crash ? leader_crash_ : leader_pause_) = true;
        action(start, false, fault_of(crash ? "crash" : "pause", "node", "leader"));
        action(end, true, fault_of(crash ? "restart" : "resume", "node", "random"));
        return;
      }
      case EpisodeKind::partition:
        action(start, false, fault_of("partition", "groups", draw_groups()));
        action(end, true, fault_of("heal"));
        return;
      case EpisodeKind::cut: {
        json cut = fault_of("cut");
        draw_cut(cut);
        action(start, false, std::move(cut));
        action(end, true, fault_of("heal"));
        return;
      }
      case EpisodeKind::clock: {
        // A node's clock runs fast or slow within the bound, then right again;
        // one such episode per node at a time.
        const auto n = static_cast<NodeId>(r_.below(nodes_));
        for (const auto& c : clock_)
          if (c.node == n && c.start < end && start < c.end) return;
        const double max = std::min(drift_ppm_max_, 999999.0);
        if (clock_r_.chance(0.4)) {
          add_clock_split(start, end, max);
          return;
        }
        clock_.push_back({start, end, false, false, n});
        // Half the rates at the bound itself, where a missing margin shows.
        const double rate = clock_r_.chance(0.5) ? (clock_r_.chance(0.5) ? max : -max) : uniform(clock_r_, -max, max);
        action(start, false, clock_fault(node_name_of(n), std::round(rate)));
        action(end, true, clock_fault(node_name_of(n), 0));
        return;
      }
      case EpisodeKind::lease_attack: add_lease_attack(start); return;
      case EpisodeKind::network: {
        json change = fault_of("network");
        json restore = fault_of("network");
        if (r_.chance(0.6)) {
          change["drop"] = draw_probability(r_, k_fuzz_drop_max);
          restore["drop"] = link_.value("drop", 0.0);
        }
        if (r_.chance(0.4)) {
          change["duplicate"] = draw_probability(r_, k_fuzz_duplicate_max);
          restore["duplicate"] = link_.value("duplicate", 0.0);
        }
        if (change.size() == 1 || r_.chance(0.4)) {
          double max_ms = 0;
          change["delay_ms"] = draw_delay(r_, max_ms);
          restore["delay_ms"] = link_.at("delay_ms");
        }
        action(start, false, std::move(change));
        action(end, true, std::move(restore));
        return;
      }
    }
  }

  // The worst clocks a lease must survive: every clock at the fast bound, then
  // the leader's at the slow one (its lease looks longer to it than to those
  // that granted it), until every clock runs right again. It takes every
  // node's clock for the interval (false: another clock episode is there).
  bool add_clock_split(double start, double end, double max) {
    for (const auto& c : clock_)
      if (c.start < end && start < c.end) return false;
    for (NodeId n = 0; n < nodes_; ++n) {
      clock_.push_back({start, end, false, false, n});
      action(start, false, clock_fault(node_name_of(n), std::round(max)));
    }
    action(start, false, clock_fault("leader", -std::round(max)));
    for (NodeId n = 0; n < nodes_; ++n)
      action(end, true, clock_fault(node_name_of(n), 0));
    return true;
  }

  // Jepsen's pairing for leases: the clocks at their worst (add_clock_split),
  // and the leader of the moment cut off from every other node for about a
  // lease or more, with some clients on its side, some on the majority's
  // and some reaching both. A lease that is too long for the drift shows
  // there: a new leader commits writes while the old one still reads alone.
  void add_lease_attack(double start) {
    // Not before the first leader holds a lease: nodes refuse promises for a
    // whole lease after they start.
    start = std::max(start, std::floor(lease_ms_ * uniform(clock_r_, 1, 1.5)));
    const double end = std::min(phase_ms_, std::floor(start + lease_ms_ * uniform(clock_r_, 1, 3) + uniform(clock_r_, 0, 300)));
    const double cut_at = std::floor(start + uniform(clock_r_, 0, 20));
    if (end <= cut_at) return;
    add_clock_split(start, end, std::min(drift_ppm_max_, 999999.0));
    json alone = json::array({"leader"}), rest = json::array();
    for (NodeId n = 0; n < nodes_; ++n) rest.push_back(node_name_of(n));
    for (std::uint32_t c = 0; c < clients_; ++c) {
      const std::uint64_t side = clock_r_.below(10);
      if (side < 4) alone.push_back(endpoint_name_of(nodes_ + c));
      else if (side < 7) rest.push_back(endpoint_name_of(nodes_ + c));
    }
    action(cut_at, false, fault_of("partition", "groups", json::array({alone, rest})));
    action(end, true, fault_of("heal"));
  }

  // Two or three groups of nodes (sometimes one node left out: it reaches
  // nobody); each client joins a group or none (then it reaches every node in
  // a group).
  json draw_groups() {
    std::vector<std::uint32_t> order(nodes_);
    for (std::uint32_t i = 0; i < nodes_; ++i) order[i] = i;
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[r_.below(i + 1)]);
    std::size_t members = nodes_;
    if (nodes_ > 2 && r_.chance(0.2)) --members;  // the last one in `order` is isolated
    const std::size_t groups = members >= 3 && r_.chance(0.25) ? 3 : 2;
    std::vector<std::vector<std::string>> g(groups);
    for (std::size_t i = 0; i < members; ++i)
      g[i < groups ? i : r_.below(groups)].push_back(node_name_of(order[i]));  // each group non-empty
    for (std::uint32_t c = 0; c < clients_; ++c)
      if (r_.chance(0.7)) g[r_.below(groups)].push_back(endpoint_name_of(nodes_ + c));
    json out = json::array();
    for (auto& grp : g) out.push_back(grp);
    return out;
  }

  // A one-way cut: a deaf node, a mute node, one link, or set to set.
  void draw_cut(json& cut) {
    const std::uint32_t endpoints = nodes_ + clients_;
    const auto x = static_cast<std::uint32_t>(r_.below(nodes_));
    switch (r_.below(4)) {
      case 0:
        cut["from"] = "*";
        cut["to"] = json::array({node_name_of(x)});
        return;
      case 1:
        cut["from"] = json::array({node_name_of(x)});
        cut["to"] = "*";
        return;
      case 2: {
        auto y = static_cast<std::uint32_t>(r_.below(endpoints - 1));
        if (y >= x) ++y;
        cut["from"] = json::array({node_name_of(x)});
        cut["to"] = json::array({endpoint_name_of(y)});
        if (r_.chance(0.5)) std::swap(cut["from"], cut["to"]);
        return;
      }
      default: {
        json from = json::array(), to = json::array();
        for (std::uint32_t e = 0; e < endpoints; ++e) {
          const auto side = r_.below(3);
          if (side == 0) from.push_back(endpoint_name_of(e));
          if (side == 1) to.push_back(endpoint_name_of(e));
        }
        // (An endpoint on both sides cuts only its messages to itself, which are never lost.)
        if (from.empty()) from.push_back(node_name_of(x));
        if (to.empty()) to.push_back(node_name_of((x + 1) % nodes_));
        cut["from"] = std::move(from);
        cut["to"] = std::move(to);
        return;
      }
    }
  }

  void add_nemesis() {
    const double from = std::floor(uniform(r_, 0, phase_ms_ / 3));
    if (phase_ms_ - from < 200) return;
    const double until = std::floor(uniform(r_, from + 200, phase_ms_));
    std::vector<std::string> actions;
    for (const char* a : {"partition", "cut", "crash", "pause"})
      if (r_.chance(0.6)) actions.push_back(a);
    if (clocks_ && drift_ppm_max_ > 0 && r_.chance(0.6)) actions.push_back("clock");
    if (actions.empty()) actions.push_back(r_.chance(0.5) ? "partition" : "crash");
    // The nemesis's "max_down" counts every node down, the timeline's too, but
    // the timeline may strike after it: so it gets what the timeline leaves.
    const std::uint32_t peak = peak_over(-1, phase_ms_ + 1);
    const std::uint32_t max_down = minority_ > peak ? minority_ - peak : 0;
    // Restart/resume "random" in the timeline must find its own node, not one
    // the nemesis took down.
    std::erase_if(actions, [&](const std::string& a) {
      if (a == "crash") return leader_crash_ || max_down == 0;
      if (a == "pause") return leader_pause_ || max_down == 0;
      return false;
    });
    if (actions.empty()) return;
    const double interval_lo = uniform(r_, 10, 100);
    const double duration_lo = uniform(r_, 10, 100);
    json n = object_of("from_ms", from);
    n["until_ms"] = until;
    n["interval_ms"] = uniform_json(interval_lo, interval_lo + uniform(r_, 10, 300));
    n["duration_ms"] = uniform_json(duration_lo, duration_lo + uniform(r_, 10, 500));
    n["actions"] = actions;
    if (std::find(actions.begin(), actions.end(), "crash") != actions.end() ||
        std::find(actions.begin(), actions.end(), "pause") != actions.end())
      n["max_down"] = max_down;
    nemesis_ = std::move(n);
  }

  sim::Rng& r_;
  sim::Rng& clock_r_;
  const MutateOptions& opt_;
  std::uint32_t nodes_, clients_, minority_;
  double phase_ms_ = 0;
  json link_;
  bool clocks_;
  double drift_ppm_max_;
  double lease_ms_;
  std::vector<DownInterval> down_;
  std::vector<DownInterval> clock_;  // clock episodes (node and time only)
  std::vector<Action> actions_;
  std::optional<json> nemesis_;
  bool leader_crash_ = false, leader_pause_ = false;
};

// `j` with each non-negative integer unsigned, as json::parse types one.
void as_parsed(json& j) {
  switch (j.type()) {
    case json::value_t::object:
    case json::value_t::array:
      for (json& e : j) as_parsed(e);
      return;
    case json::value_t::number_integer:
      if (const auto i = j.get<std::int64_t>(); i >= 0) j = static_cast<std::uint64_t>(i);
      return;
    default: return;
  }
}

// The fault phase's typical length: the base's own fault phase, at least 2 s.
double base_phase_ms(const sim::Scenario& s) {
  Time_us end = 0;
  for (const auto& f : s.faults) end = std::max(end, f.at_us);
  if (s.nemesis) end = std::max(end, s.nemesis->until_us);
  return std::max(2000.0, static_cast<double>(end) / 1000.0);
}

}  // namespace

json mutate_scenario(const json& base, const sim::Scenario& parsed, std::uint64_t campaign_seed, std::uint64_t k,
                     const MutateOptions& opt) {
  sim::Rng r(campaign_seed, "fuzz", k);
  json doc = base;
  const bool multi = parsed.protocol == sim::Protocol::multi_paxos;

  std::string name = base.at("name").get<std::string>().substr(0, 70);
  doc["name"] = fmt::format("{}-fuzz-{}", name, k);
  doc["description"] = fmt::format("paxsim fuzz: run {} of campaign seed {} around scenario {}", k, campaign_seed,
                                   base.at("name").get<std::string>());
  json tags = base.value("tags", json::array());
  if (std::find(tags.begin(), tags.end(), json("fuzz")) == tags.end()) tags.push_back("fuzz");
  doc["tags"] = tags;
  doc["seed"] = r.below(std::uint64_t{1} << 32);
  if (opt.bug) doc["bug"] = *opt.bug;
  doc["expect"] = object_of("verdict", "pass");
  doc.erase("faults");
  doc.erase("nemesis");
  doc.erase("tape");  // a fresh seed: the base's pinned decisions would mean nothing

  // The network and the disks.
  json& net = doc["network"];
  if (!net.is_object()) net = json::object();
  double delay_max_ms = dist_max(parsed.network.delay_ms);
  if (r.chance(0.7)) net["delay_ms"] = draw_delay(r, delay_max_ms);
  net["drop"] = r.chance(0.6) ? draw_probability(r, k_fuzz_drop_max) : 0.0;
  net["duplicate"] = r.chance(0.5) ? draw_probability(r, k_fuzz_duplicate_max) : 0.0;
  if (!net.contains("delay_ms")) net["delay_ms"] = uniform_json(1, 10);  // the default, made explicit
  if (r.chance(0.7)) doc["storage"] = object_of("fsync_ms", draw_fsync(r));

  // The protocol's params.
  json& p = doc["params"];
  if (!p.is_object()) p = json::object();
  if (r.chance(0.6)) p["learning"] = r.chance(0.5) ? "decide" : "all-to-all";
  double retry_max_ms = parsed.params.retry_ms_max;
  if (!multi) {
    if (r.chance(0.6)) {
      const double lo = uniform(r, 5, 60);
      const double hi = lo + uniform(r, 5, 100);
      p["retry_ms"] = uniform_json(lo, hi);
      retry_max_ms = std::floor(uniform(r, std::max(200.0, hi), 2000));
      p["retry_ms_max"] = retry_max_ms;
    }
    if (r.chance(0.6)) {
      const double lo = uniform(r, 20, 200);
      p["catchup_ms"] = uniform_json(lo, lo + uniform(r, 10, 200));
    }
  } else {
    if (r.chance(0.6)) p["window"] = between(r, 1, k_fuzz_window_max);
    double heartbeat_max_ms = dist_max(parsed.params.heartbeat_ms);
    if (r.chance(0.6)) {
      const double lo = uniform(r, 5, 40);
      const double hi = r.chance(0.5) ? lo : lo + uniform(r, 1, 20);
      p["heartbeat_ms"] = hi == lo ? json(round3(lo)) : uniform_json(lo, hi);
      heartbeat_max_ms = round3(hi);
    }
    // An election timeout above several heartbeats and a few network delays,
    // so that a healthy leader is not deposed on a slow but working network.
    const double floor_ms = std::max(5 * heartbeat_max_ms, 3 * delay_max_ms + 2 * heartbeat_max_ms);
    // (`a` is the least a constant or uniform timeout gives, an exponential's mean.)
    if (r.chance(0.6) || parsed.params.election_timeout_ms.a < floor_ms) {
      const double lo = std::max(floor_ms, 100.0) * uniform(r, 1, 2);
      p["election_timeout_ms"] = uniform_json(lo, lo * uniform(r, 1.2, 2.5));
    }
  }
  // Leader leases: the lease's length and the drift bound it assumes (the
  // fault model keeps every clock within that bound), from their own stream.
  sim::Rng clock_r(campaign_seed, "fuzz-clock", k);
  double drift_ppm_max = parsed.params.max_drift_ppm;
  double lease_ms = multi ? parsed.params.leader_lease_ms : 0;
  if (lease_ms > 0) {
    if (clock_r.chance(0.6)) {
      lease_ms = std::floor(uniform(clock_r, k_fuzz_lease_ms_min, k_fuzz_lease_ms_max));
      p["leader_lease_ms"] = lease_ms;
    }
    if (clock_r.chance(0.6)) {
      drift_ppm_max = std::round(clock_r.chance(0.5) ? k_fuzz_drift_ppm_max : uniform(clock_r, 0, k_fuzz_drift_ppm_max));
      p["max_drift_ppm"] = drift_ppm_max;
    }
  }
  if (p.empty()) doc.erase("params");

  // The workload: kept; for kv, the clients and operations vary a little.
  json& w = doc["workload"];
  std::uint32_t clients = parsed.workload.clients;
  if (parsed.workload.type == sim::Workload::Type::kv && !w.contains("requests") && r.chance(0.5)) {
    const std::uint32_t c = parsed.workload.clients;
    clients = static_cast<std::uint32_t>(between(r, c > 1 ? c - 1 : 1, c + 1));
    w["clients"] = clients;
    const std::uint64_t ops = parsed.workload.ops_per_client;
    if (ops > 0) w["ops_per_client"] = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(ops * uniform(r, 0.5, 1.25)));
  }
  if (parsed.workload.type == sim::Workload::Type::kv && !w.contains("requests")) {
    // Some runs split the clients into writers and readers (Jepsen's pattern):
    // a reader never blocks on a write, so it keeps reading wherever it is,
    // at a deposed leader too. From a stream of its own.
    sim::Rng wr(campaign_seed, "fuzz-workload", k);
    if (clients >= 2 && wr.chance(lease_ms > 0 ? 0.7 : 0.3)) w["readers"] = between(wr, 1, clients - 1);
    else if (w.contains("readers") && w["readers"].get<std::uint64_t>() > clients) w["readers"] = clients;
  }

  // The faults, then a quiet period with a generous liveness bound.
  const double phase_ms = std::floor(base_phase_ms(parsed) * uniform(r, 0.5, 1.5));
  const bool clocks = multi && (parsed.params.leader_lease_ms > 0 || parsed.workload.type == sim::Workload::Type::lock);
  Generator g(parsed, r, clock_r, opt, clients, clocks, drift_ppm_max, lease_ms);
  g.build(phase_ms, net);
  json faults = g.faults();
  // The quiet phase runs on a network that neither loses nor duplicates:
  // liveness on a lossy network holds only with some probability, and a
  // request unanswered through the bound by bad luck is no bug (VOPR's
  // liveness mode does the same). Loss and duplication stay for the faults.
  if (net.value("drop", 0.0) > 0 || net.value("duplicate", 0.0) > 0) {
    json quiet = fault_of("network");
    quiet["at_ms"] = phase_ms;
    quiet["drop"] = 0.0;
    quiet["duplicate"] = 0.0;
    faults.push_back(std::move(quiet));
  }
  if (!faults.empty()) doc["faults"] = std::move(faults);
  if (g.nemesis()) doc["nemesis"] = *g.nemesis();

  double within_ms = k_fuzz_liveness_within_ms_min;
  if (const auto& l = parsed.liveness) within_ms = std::max(within_ms, static_cast<double>(l->within_us) / 1000.0);
  within_ms = std::max(within_ms, 4 * retry_max_ms + 2000);  // a synod proposer's backoff, doubled a few times
  json& liveness = doc["liveness"] = object_of("after_ms", phase_ms);
  liveness["within_ms"] = within_ms;
  json& limits = doc["limits"];
  if (!limits.is_object()) limits = json::object();
  const double base_max_ms = static_cast<double>(parsed.max_time_us) / 1000.0;
  limits["max_time_ms"] = std::max(base_max_ms, phase_ms + within_ms + 1000);

  // The document must read as its saved file does. Text and back would only
  // make every non-negative integer unsigned (a parse's type for one;
  // strings, doubles, which print as their shortest exact form, and key
  // order come back the same), so that is all done here. The one text that
  // may not be UTF-8 is the cut name: its dump throws as the whole
  // document's would.
  (void)doc.at("name").dump();
  as_parsed(doc);
  return doc;
}

std::string scenario_text(const json& doc) {
  using ojson = nlohmann::ordered_json;
  static constexpr const char* k_order[] = {"schema_version", "name",     "description", "tags",     "seed",
                                            "bug",            "protocol", "nodes",       "shards",   "params",
                                            "network",        "storage",  "workload",    "faults",   "nemesis",
                                            "invariants",     "liveness", "limits",      "expect", "tape"};
  auto convert = [](const json& v) { return ojson::parse(v.dump()); };
  if (!doc.is_object()) return doc.dump(2) + "\n";
  ojson out = ojson::object();
  for (const char* key : k_order)
    if (doc.contains(key)) out[key] = convert(doc[key]);
  for (const auto& [key, value] : doc.items())
    if (!out.contains(key)) out[key] = convert(value);
  if (out.contains("faults") && out["faults"].is_array()) {
    for (ojson& f : out["faults"]) {
      if (!f.is_object()) continue;
      ojson g = ojson::object();
      for (const char* key : {"at_ms", "action"})
        if (f.contains(key)) g[key] = f[key];
      for (const auto& [key, value] : f.items())
        if (!g.contains(key)) g[key] = value;
      f = std::move(g);
    }
  }
  // A tape's streams, one line each (they can run to thousands of decisions).
  std::vector<std::string> streams;
  if (out.contains("tape") && out["tape"].is_object()) {
    for (auto& [key, value] : out["tape"].items()) {
      streams.push_back(value.dump());
      value = fmt::format("\x01tape{}\x01", streams.size() - 1);
    }
  }
  std::string text = out.dump(2);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const std::string mark = ojson(fmt::format("\x01tape{}\x01", i)).dump();
    const auto at = text.find(mark);
    if (at != std::string::npos) text.replace(at, mark.size(), streams[i]);
  }
  return text + "\n";
}

// ------------------------------------------------------------------ the fault model, checked

FaultModelReport check_fault_model(const sim::Scenario& s) {
  FaultModelReport rep;
  std::set<NodeId> crashed, paused;
  std::uint32_t crashed_selected = 0, paused_selected = 0;  // "leader"/"random": which node is unknown
  bool network_faulted = false, restart_random = false, resume_random = false;
  auto fail = [&](const sim::Fault& f, const char* why) {
    if (rep.problem.empty())
      rep.problem = fmt::format("fault {} ({} at {} ms): {}", f.order, sim::to_string(f.action),
                                static_cast<double>(f.at_us) / 1000.0, why);
  };
  using K = sim::NodeSelector::Kind;
  for (const sim::Fault& f : s.faults) {
    const bool named = f.node.kind == K::index;
    const NodeId n = f.node.index;
    switch (f.action) {
      case sim::FaultAction::crash:
        if (named) {
          if (crashed_selected) fail(f, "a crash overlaps a crash of \"leader\"/\"random\"");
          if (crashed.insert(n).second) paused.erase(n);
        } else {
          if (crashed_selected || !crashed.empty()) fail(f, "a crash of \"leader\"/\"random\" overlaps another crash");
          ++crashed_selected;
        }
        break;
      case sim::FaultAction::restart:
        rep.wipes = rep.wipes || f.wipe_disk;
        if (named) {
          crashed.erase(n);
        } else if (f.node.kind == K::random) {
          restart_random = true;
          if (crashed_selected) --crashed_selected;
          else if (!crashed.empty()) fail(f, "restart \"random\" may pick a node another fault crashed");
        }
        break;
      case sim::FaultAction::pause:
        if (named) {
          if (paused_selected) fail(f, "a pause overlaps a pause of \"leader\"/\"random\"");
          if (!crashed.count(n)) paused.insert(n);
        } else {
          if (paused_selected || !paused.empty()) fail(f, "a pause of \"leader\"/\"random\" overlaps another pause");
          ++paused_selected;
        }
        break;
      case sim::FaultAction::resume:
        if (named) {
          paused.erase(n);
        } else if (f.node.kind == K::random) {
          resume_random = true;
          if (paused_selected) --paused_selected;
          else if (!paused.empty()) fail(f, "resume \"random\" may pick a node another fault paused");
        }
        break;
      case sim::FaultAction::partition:
      case sim::FaultAction::cut: network_faulted = true; break;
      case sim::FaultAction::heal: network_faulted = false; break;
      case sim::FaultAction::clock:
        // Leases assume clock rates within max_drift_ppm and no steps.
        if (f.offset_ms && *f.offset_ms != 0) fail(f, "a clock step (offset_ms) is outside the fault model");
        if (f.drift_ppm && std::abs(*f.drift_ppm) > s.params.max_drift_ppm)
          fail(f, "a clock drift beyond params.max_drift_ppm is outside the fault model");
        break;
      default: break;
    }
    const auto down = static_cast<std::uint32_t>(crashed.size() + paused.size()) + crashed_selected + paused_selected;
    rep.peak_down = std::max(rep.peak_down, down);
  }
  rep.all_undone = crashed.empty() && paused.empty() && !crashed_selected && !paused_selected && !network_faulted;
  if (s.nemesis) {
    const auto& a = s.nemesis->actions;
    const bool crashes = std::find(a.begin(), a.end(), sim::FaultAction::crash) != a.end();
    const bool pauses = std::find(a.begin(), a.end(), sim::FaultAction::pause) != a.end();
    if (crashes || pauses) rep.nemesis_down = s.nemesis->max_down;
    if (crashes && restart_random && rep.problem.empty())
      rep.problem = "the nemesis crashes nodes that a timeline restart \"random\" may pick";
    if (pauses && resume_random && rep.problem.empty())
      rep.problem = "the nemesis pauses nodes that a timeline resume \"random\" may pick";
  }
  return rep;
}

}  // namespace paxsim::cli
