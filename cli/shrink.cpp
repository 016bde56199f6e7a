#include "cli/shrink.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>

#include "cli/scenario_json.hpp"
#include "sim/observer.hpp"

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
  // A tape's streams of nodes and clients that are gone go with them.
  if (doc.contains("tape") && doc["tape"].is_object()) {
    json kept = json::object();
    for (const auto& [key, value] : doc["tape"].items()) {
      const auto slash = key.find('/');
      if (slash != std::string::npos && !endpoint_exists(json(key.substr(slash + 1)), nodes, clients)) continue;
      kept[key] = value;
    }
    doc["tape"] = std::move(kept);
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

// Messages a recorded tape lost or duplicated at random.
std::uint64_t random_losses(const sim::Tape& tape) {
  std::uint64_t n = 0;
  for (const sim::TapeStream& t : tape)
    for (const sim::Decision& d : t.decisions)
      n += d.kind == sim::Decision::Kind::send && (d.dropped || d.copies == 2) ? 1 : 0;
  return n;
}

// Fault actions that took effect: crash, pause, partition, cut, network and
// clock changes, from the timeline or the nemesis (their undos not counted).
class FaultCounter : public sim::Observer {
 public:
  void on_step(const sim::StepInfo& info) override {
    if ((info.kind != sim::StepKind::fault && info.kind != sim::StepKind::nemesis) || info.did_nothing || info.undo ||
        !info.fault)
      return;
    const sim::FaultAction a = info.fault->action;
    if (a != sim::FaultAction::heal && a != sim::FaultAction::restart && a != sim::FaultAction::resume) ++count;
  }
  std::uint64_t count = 0;
};

// The simplest decision a tape can hold: delivered once, as soon as the link
// allows (network); no, index 0, the shortest duration (other streams).
bool simplest(const json& v) {
  return v == json(0) || v == json(false) || (v.is_number_float() && v.get<double>() == 0);
}

class Shrinker {
 public:
  Shrinker(json doc, std::string file, FailureTarget target, RunResult run, const ShrinkOptions& opt)
      : best_(std::move(doc)), file_(std::move(file)), target_(std::move(target)), run_(std::move(run)), opt_(opt),
        start_(std::chrono::steady_clock::now()) {}

  // A failure that needs its bug switch (the same document without it does
  // not fail this way) must keep needing it: the repro shows the planted bug,
  // not another one the shrinker wandered into.
  void require_switch() {
    if (!best_.contains("bug")) return;
    needs_switch_ = !fails_without_switch(best_);
  }

  void run() {
    require_switch();
    // The document first, the seed fixed (the larger part of the budget); then
    // the run's random decisions, pinned as a tape and made simple; then the
    // document again, with the tape.
    if (opt_.tape && opt_.seconds >= 0) soft_seconds_ = 0.6 * opt_.seconds;
    shrink_document();
    soft_seconds_ = -1;
    if (opt_.tape && !best_.contains("schedule") && !stopped()) {
      pass_pin_tape();
      if (best_.contains("tape")) {
        pass_simplify("network", true);  // losses and duplicates first
        pass_simplify("network", false);
        for (const std::string& stream : tape_streams())
          if (stream.rfind("disk/", 0) == 0 || stream.rfind("timers/", 0) == 0) pass_simplify(stream, false);
        for (const std::string& stream : tape_streams()) pass_cut_short(stream);
        shrink_document();
      }
    }
    finish();
  }

  void shrink_document() {
    for (bool progress = true; progress && !stopped() && !soft_stopped();) {
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
  }

  void finish() {
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

  bool fails_without_switch(const json& doc) const {
    json plain = doc;
    plain.erase("bug");
    RunOptions ro;
    ro.recent_steps = 0;
    return reproduces(run_scenario(parse_scenario(plain, file_), ro), target_);
  }

  // The document phase's share of the budget (not a stop: the tape comes next).
  bool soft_stopped() const { return soft_seconds_ >= 0 && seconds() > soft_seconds_; }

  std::vector<std::string> tape_streams() const {
    std::vector<std::string> out;
    if (best_.contains("tape") && best_["tape"].is_object())
      for (const auto& [key, value] : best_["tape"].items()) out.push_back(key);
    return out;
  }

  // Entries past what the run took are never read: cut them, and empty streams.
  static void trim_tape(json& doc, const sim::Tape& taken) {
    json kept = json::object();
    for (const auto& [key, value] : doc["tape"].items()) {
      std::size_t used = 0;
      for (const sim::TapeStream& t : taken)
        if (t.stream == key) used = t.decisions.size();
      if (used == 0 || !value.is_array()) continue;
      json v = value;
      if (v.size() > used) v.erase(v.begin() + static_cast<long>(used), v.end());
      kept[key] = std::move(v);
    }
    if (kept.empty()) doc.erase("tape");
    else doc["tape"] = std::move(kept);
  }

  // The run as it is, every decision it took pinned: the repro no longer
  // depends on how the seed's streams draw, up to the failure.
  bool pass_pin_tape() {
    if (best_.contains("tape")) return false;
    RunOptions ro;
    ro.recent_steps = 0;
    sim::Tape taken;
    ro.tape_out = &taken;
    run_scenario(parse_scenario(best_, file_), ro);
    if (taken.empty()) return false;
    losses_ = random_losses(taken);
    return attempt_edit([&](json& d) { d["tape"] = tape_to_json(taken); });
  }

  // ddmin over the stream's entries that are not yet the simplest: sets
  // chunks of them to 0 (delivered once, as soon as the link allows; the
  // shortest duration). `losses`: only lost or duplicated messages.
  bool pass_simplify(const std::string& stream, bool losses) {
    const json::json_pointer ptr("/tape/" + stream);
    return ddmin_chunks(
        [&] {
          std::vector<std::size_t> idx;
          if (!best_.contains(ptr)) return idx;
          const json& a = best_.at(ptr);
          for (std::size_t i = 0; i < a.size(); ++i)
            if (losses ? (a[i].is_string() || a[i].is_array()) : !simplest(a[i])) idx.push_back(i);
          return idx;
        },
        [&](json& d, const std::vector<std::size_t>& idx, std::size_t lo, std::size_t hi) {
          json& a = d.at(ptr);
          for (std::size_t k = lo; k < hi; ++k) a[idx[k]] = a[idx[k]].is_number_float() ? json(0.0) : json(0);
        });
  }

  // The shortest prefix of the stream that still fails (the rest drawn from
  // the seed), by bisection.
  bool pass_cut_short(const std::string& stream) {
    const json::json_pointer ptr("/tape/" + stream);
    bool progress = false;
    std::size_t lo = 0;
    while (!stopped() && best_.contains(ptr)) {
      const std::size_t len = best_.at(ptr).size();
      if (lo >= len) break;
      const std::size_t mid = lo + (len - lo) / 2;
      if (attempt_edit([&](json& d) {
            json& arr = d.at(ptr);
            arr.erase(arr.begin() + static_cast<long>(mid), arr.end());
            if (arr.empty()) d["tape"].erase(stream);
            if (d["tape"].empty()) d.erase("tape");
          })) {
        progress = true;
      } else {
        lo = mid + 1;
      }
    }
    return progress;
  }

  bool doc_has_empty(const char* ptr) const {
    const json::json_pointer p(ptr);
    return best_.contains(p) && best_.at(p).is_array() && best_.at(p).empty();
  }

  // Runs `cand`; keeps it when it is valid and still fails the same way.
  bool attempt(json cand) {
    if (stopped() || cand == best_) return false;
    ++candidates;
    if (!keeps_quiet_phase(cand)) {
      ++invalid;
      return false;
    }
    sim::Scenario s;
    try {
      s = parse_scenario(cand, file_);
    } catch (const InputError&) {
      ++invalid;
      return false;
    }
    RunOptions ro;
    ro.recent_steps = 0;
    sim::Tape taken;
    const bool taped = cand.contains("tape");
    if (taped) ro.tape_out = &taken;
    RunResult r = run_scenario(s, ro);
    // Smaller, and no longer to fail: a repro is read step by step.
    if (!reproduces(r, target_) || r.stats.steps > run_.stats.steps) return false;
    if (needs_switch_ && fails_without_switch(cand)) return false;
    if (taped) {
      // With a tape: no more messages lost or duplicated than before either.
      const std::uint64_t losses = random_losses(taken);
      if (best_.contains("tape") && losses > losses_) return false;
      losses_ = losses;
      trim_tape(cand, taken);
    }
    ++accepted;
    best_ = std::move(cand);
    run_ = std::move(r);
    return true;
  }

  // A liveness failure is judged after the quiet phase: every timeline fault
  // at or after liveness.after_ms (the fuzzer's heals, restarts and calm
  // network there) stays. Without them a smaller repro could fail for
  // another reason: a cut never healed, or a lossy network that leaves a
  // request unanswered by bad luck through the whole bound.
  bool keeps_quiet_phase(const json& cand) const {
    if (target_.outcome != Outcome::liveness || !best_.contains("liveness") || !best_.contains("faults")) return true;
    const double after = best_["liveness"].value("after_ms", 0.0);
    const auto quiet = [after](const json& doc) {
      json out = json::array();
      if (doc.contains("faults") && doc["faults"].is_array())
        for (const json& f : doc["faults"])
          if (f.is_object() && f.value("at_ms", 0.0) >= after) out.push_back(f);
      return out;
    };
    return quiet(cand) == quiet(best_);
  }

  template <typename Edit>
  bool attempt_edit(const Edit& edit) {
    json cand = best_;
    edit(cand);
    return attempt(std::move(cand));
  }

  // ddmin by complements: `items()` lists what can go (recomputed after each
  // success); `edit(doc, items, lo, hi)` takes items [lo, hi) out of the
  // document. Chunks halve in size when no chunk can go.
  template <typename Items, typename Edit>
  bool ddmin_chunks(const Items& items, const Edit& edit) {
    bool progress = false;
    std::size_t n = 1;
    while (!stopped()) {
      const auto all = items();
      const std::size_t size = all.size();
      if (size == 0) break;
      n = std::min(n, size);
      bool reduced = false;
      for (std::size_t i = 0; i < n && !stopped(); ++i) {
        if (attempt_edit([&](json& d) { edit(d, all, i * size / n, (i + 1) * size / n); })) {
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

  // ddmin over the elements of an array.
  bool ddmin(const json::json_pointer& ptr) {
    return ddmin_chunks(
        [&] {
          const bool any = best_.contains(ptr) && best_.at(ptr).is_array();
          return std::vector<std::size_t>(any ? best_.at(ptr).size() : 0);
        },
        [&](json& d, const std::vector<std::size_t>&, std::size_t lo, std::size_t hi) {
          json& a = d.at(ptr);
          a.erase(a.begin() + static_cast<long>(lo), a.begin() + static_cast<long>(hi));
        });
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
    return attempt_edit([&](json& d) {
      d["limits"]["max_time_ms"] = want;
      // Faults past the new end never run; left in, they would make the
      // scenario invalid (a fault after max_time_ms).
      if (d.contains("faults") && d["faults"].is_array()) {
        json& faults = d["faults"];
        for (std::size_t i = faults.size(); i-- > 0;)
          if (faults[i].is_object() && faults[i].value("at_ms", 0.0) > want) faults.erase(i);
      }
    });
  }

  json best_;
  std::string file_;
  FailureTarget target_;
  RunResult run_;
  const ShrinkOptions& opt_;
  std::chrono::steady_clock::time_point start_;
  double soft_seconds_ = -1;
  bool needs_switch_ = false;  // the failure needs the document's bug switch
  std::uint64_t losses_ = 0;  // messages the best run's tape lost or duplicated
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

RunSize measure_run(const json& doc, const std::string& file) {
  const sim::Scenario s = parse_scenario(doc, file);
  FaultCounter faults;
  sim::Tape taken;
  RunOptions ro;
  ro.recent_steps = 0;
  ro.observers.push_back(&faults);
  ro.tape_out = &taken;
  const RunResult r = run_scenario(s, ro);
  RunSize z;
  z.events = r.stats.steps;
  z.fault_actions = faults.count;
  z.losses = random_losses(taken);
  for (const sim::TapeStream& t : taken) z.decisions += t.decisions.size();
  for (const sim::TapeStream& t : s.tape) z.tape += t.decisions.size();
  return z;
}

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
  r.size_before = measure_run(r.original, file);
  r.size_after = measure_run(r.doc, file);
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
  row("timeline faults", num(a.faults), num(b.faults));
  row("nemesis", a.nemesis ? "yes" : "no", b.nemesis ? "yes" : "no");
  row("nodes", num(a.nodes), num(b.nodes));
  row("proposals/reqs", num(a.proposals), num(b.proposals));
  row("clients", num(a.clients), num(b.clients));
  row("ops_per_client", num(a.ops_per_client), num(b.ops_per_client));
  row("max_time_ms", num(a.max_time_ms), num(b.max_time_ms));
  row("events (steps)", num(r.size_before.events), num(r.size_after.events));
  row("fault actions", num(r.size_before.fault_actions), num(r.size_after.fault_actions));
  row("losses+dups", num(r.size_before.losses), num(r.size_after.losses));
  row("faults in run", num(r.size_before.faults()), num(r.size_after.faults()));
  row("decisions", num(r.size_before.decisions), num(r.size_after.decisions));
  row("tape", num(r.size_before.tape), num(r.size_after.tape));
  out += fmt::format("still fails: {} ({} candidates, {} invalid, {} kept, {:.1f} s{})\n", r.target.describe(),
                     r.candidates, r.invalid, r.accepted, r.seconds,
                     r.out_of_time ? ", stopped by the time budget" : "");
  return out;
}

}  // namespace paxsim::cli
