#include "cli/fuzz.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/failure_report.hpp"
#include "cli/report.hpp"
#include "cli/scenario_json.hpp"
#include "cli/shrink.hpp"
#include "cli/trace.hpp"
#include "sim/rng.hpp"

namespace fs = std::filesystem;

namespace paxsim::cli {

using json = nlohmann::json;

// ------------------------------------------------------------------ signatures

namespace {

// The length of a kv command as the checkers print it, `c2#17:put(k1, v)`,
// starting at `i`; 0 when there is none.
std::size_t command_length(const std::string& m, std::size_t i) {
  auto digits = [&](std::size_t& j) {
    const std::size_t from = j;
    while (j < m.size() && std::isdigit(static_cast<unsigned char>(m[j]))) ++j;
    return j > from;
  };
  std::size_t j = i;
  if (m[j] != 'c' || (i > 0 && std::isalnum(static_cast<unsigned char>(m[i - 1])))) return 0;
  ++j;
  if (!digits(j) || j >= m.size() || m[j] != '#') return 0;
  ++j;
  if (!digits(j) || j >= m.size() || m[j] != ':') return 0;
  ++j;
  while (j < m.size() && std::isalpha(static_cast<unsigned char>(m[j]))) ++j;
  if (j >= m.size() || m[j] != '(') return 0;
  int depth = 0;
  for (; j < m.size(); ++j) {
    if (m[j] == '(') ++depth;
    if (m[j] == ')' && --depth == 0) return j + 1 - i;
  }
  return 0;
}

}  // namespace

std::string normalise_message(const std::string& message) {
  // 3. what a linearizable message lists after "no linearization"
  std::string m = message;
  if (const auto at = m.find("no linearization"); at != std::string::npos) m.resize(at + std::string("no linearization").size());
  std::string out;
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.size();) {
    const char c = m[i];
    if (c == '"') {  // 1. quoted strings
      std::size_t j = i + 1;
      while (j < m.size() && m[j] != '"') j += m[j] == '\\' ? 2 : 1;
      out += "\"_\"";
      i = std::min(m.size(), j + 1);
    } else if (const std::size_t n = command_length(m, i)) {  // 1. kv commands
      out += "\"_\"";
      i += n;
    } else if (c == '[' || c == '{') {  // 2. lists
      const char close = c == '[' ? ']' : '}';
      int depth = 0;
      std::size_t j = i;
      for (; j < m.size(); ++j) {
        if (m[j] == c) ++depth;
        if (m[j] == close && --depth == 0) break;
      }
      out += c;
      out += "..";
      out += close;
      i = std::min(m.size(), j + 1);
    } else if (std::isdigit(static_cast<unsigned char>(c))) {  // 4. numbers
      while (i < m.size() && (std::isdigit(static_cast<unsigned char>(m[i])) ||
                              (m[i] == '.' && i + 1 < m.size() && std::isdigit(static_cast<unsigned char>(m[i + 1])))))
        ++i;
      out += '#';
    } else if (std::isspace(static_cast<unsigned char>(c))) {  // 5. white space
      while (i < m.size() && std::isspace(static_cast<unsigned char>(m[i]))) ++i;
      out += ' ';
    } else {
      out += c;
      ++i;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<FailureKey> failure_key(const RunResult& r) {
  if (r.pass) return std::nullopt;
  FailureKey key;
  std::string message;
  switch (r.outcome) {
    case Outcome::violation: {
      const auto first = std::min_element(r.violations.begin(), r.violations.end(),
                                          [](const auto& a, const auto& b) { return a.step < b.step; });
      key.invariant = first != r.violations.end() ? first->invariant : "violation";
      message = first != r.violations.end() ? first->message : "";
      break;
    }
    case Outcome::liveness:
      key.invariant = "liveness";
      message = r.liveness_message;
      break;
    case Outcome::limit: key.invariant = "limit"; break;
    case Outcome::safe:  // failed only its expect (chosen or completed out of range)
      key.invariant = "expect";
      message = r.verdict_reason;
      break;
  }
  key.signature = key.invariant + ": " + normalise_message(message);
  const std::uint64_t h = sim::fnv1a(key.signature);
  key.id = fmt::format("{:08x}", static_cast<std::uint32_t>((h >> 32) ^ h));
  return key;
}

// ------------------------------------------------------------------ campaign.json

namespace {

constexpr const char* k_campaign_format = "paxsim-fuzz-campaign";
constexpr int k_campaign_version = 1;
constexpr const char* k_outcome_names[] = {"safe", "violation", "liveness", "limit"};

std::string join_path(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

}  // namespace

json campaign_json(const CampaignOptions& opt, const CampaignState& st) {
  json distinct = json::array();
  for (const DistinctFailure& d : st.distinct)
    distinct.push_back({{"folder", d.key.folder()},
                        {"invariant", d.key.invariant},
                        {"signature", d.key.signature},
                        {"outcome", d.outcome},
                        {"message", d.message},
                        {"first_k", d.first_k},
                        {"runs", d.runs},
                        {"shrunk", d.shrunk},
                        {"shrunk_steps", d.shrunk ? json(d.shrunk_steps) : json(nullptr)},
                        {"shrunk_faults", d.shrunk ? json(d.shrunk_faults) : json(nullptr)},
                        {"repro", join_path(d.dir, "repro.json")},
                        {"repro_min", d.shrunk ? json(join_path(d.dir, "repro.min.json")) : json(nullptr)}});
  json outcomes = json::object();
  for (int o = 1; o < 4; ++o) outcomes[k_outcome_names[o]] = st.by_outcome[o];
  return {{"format", k_campaign_format},
          {"version", k_campaign_version},
          {"build", opt.build},
          {"scenario_file", opt.file},
          {"scenario", opt.base},
          {"campaign_seed", opt.seed},
          {"bug", opt.mutate.bug ? json(*opt.mutate.bug) : json(nullptr)},
          {"allow_wipe", opt.mutate.allow_wipe},
          {"shard", {{"index", opt.shard_index}, {"count", opt.shard_count}}},
          {"status", st.status},
          {"end_k", st.end_k ? json(*st.end_k) : json(nullptr)},
          {"next_k", st.next_k},
          {"runs", st.runs},
          {"failures", st.failures},
          {"outcomes", outcomes},
          {"distinct", distinct},
          {"seconds", std::round(st.seconds * 10) / 10}};
}

CampaignState load_campaign(const std::string& path, CampaignOptions& opt) {
  const json doc = load_json_file(path);
  if (doc.is_object() && doc.contains("merged"))
    throw InputError(path, "", "a merged campaign (paxsim merge) cannot be continued: resume its shards");
  return campaign_from_json(doc, path, opt);
}

CampaignState campaign_from_json(const json& doc, const std::string& path, CampaignOptions& opt) {
  CampaignState st;
  try {
    if (!doc.is_object() || doc.value("format", "") != k_campaign_format || doc.value("version", 0) != k_campaign_version)
      throw InputError(path, "", fmt::format("not a paxsim fuzz campaign (version {})", k_campaign_version));
    opt.file = doc.at("scenario_file").get<std::string>();
    opt.base = doc.at("scenario");
    opt.seed = doc.at("campaign_seed").get<std::uint64_t>();
    opt.mutate.bug = doc.at("bug").is_null() ? std::nullopt : std::optional(doc.at("bug").get<std::string>());
    opt.mutate.allow_wipe = doc.value("allow_wipe", false);
    if (doc.contains("shard") && !doc.at("shard").is_null()) {
      opt.shard_index = doc.at("shard").at("index").get<std::uint32_t>();
      opt.shard_count = doc.at("shard").at("count").get<std::uint32_t>();
      if (opt.shard_count == 0 || opt.shard_index >= opt.shard_count)
        throw InputError(path, "/shard", fmt::format("shard {}/{} does not exist", opt.shard_index, opt.shard_count));
    }
    if (doc.contains("end_k") && !doc.at("end_k").is_null()) st.end_k = doc.at("end_k").get<std::uint64_t>();
    st.status = doc.value("status", "running");
    st.next_k = doc.at("next_k").get<std::uint64_t>();
    st.runs = doc.at("runs").get<std::uint64_t>();
    st.failures = doc.at("failures").get<std::uint64_t>();
    for (int o = 1; o < 4; ++o) st.by_outcome[o] = doc.at("outcomes").value(k_outcome_names[o], std::uint64_t{0});
    st.seconds = doc.value("seconds", 0.0);
    for (const json& d : doc.at("distinct")) {
      DistinctFailure f;
      f.key.invariant = d.at("invariant").get<std::string>();
      f.key.signature = d.at("signature").get<std::string>();
      const std::string folder = d.at("folder").get<std::string>();
      f.key.id = folder.substr(folder.rfind('-') + 1);
      f.outcome = d.value("outcome", "");
      f.message = d.value("message", "");
      f.first_k = d.value("first_k", std::uint64_t{0});
      f.runs = d.value("runs", std::uint64_t{0});
      f.shrunk = d.value("shrunk", false);
      if (f.shrunk && d.contains("shrunk_steps") && !d.at("shrunk_steps").is_null()) {
        f.shrunk_steps = d.at("shrunk_steps").get<std::uint64_t>();
        f.shrunk_faults = d.value("shrunk_faults", std::uint64_t{0});
      }
      f.dir = join_path(fs::path(path).parent_path().string(), folder);
      st.distinct.push_back(std::move(f));
    }
  } catch (const json::exception& e) {
    throw InputError(path, "", std::string("not a valid campaign file: ") + e.what());
  }
  return st;
}

// ------------------------------------------------------------------ the campaign

namespace {

class Campaign {
  struct Found;  // below: a failed run that may be the first of its failure

 public:
  Campaign(CampaignOptions opt, const std::atomic<bool>& stop) : opt_(std::move(opt)), stop_(stop) {}

  CampaignResult run() {
    state_path_ = join_path(opt_.out_dir, "campaign.json");
    std::error_code ec;
    if (opt_.resume) {
      state_ = load_campaign(state_path_, opt_);
    } else if (fs::exists(state_path_, ec)) {
      throw InputError(opt_.out_dir, "",
                       "already holds a campaign (campaign.json): add --resume to continue it, or choose another --out");
    }
    base_ = parse_scenario(opt_.base, opt_.file);
    if (opt_.mutate.bug) base_.bug = bug_by_name(*opt_.mutate.bug);
    fs::create_directories(opt_.out_dir, ec);
    if (ec) throw InputError(opt_.out_dir, "", "cannot create the folder: " + ec.message());
    prior_seconds_ = state_.seconds;
    runs_at_start_ = state_.runs;
    failures_at_start_ = state_.failures;
    stride_ = std::max<std::uint64_t>(1, opt_.shard_count);
    if (!opt_.resume) state_.next_k = opt_.shard_index;  // the shard's first run
    if (state_.next_k % stride_ != opt_.shard_index % stride_)
      throw InputError(state_path_, "/next_k", fmt::format("run {} is not in shard {}/{}", state_.next_k,
                                                           opt_.shard_index, opt_.shard_count));
    start_k_ = state_.next_k;
    next_j_ = 0;
    // Unsharded, --runs N means N more runs; with a shard, the campaign's runs
    // k < N (the shard's share of them that is left).
    if (opt_.runs) end_k_ = opt_.sharded ? *opt_.runs : start_k_ + *opt_.runs;
    state_.end_k = end_k_;
    state_.status = "running";
    started_ = std::chrono::steady_clock::now();
    save_state();  // an unwritable folder fails here, before any run

    const unsigned jobs = std::max(1u, opt_.jobs);
    running_ = jobs;
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < jobs; ++t) threads.emplace_back([this] { worker(); });
    auto last_status = std::chrono::steady_clock::now();
    while (running_ > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (stop_.load() && !interrupted_) {
        interrupted_ = true;
        halt_ = true;
      }
      if (opt_.seconds && elapsed() >= *opt_.seconds) halt_ = true;
      if (std::chrono::steady_clock::now() - last_status >= std::chrono::seconds(1)) {
        last_status = std::chrono::steady_clock::now();
        status(false);
        save_state();
      }
    }
    for (auto& t : threads) t.join();
    halt_ = true;
    {
      std::lock_guard lock(mu_);
      state_.status = interrupted_ || !internal_error_.empty() ? "stopped" : "done";
    }
    save_state();
    status(true);
    if (!internal_error_.empty()) throw std::runtime_error(internal_error_);

    CampaignResult r;
    {
      std::lock_guard lock(mu_);
      r.state = snapshot();
    }
    r.runs_this_session = runs_live_.load();
    r.seconds_this_session = elapsed();
    r.interrupted = interrupted_;
    return r;
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  // Workers take run numbers in order from one counter; a run taken is always
  // finished, so on a clean stop every k below the counter is done.
  void worker() {
    while (!halt_) {
      const std::uint64_t k = start_k_ + next_j_.fetch_add(1) * stride_;
      if (end_k_ && k >= *end_k_) break;
      try {
        run_one(k);
      } catch (const std::exception& e) {
        std::lock_guard lock(mu_);
        if (internal_error_.empty()) internal_error_ = fmt::format("fuzz run {}: {}", k, e.what());
        halt_ = true;
      }
    }
    --running_;
  }

  void run_one(std::uint64_t k) {
    const json doc = mutate_scenario(opt_.base, base_, opt_.seed, k, opt_.mutate);
    sim::Scenario s;
    try {
      s = parse_scenario(doc, "fuzz");
    } catch (const InputError& e) {
      throw std::logic_error(fmt::format("the generated scenario is invalid: {}\n{}", e.what(), doc.dump()));
    }
    RunOptions ro;
    ro.recent_steps = 0;  // the report re-runs the saved file, with its last steps
    const RunResult r = run_scenario(s, ro);
    const auto key = failure_key(r);
    std::vector<Found> fresh;
    {
      std::lock_guard lock(mu_);
      Pending p{r.outcome, key ? key->folder() : std::string(), nullptr};
      ++runs_live_;
      if (key) {
        ++failures_live_;
        // Settled runs are all below k: if none failed this way, k may be the first.
        if (find_distinct(key->folder()) == nullptr) p.found = std::make_unique<Found>(Found{k, doc, r, *key});
      }
      pending_[k] = std::move(p);
      settle(fresh);
    }
    for (const Found& f : fresh) save_failure(f.k, f.doc, f.r, f.key);
  }

  // A new distinct failure: repro.json, then the run replayed from it with its
  // trace (trace.jsonl), the reports (report.txt, report.md) and the page
  // (trace.html), then the state (so a kill -9 after the message loses
  // nothing, and a reader of campaign.json finds every file complete), then
  // the shrunk repro.
  void save_failure(std::uint64_t k, const json& doc, const RunResult& r, const FailureKey& key) {
    const std::string dir = join_path(opt_.out_dir, key.folder());
    std::error_code ec;
    fs::create_directories(dir, ec);
    const std::string repro = join_path(dir, "repro.json");
    write(repro, scenario_text(doc));
    // Replay the file as `paxsim run` would: it must give the same run.
    const sim::Scenario saved = load_scenario(repro, {});
    const std::string trace = join_path(dir, "trace.jsonl");
    RunResult replay;
    std::string error;
    if (!run_traced(saved, trace, opt_.build, replay, error) ||
        !write_failure_artifacts(dir, saved, Invocation{repro, {}, false}, replay, trace, error))
      throw std::runtime_error("cannot write " + error);
    if (replay.fingerprint != r.fingerprint)
      say(fmt::format("fuzz: NON-DETERMINISM: run {} gave fingerprint {}, its saved repro {} ({})", k,
                      fingerprint_hex(r.fingerprint), fingerprint_hex(replay.fingerprint), repro));
    {
      std::lock_guard lock(mu_);
      find_entry(key.folder())->saved = true;
    }
    save_state();
    say(fmt::format("fuzz: new failure at run {}: {}  ({})", k, key.signature, repro));

    if (opt_.shrink_seconds <= 0) return;
    ShrinkOptions so;
    so.seconds = opt_.shrink_seconds;
    so.stop = &stop_;
    const auto shrunk = shrink_scenario(doc, repro, so);
    if (!shrunk) return;  // cannot happen: the run failed
    const std::string min = join_path(dir, "repro.min.json");
    write(min, scenario_text(shrunk->doc));
    write(join_path(dir, "shrink.txt"),
          shrink_summary(*shrunk) + "\n" + human_report(Invocation{min, {}, false}, shrunk->after));
    {
      std::lock_guard lock(mu_);
      DistinctFailure& d = find_entry(key.folder())->d;
      d.shrunk = true;
      d.shrunk_steps = shrunk->after.stats.steps;
      d.shrunk_faults = faults_in(shrunk->doc);
    }
    save_state();
    say(fmt::format("fuzz: shrunk {}: {} -> {} faults, {} -> {} steps ({})", key.folder(), faults_in(doc),
                    faults_in(shrunk->doc), r.stats.steps, shrunk->after.stats.steps, min));
  }

  static std::string first_message(const RunResult& r) {
    if (r.outcome != Outcome::violation || r.violations.empty()) return r.liveness_message;
    return std::min_element(r.violations.begin(), r.violations.end(),
                            [](const auto& a, const auto& b) { return a.step < b.step; })
        ->message;
  }

  static std::size_t faults_in(const json& doc) { return doc.contains("faults") ? doc["faults"].size() : 0; }

  void write(const std::string& path, const std::string& content) {
    std::string error;
    if (!write_file_atomic(path, content, error)) throw std::runtime_error("cannot write " + error);
  }

  // Folds finished runs into the settled counters, in k order: the state on
  // disk counts exactly the runs k < next_k. A distinct failure is new when
  // its first run settles, so it is the smallest k that failed that way,
  // whatever the order in which the runs ended (-j does not change a
  // failure's first run, its repro.json, nor what shards find). `fresh`
  // receives the new ones, to save outside the lock.
  void settle(std::vector<Found>& fresh) {
    for (auto it = pending_.begin(); it != pending_.end() && it->first == state_.next_k; it = pending_.erase(it)) {
      state_.next_k += stride_;
      ++state_.runs;
      Pending& p = it->second;
      if (p.folder.empty()) continue;
      ++state_.failures;
      ++state_.by_outcome[static_cast<int>(p.outcome)];
      if (p.found && find_distinct(p.folder) == nullptr) {
        DistinctFailure d;
        d.key = p.found->key;
        d.outcome = to_string(p.found->r.outcome);
        d.message = first_message(p.found->r);
        d.first_k = it->first;
        d.dir = join_path(opt_.out_dir, p.folder);
        distinct_.push_back(Entry{std::move(d), false});
        fresh.push_back(std::move(*p.found));
      }
      if (DistinctFailure* d = find_distinct(p.folder)) ++d->runs;
    }
  }

  struct Entry {
    DistinctFailure d;
    bool saved;  // repro.json is on disk
  };
  // A failed run whose failure was not known when it ended: what saving it takes.
  struct Found {
    std::uint64_t k;
    json doc;
    RunResult r;
    FailureKey key;
  };
  struct Pending {
    Outcome outcome;
    std::string folder;            // empty: passed
    std::unique_ptr<Found> found;  // set when it may be the first run of its failure
  };

  Entry* find_entry(const std::string& folder) {
    for (Entry& e : distinct_)
      if (e.d.key.folder() == folder) return &e;
    return nullptr;
  }
  // A failure known to the campaign: found in an earlier session, or in this one.
  DistinctFailure* find_distinct(const std::string& folder) {
    for (DistinctFailure& d : state_.distinct)
      if (d.key.folder() == folder) return &d;
    Entry* e = find_entry(folder);
    return e ? &e->d : nullptr;
  }

  // The state as it stands (with mu_ held): loaded failures, then saved new ones.
  CampaignState snapshot() const {
    CampaignState st = state_;
    st.seconds = prior_seconds_ + elapsed();
    for (const Entry& e : distinct_)
      if (e.saved) st.distinct.push_back(e.d);
    return st;
  }

  void save_state() {
    std::lock_guard lock(mu_);  // also keeps two writers off the one temporary file
    const std::string text = campaign_json(opt_, snapshot()).dump(2) + "\n";
    std::string error;
    if (!write_file_atomic(state_path_, text, error)) throw InputError(opt_.out_dir, "", "cannot write the campaign state: " + error);
  }

  void say(const std::string& line) {
    if (opt_.quiet) return;
    std::lock_guard lock(io_mu_);
    if (opt_.status_tty && status_shown_) std::cerr << "\r\x1b[K";
    std::cerr << line << "\n" << std::flush;
    status_shown_ = false;
  }

  void status(bool final) {
    if (opt_.quiet) return;
    std::uint64_t distinct = 0;
    {
      std::lock_guard lock(mu_);
      distinct = state_.distinct.size() + distinct_.size();
    }
    const double t = elapsed();
    const std::uint64_t runs = runs_live_.load();
    const std::string line = fmt::format("fuzz: runs {}  {:.0f} runs/s  failures {}  distinct {}  elapsed {:.0f}s",
                                         state_runs_before() + runs, t > 0 ? static_cast<double>(runs) / t : 0.0,
                                         failures_before() + failures_live_.load(), distinct, prior_seconds_ + t);
    std::lock_guard lock(io_mu_);
    if (opt_.status_tty) {
      std::cerr << "\r" << line << "\x1b[K" << (final ? "\n" : "") << std::flush;
      status_shown_ = !final;
    } else {
      std::cerr << line << "\n" << std::flush;
    }
  }
  std::uint64_t state_runs_before() const { return runs_at_start_; }
  std::uint64_t failures_before() const { return failures_at_start_; }

  CampaignOptions opt_;
  const std::atomic<bool>& stop_;
  sim::Scenario base_;
  std::string state_path_;
  std::chrono::steady_clock::time_point started_;
  double prior_seconds_ = 0;
  std::uint64_t start_k_ = 0;
  std::optional<std::uint64_t> end_k_;
  std::uint64_t stride_ = 1;     // shard_count: the distance between this shard's runs
  std::atomic<std::uint64_t> next_j_{0};  // the next of this session's runs: k = start_k_ + j * stride_
  std::atomic<bool> halt_{false};
  std::atomic<unsigned> running_{0};
  bool interrupted_ = false;

  std::mutex mu_;  // state_, pending_, distinct_, internal_error_
  CampaignState state_;
  std::map<std::uint64_t, Pending> pending_;
  std::vector<Entry> distinct_;  // found in this session
  std::string internal_error_;
  std::atomic<std::uint64_t> runs_live_{0}, failures_live_{0};
  std::uint64_t runs_at_start_ = 0, failures_at_start_ = 0;

  std::mutex io_mu_;
  bool status_shown_ = false;
};

}  // namespace

CampaignResult run_campaign(CampaignOptions opt, const std::atomic<bool>& stop) {
  return Campaign(std::move(opt), stop).run();
}

std::string campaign_summary(const CampaignOptions& opt, const CampaignResult& r) {
  const CampaignState& st = r.state;
  // Without --bug, the scenario's own switch (a scenarios/bugs/ file) is on in every run.
  std::string bug = opt.mutate.bug.value_or("none");
  if (!opt.mutate.bug && opt.base.contains("bug") && opt.base["bug"].is_string())
    bug = opt.base["bug"].get<std::string>() + " (the scenario's own)";
  std::string out = fmt::format("fuzz campaign: {} ({}), campaign seed {}, bug {}{}\n", opt.file,
                                opt.base.value("name", "?"), opt.seed, bug,
                                opt.mutate.allow_wipe ? ", wiped disks allowed" : "");
  std::string done;
  if (opt.shard_count > 1) {
    out += fmt::format("shard {}/{}: the runs k = {} (mod {}){}\n", opt.shard_index, opt.shard_count, opt.shard_index,
                       opt.shard_count, st.end_k ? fmt::format(" below {}", *st.end_k) : std::string());
    done = st.next_k <= opt.shard_index ? std::string("none")
                                        : fmt::format("{}, {}, ..., {}", opt.shard_index, opt.shard_index + opt.shard_count,
                                                      st.next_k - opt.shard_count);
  } else {
    done = st.next_k == 0 ? std::string("none") : fmt::format("0..{}", st.next_k - 1);
  }
  out += fmt::format("runs: {} this session in {:.1f} s ({:.0f} runs/s), {} in all (runs {} done){}\n",
                     r.runs_this_session, r.seconds_this_session,
                     r.seconds_this_session > 0 ? static_cast<double>(r.runs_this_session) / r.seconds_this_session : 0.0,
                     st.runs, done, r.interrupted ? "; stopped by a signal" : "");
  out += fmt::format("failures: {} (violation {}, liveness {}, limit {}); distinct: {}\n", st.failures,
                     st.by_outcome[static_cast<int>(Outcome::violation)],
                     st.by_outcome[static_cast<int>(Outcome::liveness)], st.by_outcome[static_cast<int>(Outcome::limit)],
                     st.distinct.size());
  for (const DistinctFailure& d : st.distinct) {
    out += fmt::format("  {}  first at run {}, {} run{}{}\n", d.dir, d.first_k, d.runs, d.runs == 1 ? "" : "s",
                       d.shrunk ? ", shrunk" : "");
    out += fmt::format("    {}\n", d.key.signature);
    out += fmt::format("    paxsim run {}\n", shell_quote(join_path(d.dir, "repro.json")));
    if (d.shrunk) out += fmt::format("    paxsim run {}\n", shell_quote(join_path(d.dir, "repro.min.json")));
  }
  out += fmt::format("state: {}; continue with: paxsim fuzz --resume --out {}{}\n",
                     join_path(opt.out_dir, "campaign.json"), shell_quote(opt.out_dir),
                     opt.shard_count > 1 ? "; merge the shards with: paxsim merge SHARD_DIR... --out DIR" : "");
  return out;
}

}  // namespace paxsim::cli
