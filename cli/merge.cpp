#include "cli/merge.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "cli/commands.hpp"
#include "cli/fuzz.hpp"
#include "cli/options.hpp"
#include "cli/report.hpp"
#include "cli/scenario_json.hpp"
#include "cli/trace.hpp"

namespace fs = std::filesystem;

namespace paxsim::cli {

using json = nlohmann::json;

namespace {

// One readable input: a shard's folder, or an earlier merge's.
struct Input {
  std::string dir;
  json doc;
  CampaignOptions opt;
  CampaignState st;
  std::uint32_t shard_count = 1;
  std::vector<ShardStatus> shards;  // the shards it covers
};

json shard_json(const ShardStatus& s) {
  return {{"index", s.index}, {"dir", s.dir},     {"status", s.status},   {"next_k", s.next_k},
          {"end_k", s.end_k ? json(*s.end_k) : json(nullptr)},     {"runs", s.runs},
          {"failures", s.failures}, {"seconds", s.seconds}, {"build", s.build}};
}

ShardStatus shard_from_json(const json& j) {
  ShardStatus s;
  s.index = j.at("index").get<std::uint32_t>();
  s.dir = j.at("dir").get<std::string>();
  s.status = j.at("status").get<std::string>();
  s.next_k = j.at("next_k").get<std::uint64_t>();
  if (!j.at("end_k").is_null()) s.end_k = j.at("end_k").get<std::uint64_t>();
  s.runs = j.at("runs").get<std::uint64_t>();
  s.failures = j.at("failures").get<std::uint64_t>();
  s.seconds = j.value("seconds", 0.0);
  s.build = j.value("build", "");
  return s;
}

// Reads DIR/campaign.json; nullopt with `problem` when it is absent or unreadable.
std::optional<Input> read_input(const std::string& dir, std::string& problem) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    problem = "no such folder: the shard never started (or the path is wrong)";
    return std::nullopt;
  }
  const std::string path = (fs::path(dir) / "campaign.json").string();
  if (!fs::exists(path, ec)) {
    problem = "no campaign.json: the shard never started, or failed before its first save";
    return std::nullopt;
  }
  Input in;
  in.dir = dir;
  try {
    in.doc = load_json_file(path);
    in.st = campaign_from_json(in.doc, path, in.opt);
    if (const auto m = in.doc.find("merged"); m != in.doc.end()) {
      in.shard_count = m->at("shard_count").get<std::uint32_t>();
      for (const json& s : m->at("shards")) in.shards.push_back(shard_from_json(s));
    } else {
      in.shard_count = in.opt.shard_count;
      ShardStatus s;
      s.index = in.opt.shard_index;
      s.dir = dir;
      s.status = in.st.status;
      s.next_k = in.st.next_k;
      s.end_k = in.st.end_k;
      s.runs = in.st.runs;
      s.failures = in.st.failures;
      s.seconds = in.st.seconds;
      s.build = in.doc.value("build", "");
      in.shards.push_back(s);
    }
  } catch (const InputError& e) {
    problem = std::string("unreadable campaign.json: ") + e.what();
    return std::nullopt;
  } catch (const json::exception& e) {
    problem = std::string("unreadable campaign.json: ") + e.what();
    return std::nullopt;
  }
  return in;
}

// Why `b` is not of the campaign of `a`; empty when it is.
std::string difference(const Input& a, const Input& b) {
  if (a.opt.base != b.opt.base) return "the scenario differs";
  if (a.opt.seed != b.opt.seed) return fmt::format("the campaign seed differs ({} / {})", a.opt.seed, b.opt.seed);
  if (a.opt.mutate.bug != b.opt.mutate.bug)
    return fmt::format("the bug switch differs ({} / {})", a.opt.mutate.bug.value_or("none"),
                       b.opt.mutate.bug.value_or("none"));
  if (a.opt.mutate.allow_wipe != b.opt.mutate.allow_wipe) return "--allow-wipe differs";
  if (a.shard_count != b.shard_count)
    return fmt::format("the shard count differs ({} / {})", a.shard_count, b.shard_count);
  return "";
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream s;
  s << f.rdbuf();
  if (!f.good() && !f.eof()) return std::nullopt;
  return std::move(s).str();
}

std::uint64_t file_size_or_max(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? UINT64_MAX : static_cast<std::uint64_t>(n);
}

// A failure as the merge sees it: the merged entry, and where its files come from.
struct Merged {
  DistinctFailure d;
  const DistinctFailure* first = nullptr;     // the smallest first_k
  const DistinctFailure* smallest = nullptr;  // the smallest shrunk repro
};

auto smallness(const DistinctFailure& d) {
  return std::tuple(d.shrunk_steps, d.shrunk_faults, file_size_or_max(fs::path(d.dir) / "repro.min.json"), d.first_k);
}

class Writer {
 public:
  explicit Writer(MergeResult& r) : r_(r) {}

  // dst becomes a copy of src (src absent: dst removed); unchanged when equal.
  void copy(const fs::path& src, const fs::path& dst) {
    std::error_code ec;
    const auto content = read_file(src);
    if (!content) {
      if (fs::remove(dst, ec)) ++r_.files_written;
      return;
    }
    put(dst, *content);
  }

  void put(const fs::path& dst, const std::string& content) {
    if (const auto old = read_file(dst); old && *old == content) {
      ++r_.files_unchanged;
      return;
    }
    std::string error;
    if (!write_file_atomic(dst.string(), content, error)) throw InputError(dst.string(), "", "cannot write: " + error);
    ++r_.files_written;
  }

 private:
  MergeResult& r_;
};

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

MergeResult merge_campaigns(const MergeOptions& opt) {
  const auto started = std::chrono::steady_clock::now();
  if (opt.inputs.empty()) throw UsageError("paxsim merge: no shard folder given (see paxsim merge --help)");
  if (opt.out_dir.empty()) throw UsageError("paxsim merge: missing --out DIR");
  MergeResult r;
  std::error_code ec;
  const fs::path out = opt.out_dir;
  const fs::path out_abs = fs::weakly_canonical(fs::absolute(out), ec);

  // ---- read the inputs
  std::vector<Input> inputs;
  std::set<fs::path> seen;
  for (const std::string& dir : opt.inputs) {
    const fs::path abs = fs::weakly_canonical(fs::absolute(dir), ec);
    if (abs == out_abs) throw UsageError(fmt::format("paxsim merge: --out {} is also an input", opt.out_dir));
    if (!seen.insert(abs).second) throw UsageError(fmt::format("paxsim merge: {} is given twice", dir));
    std::string problem;
    if (auto in = read_input(dir, problem)) {
      inputs.push_back(std::move(*in));
    } else {
      r.problems.push_back({std::nullopt, dir, problem});
    }
  }
  if (inputs.empty()) {
    std::string why;
    for (const auto& p : r.problems) why += fmt::format("\n  {}: {}", p.dir, p.what);
    throw UsageError("paxsim merge: nothing to merge: no input holds a campaign" + why);
  }
  for (std::size_t i = 1; i < inputs.size(); ++i)
    if (const std::string d = difference(inputs[0], inputs[i]); !d.empty())
      throw UsageError(fmt::format("paxsim merge: {} and {} are not shards of one campaign: {}", inputs[0].dir,
                                   inputs[i].dir, d));
  r.shard_count = inputs[0].shard_count;

  // ---- which input covers which shard
  std::vector<std::optional<ShardStatus>> by_index(r.shard_count);
  for (const Input& in : inputs)
    for (const ShardStatus& s : in.shards) {
      if (s.index >= r.shard_count)
        throw UsageError(fmt::format("paxsim merge: {}: shard {} of {} does not exist", in.dir, s.index, r.shard_count));
      if (by_index[s.index])
        throw UsageError(fmt::format("paxsim merge: shard {}/{} is in both {} and {}", s.index, r.shard_count,
                                     by_index[s.index]->dir, s.dir));
      by_index[s.index] = s;
    }
  std::set<std::string> builds;
  for (std::uint32_t i = 0; i < r.shard_count; ++i) {
    if (!by_index[i]) {
      r.missing.push_back(i);
      continue;
    }
    const ShardStatus& s = *by_index[i];
    r.shards.push_back(s);
    builds.insert(s.build);
    if (opt.final && s.status != "done")
      r.problems.push_back({i, s.dir,
                            s.status == "stopped" ? "stopped by a signal before its end"
                                                  : "did not end (killed, out of time, or still running)"});
  }
  if (builds.size() > 1)
    r.warnings.push_back(fmt::format("the shards come from {} different builds ({}): a repro replays exactly only on "
                                     "the build that found it",
                                     builds.size(), join({builds.begin(), builds.end()}, "; ")));
  r.complete = r.missing.empty() &&
               std::all_of(r.shards.begin(), r.shards.end(), [](const auto& s) { return s.status == "done"; });

  // ---- the merged state
  CampaignOptions mo = inputs[0].opt;
  mo.out_dir = opt.out_dir;
  mo.build = inputs[0].doc.value("build", "");
  mo.shard_index = 0;
  mo.shard_count = r.shard_count;
  CampaignState ms;
  ms.next_k = UINT64_MAX;
  for (std::uint32_t i = 0; i < r.shard_count; ++i) ms.next_k = std::min<std::uint64_t>(ms.next_k, by_index[i] ? by_index[i]->next_k : i);
  for (const Input& in : inputs) {
    ms.runs += in.st.runs;
    ms.failures += in.st.failures;
    for (int o = 0; o < 4; ++o) ms.by_outcome[o] += in.st.by_outcome[o];
    ms.seconds += in.st.seconds;
  }
  if (r.missing.empty() && !r.shards.empty()) {
    ms.end_k = r.shards[0].end_k;
    for (const ShardStatus& s : r.shards)
      if (s.end_k != ms.end_k) ms.end_k.reset();
  }
  const bool stopped = std::any_of(r.shards.begin(), r.shards.end(), [](const auto& s) { return s.status == "stopped"; });
  ms.status = r.complete ? "done" : stopped ? "stopped" : "running";

  std::map<std::string, Merged> failures;  // by folder
  for (const Input& in : inputs)
    for (const DistinctFailure& d : in.st.distinct) {
      Merged& m = failures[d.key.folder()];
      m.d.runs += d.runs;  // the rest of m.d is set below
      if (!m.first || d.first_k < m.first->first_k) m.first = &d;
      if (d.shrunk && (!m.smallest || smallness(d) < smallness(*m.smallest))) m.smallest = &d;
    }
  std::vector<Merged*> order;
  for (auto& [folder, m] : failures) {
    const std::uint64_t runs = m.d.runs;
    m.d = *m.first;  // identity, outcome, message and first_k of the first finder
    m.d.runs = runs;
    m.d.shrunk = m.smallest != nullptr;
    if (m.smallest) {
      m.d.shrunk_steps = m.smallest->shrunk_steps;
      m.d.shrunk_faults = m.smallest->shrunk_faults;
    }
    m.d.dir = (out / folder).string();
    order.push_back(&m);
  }
  std::sort(order.begin(), order.end(), [](const Merged* a, const Merged* b) { return a->d.first_k < b->d.first_k; });
  for (const Merged* m : order) ms.distinct.push_back(m->d);

  json doc = campaign_json(mo, ms);
  doc["shard"] = nullptr;
  for (std::size_t i = 0; i < order.size(); ++i) {
    doc["distinct"][i]["found_by"] = order[i]->first->dir;
    doc["distinct"][i]["shrunk_by"] = order[i]->smallest ? json(order[i]->smallest->dir) : json(nullptr);
  }
  json shards = json::array(), problems = json::array();
  for (const ShardStatus& s : r.shards) shards.push_back(shard_json(s));
  for (const MergeProblem& p : r.problems)
    problems.push_back({{"index", p.index ? json(*p.index) : json(nullptr)}, {"dir", p.dir}, {"what", p.what}});
  doc["merged"] = {{"shard_count", r.shard_count}, {"complete", r.complete}, {"shards", shards},
                   {"missing", r.missing},         {"problems", problems},    {"warnings", r.warnings}};
  r.campaign = doc;

  // ---- OUT: refuse to overwrite anything but an earlier merge of this campaign
  const fs::path state = out / "campaign.json";
  std::vector<std::string> old_folders;
  if (fs::exists(state, ec)) {
    std::string problem;
    const auto prior = read_input(opt.out_dir, problem);
    if (!prior || !prior->doc.contains("merged"))
      throw UsageError(fmt::format("paxsim merge: {} holds {}, not an earlier merge: choose another --out", opt.out_dir,
                                   prior ? "a fuzz campaign" : "an unreadable campaign.json"));
    if (const std::string d = difference(inputs[0], *prior); !d.empty())
      throw UsageError(fmt::format("paxsim merge: {} holds the merge of another campaign ({}): choose another --out",
                                   opt.out_dir, d));
    for (const DistinctFailure& d : prior->st.distinct) old_folders.push_back(d.key.folder());
  }
  fs::create_directories(out, ec);
  if (ec) throw InputError(opt.out_dir, "", "cannot create the folder: " + ec.message());

  Writer w(r);
  for (const Merged* m : order) {
    const fs::path dst = m->d.dir;
    fs::create_directories(dst, ec);
    if (ec) throw InputError(dst.string(), "", "cannot create the folder: " + ec.message());
    for (const char* f : k_failure_files) w.copy(fs::path(m->first->dir) / f, dst / f);
    for (const char* f : k_shrunk_files)
      m->smallest ? w.copy(fs::path(m->smallest->dir) / f, dst / f) : w.copy(fs::path(), dst / f);
  }
  for (const std::string& f : old_folders)
    if (!failures.count(f)) fs::remove_all(out / f, ec);  // listed by the earlier merge only
  w.put(state, doc.dump(2) + "\n");  // last: it vouches for the files above
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

std::string merge_summary(const MergeOptions& opt, const MergeResult& r) {
  const json& c = r.campaign;
  const std::string bug = c.at("bug").is_null() ? "none" : c.at("bug").get<std::string>();
  std::string out = fmt::format("merge: {} folder{} into {}: campaign {} ({}), campaign seed {}, bug {}\n",
                                opt.inputs.size(), opt.inputs.size() == 1 ? "" : "s", opt.out_dir,
                                c.at("scenario_file").get<std::string>(), c.at("scenario").value("name", "?"),
                                c.at("campaign_seed").get<std::uint64_t>(), bug);
  std::size_t done = 0;
  for (const ShardStatus& s : r.shards) done += s.status == "done";
  out += fmt::format("shards: {} of {} present, {} done{}\n", r.shards.size(), r.shard_count, done,
                     r.complete ? " (complete)" : "");
  for (const ShardStatus& s : r.shards)
    out += fmt::format("  shard {}/{}  {:<8} runs {:>9}  failures {:>7}  {:>8.1f} s  {}\n", s.index, r.shard_count,
                       s.status, s.runs, s.failures, s.seconds, s.dir);
  for (std::uint32_t i : r.missing) out += fmt::format("  MISSING shard {}/{}: no input holds it\n", i, r.shard_count);
  for (const MergeProblem& p : r.problems)
    out += fmt::format("  PROBLEM {}{}: {}\n", p.index ? fmt::format("shard {}/{} ", *p.index, r.shard_count) : "",
                       p.dir, p.what);
  for (const std::string& w : r.warnings) out += "  WARNING " + w + "\n";

  const std::uint64_t runs = c.at("runs").get<std::uint64_t>(), next_k = c.at("next_k").get<std::uint64_t>();
  std::string prefix = next_k == 0 ? "no prefix of runs 0, 1, ... is all done"
                                   : fmt::format("runs 0..{} all done", next_k - 1);
  if (!c.at("end_k").is_null() && next_k >= c.at("end_k").get<std::uint64_t>() && runs == c.at("end_k").get<std::uint64_t>())
    prefix += fmt::format(": the runs of one campaign of --runs {}", runs);
  else if (runs > next_k)
    prefix += fmt::format(", and {} more beyond", runs - next_k);
  out += fmt::format("runs: {} in all ({})\n", runs, prefix);
  const json& o = c.at("outcomes");
  out += fmt::format("failures: {} (violation {}, liveness {}, limit {}); distinct: {}\n",
                     c.at("failures").get<std::uint64_t>(), o.value("violation", 0), o.value("liveness", 0),
                     o.value("limit", 0), c.at("distinct").size());
  for (const json& d : c.at("distinct")) {
    const auto n = d.at("runs").get<std::uint64_t>();
    out += fmt::format("  {}  first at run {}, {} run{}{}\n", (fs::path(opt.out_dir) / d.at("folder").get<std::string>()).string(),
                       d.at("first_k").get<std::uint64_t>(), n, n == 1 ? "" : "s",
                       d.at("shrunk").get<bool>() ? fmt::format(", shrunk to {} steps", d.at("shrunk_steps").get<std::uint64_t>()) : "");
    out += fmt::format("    {}\n", d.at("signature").get<std::string>());
    out += fmt::format("    paxsim run {}\n", shell_quote(d.at("repro").get<std::string>()));
    if (!d.at("repro_min").is_null()) out += fmt::format("    paxsim run {}\n", shell_quote(d.at("repro_min").get<std::string>()));
  }
  out += fmt::format("state: {}; merged in {:.2f} s ({} files written, {} unchanged)\n",
                     (fs::path(opt.out_dir) / "campaign.json").string(), r.seconds, r.files_written, r.files_unchanged);
  return out;
}

int merge_exit_code(const MergeResult& r) {
  if (r.campaign.at("failures").get<std::uint64_t>() > 0) return k_exit_failed;
  if (!r.missing.empty() || !r.problems.empty()) return k_exit_usage;
  return k_exit_ok;
}

}  // namespace paxsim::cli
