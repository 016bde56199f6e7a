#include "cli/shrink.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>

#include "cli/scenario_json.hpp"

namespace paxsim::cli {

using json = nlohmann::json;

std::string FailureTarget::describe() const {
  return outcome == Outcome::violation ? invariant : std::string(to_string(outcome));
}

std::optional<FailureTarget> failure_target(const RunResult& r) {
  if (r.outcome == Outcome::safe) return std::nullopt;
  FailureTarget t;
  t.outcome = r.outcome;
  if (r.outcome == Outcome::violation && !r.violations.empty()) {
    // The first violation by step (the run stops at the first step with one).
    const auto first = std::min_element(r.violations.begin(), r.violations.end(),
                                        [](const auto& a, const auto& b) { return a.step < b.step; });
    t.invariant = first->invariant;
  }
  return t;
}

bool reproduces(const RunResult& r, const FailureTarget& t) {
  if (r.outcome != t.outcome) return false;
  if (t.outcome != Outcome::violation) return true;
  return std::any_of(r.violations.begin(), r.violations.end(),
                     [&](const auto& v) { return v.invariant == t.invariant; });
}

namespace {

// "n12" with prefix 'n' -> 12; 0 when `s` is not such a name.
std::uint64_t ordinal(const json& v, char prefix) {
  if (!v.is_string()) return 0;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() < 2 || s.size() > 10 || s[0] != prefix) return 0;
  std::uint64_t k = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    k = k * 10 + static_cast<std::uint64_t>(s[i] - '0');
  }
  return k;
}

// Whether an endpoint name survives with `nodes` nodes and `clients` clients.
bool endpoint_exists(const json& v, std::uint64_t nodes, std::uint64_t clients) {
  if (const auto n = ordinal(v, 'n')) return n <= nodes;
  if (const auto c = ordinal(v, 'c')) return c <= clients;
  return true;  // "leader", "random", "*": not a name
}

// Drops from an endpoint list the names that are gone; false when nothing is left.
bool restrict_list(json& list, std::uint64_t nodes, std::uint64_t clients) {
  if (!list.is_array()) return true;  // "*"
  json kept = json::array();
  for (auto& e : list)
    if (endpoint_exists(e, nodes, clients)) kept.push_back(e);
  list = std::move(kept);
  return !list.empty();
}

// After lowering the node or client count: the faults, proposals and requests
// that name an endpoint that is gone are dropped with it.
void restrict_endpoints(json& doc, std::uint64_t nodes, std::uint64_t clients) {
  if (doc.contains("faults") && doc["faults"].is_array()) {
    json kept = json::array();
    for (json f : doc["faults"]) {
      bool keep = true;
      if (f.contains("node")) keep = endpoint_exists(f["node"], nodes, clients);
      if (f.contains("groups") && f["groups"].is_array()) {
        json groups = json::array();
        for (json g : f["groups"])
          if (restrict_list(g, nodes, clients)) groups.push_back(std::move(g));
        keep = keep && !groups.empty();
        f["groups"] = std::move(groups);
      }
      if (f.contains("from")) keep = keep && restrict_list(f["from"], nodes, clients);
      if (f.contains("to")) keep = keep && restrict_list(f["to"], nodes, clients);
      if (keep) kept.push_back(std::move(f));
    }
    doc["faults"] = std::move(kept);
  }
  // A proposal at a node that is gone moves to a node that is left (n5 of 5
  // becomes n2 of 3); a request by a client that is gone goes with it.
  json& w = doc["workload"];
  auto remap = [&](json& name) {
    if (const auto n = ordinal(name, 'n'); n > nodes && nodes > 0) name = fmt::format("n{}", (n - 1) % nodes + 1);
  };
  for (const char* key : {"proposals", "requests"}) {
    if (!w.contains(key) || !w[key].is_array()) continue;
    json kept = json::array();
    for (json p : w[key]) {
      if (p.contains("client") && !endpoint_exists(p["client"], nodes, clients)) continue;
      if (p.contains("node")) remap(p["node"]);
      if (p.contains("via")) remap(p["via"]);
      kept.push_back(std::move(p));
    }
    w[key] = std::move(kept);
  }
  if (doc.contains("nemesis") && doc["nemesis"].contains("max_down")) {
    const std::uint64_t minority = nodes > 0 ? (nodes - 1) / 2 : 0;
    if (doc["nemesis"]["max_down"].get<std::uint64_t>() > minority) doc["nemesis"]["max_down"] = minority;
  }
}

// A count in the document (a JSON integer, signed or not, >= 0), else `otherwise`.
std::uint64_t count_at(const json& doc, const json::json_pointer& p, std::uint64_t otherwise) {
  if (!doc.contains(p)) return otherwise;
  const json& v = doc.at(p);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  return otherwise;
}

class Shrinker {
 public:
  Shrinker(json doc, std::string file, FailureTarget target, RunResult run, const ShrinkOptions& opt)
      : best_(std::move(doc)), file_(std::move(file)), target_(std::move(target)), run_(std::move(run)), opt_(opt),
        start_(std::chrono::steady_clock::now()) {}

  void run() {
    for (bool progress = true; progress && !stopped();) {
      progress = false;
      progress |= pass_liveness();
      progress |= pass_nemesis();
      progress |= ddmin(json::json_pointer("/faults"));
      progress |= ddmin(json::json_pointer("/workload/proposals"));
      progress |= ddmin(json::json_pointer("/workload/requests"));
      progress |= pass_endpoints();
      progress |= pass_earlier(json::json_pointer("/workload/proposals"));
      progress |= pass_earlier(json::json_pointer("/workload/requests"));
      progress |= pass_counts();
      progress |= pass_network();
      progress |= pass_params();
      progress |= pass_max_time();
    }
    if (doc_has_empty("/faults")) best_.erase("faults");
    const std::string d = best_.value("description", "");
    if (d.find("(shrunk)") == std::string::npos) best_["description"] = d.empty() ? "(shrunk)" : d + " (shrunk)";
  }

  const json& best() const { return best_; }
  const RunResult& best_run() const { return run_; }
  std::uint64_t candidates = 0, invalid = 0, accepted = 0;
  bool out_of_time = false;
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  bool stopped() {
    if (out_of_time) return true;
    if ((opt_.stop && opt_.stop->load()) || (opt_.seconds >= 0 && seconds() > opt_.seconds)) out_of_time = true;
    return out_of_time;
  }

  bool doc_has_empty(const char* ptr) const {
    const json::json_pointer p(ptr);
    return best_.contains(p) && best_.at(p).is_array() && best_.at(p).empty();
  }

  // Runs `cand`; keeps it when it is valid and still fails the same way.
  bool attempt(json cand) {
    if (stopped() || cand == best_) return false;
    ++candidates;
    sim::Scenario s;
    try {
      s = parse_scenario(cand, file_);
    } catch (const InputError&) {
      ++invalid;
      return false;
    }
    RunOptions ro;
    ro.recent_steps = 0;
    RunResult r = run_scenario(s, ro);
    // Smaller, and no longer to fail: a repro is read step by step.
    if (!reproduces(r, target_) || r.stats.steps > run_.stats.steps) return false;
    ++accepted;
    best_ = std::move(cand);
    run_ = std::move(r);
    return true;
  }

  template <typename Edit>
  bool attempt_edit(const Edit& edit) {
    json cand = best_;
    edit(cand);
    return attempt(std::move(cand));
  }

  // ddmin by complements: remove chunks of the array, halving the chunk size
  // when no chunk can go.
  bool ddmin(const json::json_pointer& ptr) {
    bool progress = false;
    std::size_t n = 1;
    while (!stopped() && best_.contains(ptr) && best_.at(ptr).is_array()) {
      const std::size_t size = best_.at(ptr).size();
      if (size == 0) break;
      n = std::min(n, size);
      bool reduced = false;
      for (std::size_t i = 0; i < n && !stopped(); ++i) {
        const auto lo = static_cast<long>(i * size / n), hi = static_cast<long>((i + 1) * size / n);
        if (attempt_edit([&](json& d) {
              json& a = d.at(ptr);
              a.erase(a.begin() + lo, a.begin() + hi);
            })) {
          reduced = progress = true;
          n = std::max<std::size_t>(n - 1, 1);
          break;
        }
      }
      if (!reduced) {
        if (n >= size) break;
        n = std::min(size, n * 2);
      }
    }
    return progress;
  }

  bool pass_liveness() {
    if (target_.outcome == Outcome::liveness || !best_.contains("liveness")) return false;
    return attempt_edit([](json& d) { d.erase("liveness"); });
  }

  bool pass_nemesis() {
    if (!best_.contains("nemesis")) return false;
    if (attempt_edit([](json& d) { d.erase("nemesis"); })) return true;
    bool progress = false;
    const json actions = best_["nemesis"].value("actions", json::array({"partition", "cut", "crash", "pause"}));
    for (const auto& a : actions) {
      progress |= attempt_edit([&](json& d) {
        json kept = json::array();
        for (const auto& b : d["nemesis"].value("actions", actions))
          if (b != a) kept.push_back(b);
        if (!kept.empty()) d["nemesis"]["actions"] = kept;
      });
    }
    // A shorter window.
    const double from = best_["nemesis"].value("from_ms", 0.0);
    const double until = best_["nemesis"].value("until_ms", 0.0);
    if (until > from + 1)
      progress |= attempt_edit([&](json& d) { d["nemesis"]["until_ms"] = std::floor(from + (until - from) / 2); });
    return progress;
  }

  // Fewer nodes (and clients): the smallest count that still fails, trying
  // from the smallest up.
  bool pass_endpoints() {
    bool progress = false;
    const std::uint64_t nodes = count_at(best_, json::json_pointer("/nodes"), 1);
    const std::uint64_t clients = count_at(best_, json::json_pointer("/workload/clients"), 1);
    const bool kv = best_["workload"].value("type", "") == "kv";
    for (std::uint64_t n = 1; n < nodes && !stopped(); ++n) {
      if (attempt_edit([&](json& d) {
            d["nodes"] = n;
            restrict_endpoints(d, n, kv ? clients : 0);
          })) {
        progress = true;
        break;
      }
    }
    if (kv) {
      for (std::uint64_t c = 1; c < clients && !stopped(); ++c) {
        if (attempt_edit([&](json& d) {
              d["workload"]["clients"] = c;
              restrict_endpoints(d, count_at(d, json::json_pointer("/nodes"), 1), c);
            })) {
          progress = true;
          break;
        }
      }
    }
    return progress;
  }

  // A count down to `lo`: lo, half, minus one.
  bool lower(const json::json_pointer& p, std::uint64_t lo) {
    const std::uint64_t cur = count_at(best_, p, 0);
    if (cur == 0) return false;
    for (std::uint64_t v : {lo, cur / 2, cur - 1}) {
      if (v < lo || v >= cur) continue;
      if (attempt_edit([&](json& d) { d[p] = v; })) return true;
    }
    return false;
  }

  // Each proposal (request) earlier: at 0, else at half its time.
  bool pass_earlier(const json::json_pointer& ptr) {
    bool progress = false;
    if (!best_.contains(ptr) || !best_.at(ptr).is_array()) return false;
    for (std::size_t i = 0; i < best_.at(ptr).size() && !stopped(); ++i) {
      const double at = best_.at(ptr)[i].value("at_ms", 0.0);
      for (double to : {0.0, std::floor(at / 2)}) {
        if (to >= at) continue;
        if (attempt_edit([&](json& d) { d.at(ptr)[i]["at_ms"] = to; })) {
          progress = true;
          break;
        }
      }
    }
    return progress;
  }

  bool pass_counts() {
    bool progress = false;
    progress |= lower(json::json_pointer("/workload/ops_per_client"), 0);
    progress |= lower(json::json_pointer("/workload/keys"), 1);
    return progress;
  }

  bool pass_network() {
    if (!best_.contains("network")) return false;
    bool progress = false;
    for (const char* key : {"drop", "duplicate"}) {
      const json& v = best_["network"].value(key, json(0));
      if (v.is_number() && v.get<double>() > 0) progress |= attempt_edit([&](json& d) { d["network"][key] = 0; });
    }
    if (best_["network"].contains("delay_ms"))
      progress |= attempt_edit([](json& d) { d["network"].erase("delay_ms"); });
    return progress;
  }

  bool pass_params() {
    bool progress = false;
    if (best_.contains("params") && best_["params"].is_object()) {
      if (attempt_edit([](json& d) { d.erase("params"); })) return true;
      std::vector<std::string> keys;
      for (const auto& [k, v] : best_["params"].items()) keys.push_back(k);
      for (const auto& k : keys) progress |= attempt_edit([&](json& d) { d["params"].erase(k); });
    }
    if (best_.contains("storage")) progress |= attempt_edit([](json& d) { d.erase("storage"); });
    return progress;
  }

  // max_time_ms cut to just past the failure (a liveness failure needs its
  // deadline; a step limit, its steps).
  bool pass_max_time() {
    if (target_.outcome == Outcome::limit) return false;
    double want = std::floor(static_cast<double>(run_.sim_time_us) / 1000.0) + 1;
    if (target_.outcome == Outcome::liveness && best_.contains("liveness"))
      want = std::max(want, best_["liveness"].value("after_ms", 0.0) + best_["liveness"].value("within_ms", 0.0));
    const double cur = best_.contains("limits") ? best_["limits"].value("max_time_ms", 60000.0) : 60000.0;
    if (want >= cur) return false;
    return attempt_edit([&](json& d) { d["limits"]["max_time_ms"] = want; });
  }

  json best_;
  std::string file_;
  FailureTarget target_;
  RunResult run_;
  const ShrinkOptions& opt_;
  std::chrono::steady_clock::time_point start_;
};

struct Size {
  std::size_t faults = 0;
  bool nemesis = false;
  std::uint32_t nodes = 0;
  std::size_t proposals = 0;  // propose: proposals; kv: explicit requests
  std::uint32_t clients = 0;
  std::uint64_t ops_per_client = 0;
  double max_time_ms = 0;
};

Size size_of(const json& doc, const std::string& file) {
  const sim::Scenario s = parse_scenario(doc, file);
  return Size{s.faults.size(),
              s.nemesis.has_value(),
              s.nodes,
              s.workload.type == sim::Workload::Type::propose ? s.workload.proposals.size() : s.workload.requests.size(),
              s.workload.clients,
              s.workload.ops_per_client,
              static_cast<double>(s.max_time_us) / 1000.0};
}

}  // namespace

std::optional<ShrinkResult> shrink_scenario(const json& doc, const std::string& file, const ShrinkOptions& opt) {
  const sim::Scenario s = parse_scenario(doc, file);
  RunResult before = run_scenario(s);
  const auto target = failure_target(before);
  if (!target) return std::nullopt;
  Shrinker sh(doc, file, *target, before, opt);
  sh.run();
  ShrinkResult r;
  r.original = doc;
  r.doc = sh.best();
  r.target = *target;
  r.before = std::move(before);
  r.after = run_scenario(parse_scenario(r.doc, file));  // with its recent steps, for a report
  r.candidates = sh.candidates;
  r.invalid = sh.invalid;
  r.accepted = sh.accepted;
  r.out_of_time = sh.out_of_time;
  r.seconds = sh.seconds();
  return r;
}

std::string shrink_summary(const ShrinkResult& r) {
  const Size a = size_of(r.original, "before");
  const Size b = size_of(r.doc, "after");
  std::string out = fmt::format("{:<16} {:>10} {:>10}\n", "", "before", "after");
  auto row = [&](const char* what, const std::string& x, const std::string& y) {
    out += fmt::format("{:<16} {:>10} {:>10}\n", what, x, y);
  };
  auto num = [](auto v) { return fmt::format("{}", v); };
  row("faults", num(a.faults), num(b.faults));
  row("nemesis", a.nemesis ? "yes" : "no", b.nemesis ? "yes" : "no");
  row("nodes", num(a.nodes), num(b.nodes));
  row("proposals/reqs", num(a.proposals), num(b.proposals));
  row("clients", num(a.clients), num(b.clients));
  row("ops_per_client", num(a.ops_per_client), num(b.ops_per_client));
  row("max_time_ms", num(a.max_time_ms), num(b.max_time_ms));
  row("steps", num(r.before.stats.steps), num(r.after.stats.steps));
  out += fmt::format("still fails: {} ({} candidates, {} invalid, {} kept, {:.1f} s{})\n", r.target.describe(),
                     r.candidates, r.invalid, r.accepted, r.seconds,
                     r.out_of_time ? ", stopped by the time budget" : "");
  return out;
}

}  // namespace paxsim::cli
