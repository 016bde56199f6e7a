#include "cli/scenario_json.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

namespace paxsim::cli {

using json = nlohmann::json;

namespace {

// Bounds on what a scenario may ask for. Past them a file is surely a mistake,
// and they keep later arithmetic (µs in an int64, per-endpoint tables) safe.
constexpr std::uint64_t k_nodes_max = 1000;
constexpr std::uint64_t k_clients_max = 1000;
constexpr std::uint64_t k_shards_max = 1024;
constexpr std::uint64_t k_window_max = 1u << 16;
constexpr std::uint64_t k_ops_max = 1'000'000;  // per client, and kv keys
constexpr double k_time_ms_max = 1e12;          // ~30 years; 1e15 µs fits an int64
constexpr double k_drift_ppm_max = 1e6;
constexpr double k_integral_max = 9007199254740992.0;  // 2^53: doubles hold integers exactly up to here
constexpr std::uint64_t k_tape_delay_us_max = 3'600'000'000'000;  // a tape's message delay: at most 1000 h
constexpr std::uintmax_t k_file_bytes_max = std::uintmax_t{64} << 20;
constexpr std::size_t k_name_length_max = 100;
constexpr double k_mix_tolerance = 1e-9;

// Safety invariants; synod has no log, no clients and no lock, so only the
// first k_synod_invariants apply to it.
constexpr std::array<std::string_view, 8> k_invariants = {"agreement", "validity", "promises",     "quorums",
                                                          "stability", "log",      "linearizable", "lock"};
constexpr std::size_t k_synod_invariants = 5;

constexpr std::array<std::string_view, 4> k_nemesis_actions = {"partition", "cut", "crash", "pause"};
// "clock" (skews a node's rate within params.max_drift_ppm) only when asked for.
constexpr std::array<std::string_view, 5> k_nemesis_actions_allowed = {"partition", "cut", "crash", "pause", "clock"};

// ---------------------------------------------------------------------------
// Text helpers

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char ch : key) {
    if (ch == '~')
      out += "~0";
    else if (ch == '/')
      out += "~1";
    else
      out += ch;
  }
  return out;
}

std::string in_quotes(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

template <typename Range>
std::string joined(const Range& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

// A value as an error message shows it: short, and objects and arrays by kind.
std::string describe(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// Whether `v` is the string `word`: `v == word` without the document that
// comparing with a C string builds (and allocates) for it.
bool is_word(const json& v, std::string_view word) {
  return v.is_string() && *v.get_ptr<const std::string*>() == word;
}

std::string ms_text(Time_us us) { return fmt::format("{} ms", static_cast<double>(us) / 1000.0); }

// ---------------------------------------------------------------------------
// Cursor: a value in the document with its file, so that every reader can say
// where a problem is.
//
// A cursor knows its JSON pointer only when a message needs it: it finds it
// by looking for the value's address in the document (pointer_of). Building
// every pointer as the reader went, for values that are nearly always fine,
// cost more than reading them (`paxsim fuzz` parses a scenario per run).

// The JSON pointer of the value at `target` within `doc`, found by address;
// "" if it is not there (or is `doc` itself). A walk with a stack of its own,
// not a recursion: a broken file may nest deep where nothing is wrong.
std::string pointer_of(const json& doc, const json* target) {
  struct Frame {
    json::const_iterator next, end;
    bool array;
    std::size_t index;      // array: of `next`
    std::size_t path_size;  // the pointer of the value this walks
  };
  std::vector<Frame> stack;
  std::string path;
  const auto enter = [&](const json& v) {
    if (v.is_structured() && !v.empty()) stack.push_back({v.cbegin(), v.cend(), v.is_array(), 0, path.size()});
  };
  if (&doc != target) enter(doc);
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next == f.end) {
      stack.pop_back();
      continue;
    }
    path.resize(f.path_size);
    path += '/';
    path += f.array ? std::to_string(f.index) : pointer_token(f.next.key());
    const json& child = *f.next;
    ++f.next;
    ++f.index;
    if (&child == target) return path;
    enter(child);
  }
  return "";
}

class Cursor {
 public:
  // The document's root.
  Cursor(const json& doc, const std::string& file) : value_(&doc), at_(&doc), doc_(&doc), file_(&file) {}
  // `value`, a value within `c`'s document.
  Cursor(const json& value, const Cursor& c) : value_(&value), at_(&value), doc_(c.doc_), file_(c.file_) {}
  // `value`, read from outside the document in place of `c` (a problem with
  // it is reported at `c`'s pointer).
  static Cursor in_place_of(const json& value, const Cursor& c) {
    Cursor out = c;
    out.value_ = &value;
    return out;
  }

  const json& value() const { return *value_; }
  std::string path() const { return pointer_of(*doc_, at_); }
  const std::string& file() const { return *file_; }

  [[noreturn]] void fail(const std::string& message) const { throw InputError(*file_, path(), message); }
  void require(bool ok, std::string_view wanted) const {
    if (!ok) fail(fmt::format("expected {}, got {}", wanted, describe(*value_)));
  }

  std::optional<Cursor> find(std::string_view key) const {
    require(value_->is_object(), "an object");
    const auto it = value_->find(key);
    if (it == value_->end()) return std::nullopt;
    return Cursor(*it, *this);
  }
  Cursor required(std::string_view key) const {
    if (auto c = find(key)) return *c;
    fail(fmt::format("missing required key {}", in_quotes(key)));
  }
  std::vector<Cursor> elements() const {
    require(value_->is_array(), "an array");
    std::vector<Cursor> out;
    out.reserve(value_->size());
    for (const json& e : *value_) out.emplace_back(e, *this);
    return out;
  }

 private:
  const json* value_;
  const json* at_;   // where the value stands in the document (itself, but for in_place_of)
  const json* doc_;
  const std::string* file_;
};

// Every object in a scenario allows a fixed set of keys; anything else is an
// error at the unknown key's own pointer.
void check_keys(const Cursor& c, std::span<const std::string_view> allowed) {
  c.require(c.value().is_object(), "an object");
  for (const auto& [key, value] : c.value().items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    Cursor(value, c).fail(fmt::format("unknown key {} (expected one of: {})", in_quotes(key), joined(allowed)));
  }
}
void check_keys(const Cursor& c, std::initializer_list<std::string_view> allowed) {
  check_keys(c, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

// ---------------------------------------------------------------------------
// Scalar readers

std::string read_string(const Cursor& c) {
  c.require(c.value().is_string(), "a string");
  return c.value().get<std::string>();
}

std::string read_nonempty_string(const Cursor& c) {
  std::string s = read_string(c);
  if (s.empty()) c.fail("must not be empty");
  return s;
}

// One of a few fixed words; returns its index in `words`.
std::size_t read_choice(const Cursor& c, std::span<const std::string_view> words, std::string_view what) {
  const std::string s = read_string(c);
  const auto it = std::find(words.begin(), words.end(), s);
  if (it == words.end()) {
    std::vector<std::string> options;
    for (auto w : words) options.push_back(in_quotes(w));
    c.fail(fmt::format("unknown {} {} (expected one of: {})", what, in_quotes(s), joined(options)));
  }
  return static_cast<std::size_t>(it - words.begin());
}
std::size_t read_choice(const Cursor& c, std::initializer_list<std::string_view> words, std::string_view what) {
  return read_choice(c, std::span<const std::string_view>(words.begin(), words.size()), what);
}

// Every name `to_string` gives an enum's values, in enum order: a schedule
// accepts the names a trace writes, with no second list to keep in step.
template <class E, int N>
const std::array<std::string_view, N>& enum_names() {
  static const std::array<std::string_view, N> names = [] {
    std::array<std::string_view, N> out{};
    for (int i = 0; i < N; ++i) out[i] = to_string(static_cast<E>(i));
    return out;
  }();
  return names;
}

double read_number(const Cursor& c) {
  c.require(c.value().is_number(), "a number");
  const double d = c.value().get<double>();
  if (!std::isfinite(d)) c.fail("must be a finite number");
  return d;
}

double read_number_in(const Cursor& c, double lo, double hi) {
  const double d = read_number(c);
  if (d < lo || d > hi) c.fail(fmt::format("must be between {} and {}, got {}", lo, hi, d));
  return d;
}

// A non-negative integer: a JSON integer, or a float with no fraction.
std::uint64_t read_integer(const Cursor& c) {
  const json& v = c.value();
  c.require(v.is_number(), "an integer");
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < 0) c.fail(fmt::format("must not be negative, got {}", i));
    return static_cast<std::uint64_t>(i);
  }
  const double d = v.get<double>();
  if (!std::isfinite(d) || d != std::floor(d)) c.fail(fmt::format("expected an integer, got {}", describe(v)));
  if (d < 0) c.fail(fmt::format("must not be negative, got {}", d));
  if (d > k_integral_max) c.fail(fmt::format("{} is too large (write integers above 2^53 out in full)", describe(v)));
  return static_cast<std::uint64_t>(d);
}

std::uint64_t read_count(const Cursor& c, std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t n = read_integer(c);
  if (n >= lo && n <= hi) return n;
  if (hi == std::numeric_limits<std::uint64_t>::max()) c.fail(fmt::format("must be at least {}, got {}", lo, n));
  c.fail(fmt::format("must be between {} and {}, got {}", lo, hi, n));
}

std::uint32_t read_count32(const Cursor& c, std::uint64_t lo, std::uint64_t hi) {
  return static_cast<std::uint32_t>(read_count(c, lo, std::min<std::uint64_t>(hi, 0xffffffffu)));
}

// A time or duration in ms: >= 0 and bounded.
double read_time_ms(const Cursor& c) {
  const double ms = read_number(c);
  if (ms < 0) c.fail(fmt::format("a time must not be negative, got {}", ms));
  if (ms > k_time_ms_max) c.fail(fmt::format("{} ms is past the limit of {} ms", ms, k_time_ms_max));
  return ms;
}

Time_us read_time_us(const Cursor& c) { return sim::ms_to_us(read_time_ms(c)); }

double read_positive_ms(const Cursor& c) {
  const double ms = read_time_ms(c);
  if (ms <= 0) c.fail(fmt::format("must be greater than 0, got {}", ms));
  return ms;
}

double read_probability(const Cursor& c) {
  const double p = read_number(c);
  if (p < 0 || p > 1) c.fail(fmt::format("a probability must be between 0 and 1, got {}", p));
  return p;
}

// ---------------------------------------------------------------------------
// Distributions: `3` | {"uniform": [lo, hi]} | {"exponential": {"mean": m, "max": x}}

sim::Distribution read_uniform(const Cursor& c) {
  const auto bounds = c.elements();
  if (bounds.size() != 2) c.fail(fmt::format("expected [low, high], got {} numbers", bounds.size()));
  const double lo = read_time_ms(bounds[0]);
  const double hi = read_time_ms(bounds[1]);
  if (lo > hi) c.fail(fmt::format("low {} is above high {}", lo, hi));
  return sim::Distribution::uniform(lo, hi);
}

sim::Distribution read_exponential(const Cursor& c) {
  check_keys(c, {"mean", "max"});
  const double mean = read_positive_ms(c.required("mean"));
  double max = 0;  // no cap
  if (auto m = c.find("max")) {
    max = read_time_ms(*m);
    if (max < mean) m->fail(fmt::format("max {} is below the mean {}", max, mean));
  }
  return sim::Distribution::exponential(mean, max);
}

sim::Distribution read_distribution(const Cursor& c) {
  const json& v = c.value();
  if (v.is_number()) return sim::Distribution::constant(read_time_ms(c));
  if (!v.is_object() || v.size() != 1)
    c.fail(
        fmt::format("expected a distribution: a number, {{\"uniform\": [lo, hi]}} or "
                    "{{\"exponential\": {{\"mean\": m, \"max\": x}}}}, got {}",
                    describe(v)));
  check_keys(c, {"uniform", "exponential"});
  if (auto u = c.find("uniform")) return read_uniform(*u);
  return read_exponential(c.required("exponential"));
}

// A timer or an interval that is always 0 would fire forever at one instant.
sim::Distribution read_interval(const Cursor& c) {
  const sim::Distribution d = read_distribution(c);
  const bool always_zero = (d.kind == sim::Distribution::Kind::constant && d.a == 0) ||
                           (d.kind == sim::Distribution::Kind::uniform && d.b == 0);
  if (always_zero) c.fail("must not be always 0");
  return d;
}

// ---------------------------------------------------------------------------
// Names: nodes n1..nN are endpoints 0..N-1, clients c1..cK are N..N+K-1.

class Names {
 public:
  Names(std::uint32_t nodes, std::uint32_t clients) : nodes_(nodes), clients_(clients) {}

  // `also` lists other words accepted here, named when `s` is not even node-like.
  NodeId node(const Cursor& c, std::string_view also = "") const {
    const std::string s = read_string(c);
    if (auto k = ordinal(s, 'n'); k && *k <= nodes_) return *k - 1;
    if (ordinal(s, 'n') || also.empty()) c.fail(fmt::format("no node {} ({})", in_quotes(s), nodes_text()));
    c.fail(fmt::format("no node {} ({}; or {})", in_quotes(s), nodes_text(), also));
  }

  EndpointId endpoint(const Cursor& c) const {
    const std::string s = read_string(c);
    if (auto k = ordinal(s, 'n'); k && *k <= nodes_) return *k - 1;
    if (auto k = ordinal(s, 'c'); k && *k <= clients_) return nodes_ + *k - 1;
    if (ordinal(s, 'n')) c.fail(fmt::format("no node {} ({})", in_quotes(s), nodes_text()));
    if (ordinal(s, 'c')) c.fail(fmt::format("no client {} ({})", in_quotes(s), clients_text()));
    c.fail(fmt::format("no node or client {} ({}; {})", in_quotes(s), nodes_text(), clients_text()));
  }

  EndpointId client(const Cursor& c) const {
    const std::string s = read_string(c);
    if (auto k = ordinal(s, 'c'); k && *k <= clients_) return nodes_ + *k - 1;
    c.fail(fmt::format("no client {} ({})", in_quotes(s), clients_text()));
  }

  // "leader", "random" or a node name.
  sim::NodeSelector selector(const Cursor& c) const {
    if (is_word(c.value(), "leader")) return {sim::NodeSelector::Kind::leader, 0};
    if (is_word(c.value(), "random")) return {sim::NodeSelector::Kind::random, 0};
    return {sim::NodeSelector::Kind::index, node(c, R"("leader" or "random")")};
  }

  // As selector(), or a client name (its endpoint index) when `clients` allows it.
  sim::NodeSelector selector_or_client(const Cursor& c, bool clients) const {
    if (clients && c.value().is_string()) {
      const std::string s = c.value().get<std::string>();
      if (ordinal(s, 'c')) return {sim::NodeSelector::Kind::index, client(c)};
    }
    return selector(c);
  }

  std::uint32_t endpoints() const { return nodes_ + clients_; }

  std::vector<EndpointId> all() const {
    std::vector<EndpointId> out(endpoints());
    for (EndpointId e = 0; e < out.size(); ++e) out[e] = e;
    return out;
  }

 private:
  // "n12" -> 12; nullopt unless `prefix` is followed by a number without leading zeros.
  static std::optional<std::uint32_t> ordinal(std::string_view s, char prefix) {
    if (s.size() < 2 || s.size() > 10 || s[0] != prefix || s[1] == '0') return std::nullopt;
    std::uint32_t k = 0;
    for (char ch : s.substr(1)) {
      if (ch < '0' || ch > '9') return std::nullopt;
      k = k * 10 + static_cast<std::uint32_t>(ch - '0');
      if (k > k_nodes_max + k_clients_max) return k;  // out of range anyway; stop before overflow
    }
    return k;
  }
  std::string nodes_text() const {
    return nodes_ == 1 ? "the only node is n1" : fmt::format("nodes are n1..n{}", nodes_);
  }
  std::string clients_text() const {
    if (clients_ == 0) return "this scenario has no clients";
    return clients_ == 1 ? "the only client is c1" : fmt::format("clients are c1..c{}", clients_);
  }

  std::uint32_t nodes_;
  std::uint32_t clients_;
};

// A non-empty list of distinct endpoints, or "*" for every endpoint.
std::vector<EndpointId> read_endpoints(const Cursor& c, const Names& names, bool allow_star) {
  if (allow_star && is_word(c.value(), "*")) return names.all();
  const auto items = c.elements();
  if (items.empty())
    c.fail(allow_star ? R"(must not be empty (use "*" for every node and client))" : "must not be empty");
  std::vector<EndpointId> out;
  for (const auto& item : items) {
    const EndpointId e = names.endpoint(item);
    if (std::find(out.begin(), out.end(), e) != out.end())
      item.fail(fmt::format("{} is listed twice", describe(item.value())));
    out.push_back(e);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The scenario

// Action names as sim::to_string spells them, in enum order.
const std::vector<std::string_view>& fault_action_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (auto a = static_cast<unsigned>(sim::FaultAction::partition);
         a <= static_cast<unsigned>(sim::FaultAction::clock); ++a)
      out.push_back(sim::to_string(static_cast<sim::FaultAction>(a)));
    return out;
  }();
  return names;
}

// `name` must be one of fault_action_names().
sim::FaultAction fault_action_named(std::string_view name) {
  const auto& all = fault_action_names();
  return static_cast<sim::FaultAction>(std::find(all.begin(), all.end(), name) - all.begin());
}

// One of the actions in `allowed` (a subset of fault_action_names()).
sim::FaultAction read_fault_action(const Cursor& c, std::span<const std::string_view> allowed) {
  return fault_action_named(allowed[read_choice(c, allowed, "action")]);
}

// The keys a fault with action `a` allows (fixed lists: no vector built per fault).
std::span<const std::string_view> fault_keys(sim::FaultAction a) {
  using A = sim::FaultAction;
  static constexpr std::string_view k_plain[] = {"at_ms", "action"};
  static constexpr std::string_view k_groups[] = {"at_ms", "action", "groups"};
  static constexpr std::string_view k_cut[] = {"at_ms", "action", "from", "to"};
  static constexpr std::string_view k_node[] = {"at_ms", "action", "node"};
  static constexpr std::string_view k_restart[] = {"at_ms", "action", "node", "disk"};
  static constexpr std::string_view k_network[] = {"at_ms", "action", "delay_ms", "drop", "duplicate"};
  static constexpr std::string_view k_clock[] = {"at_ms", "action", "node", "offset_ms", "drift_ppm"};
  switch (a) {
    case A::partition: return k_groups;
    case A::cut: return k_cut;
    case A::heal: return k_plain;
    case A::crash:
    case A::pause:
    case A::resume: return k_node;
    case A::restart: return k_restart;
    case A::network: return k_network;
    case A::clock: return k_clock;
  }
  return k_plain;
}

// The `network` keys, at the top level or in a `network` fault.
sim::LinkPatch read_link_patch(const Cursor& c) {
  sim::LinkPatch patch;
  if (auto d = c.find("delay_ms")) patch.delay_ms = read_distribution(*d);
  if (auto d = c.find("drop")) patch.drop = read_probability(*d);
  if (auto d = c.find("duplicate")) patch.duplicate = read_probability(*d);
  return patch;
}

sim::Range read_range(const Cursor& c) {
  check_keys(c, {"min", "max"});
  sim::Range r;
  if (auto m = c.find("min")) r.min = read_integer(*m);
  if (auto m = c.find("max")) r.max = read_integer(*m);
  if (!r.min && !r.max) c.fail(R"(give "min", "max" or both)");
  if (r.min && r.max && *r.min > *r.max) c.fail(fmt::format("min {} is above max {}", *r.min, *r.max));
  return r;
}

class ScenarioParser {
 public:
  ScenarioParser(const json& doc, const std::string& file) : file_(file), root_(doc, file_) {}

  sim::Scenario parse() {
    check_keys(root_,
               {"schema_version", "name", "description", "tags", "seed", "bug", "protocol", "nodes", "shards", "params",
                "network", "storage", "workload", "faults", "nemesis", "invariants", "liveness", "limits", "expect",
                "schedule", "tape"});
    parse_identity();
    parse_cluster();
    if (auto c = root_.find("params")) parse_params(*c);
    if (auto c = root_.find("network")) parse_network(*c);
    if (auto c = root_.find("storage")) parse_storage(*c);
    parse_workload(root_.required("workload"));
    if (const std::string why = bug_misfit(s_); !why.empty()) root_.required("bug").fail(why);
    if (auto c = root_.find("limits")) parse_limits(*c);
    const Names names(s_.nodes, s_.clients());
    if (auto c = root_.find("faults")) parse_faults(*c, names);
    if (auto c = root_.find("nemesis")) parse_nemesis(*c);
    if (auto c = root_.find("invariants")) s_.invariants = read_invariant_list(*c);
    if (auto c = root_.find("expect")) parse_expect(*c);
    if (auto c = root_.find("liveness")) parse_liveness(*c);
    if (auto c = root_.find("schedule")) parse_schedule(*c, names);
    if (auto c = root_.find("tape")) parse_tape(*c, names);
    if (unsupported_) throw *unsupported_;
    return std::move(s_);
  }

 private:
  // Reported only after the whole document validated, so `paxsim validate`
  // shows real mistakes first; the first one in parse order wins.
  void unsupported(const Cursor& c, const std::string& what) {
    if (!unsupported_) unsupported_.emplace(file_, c.path(), what + " is not supported yet");
  }

  bool synod() const { return s_.protocol == sim::Protocol::synod; }

  void parse_identity() {
    const Cursor version = root_.required("schema_version");
    if (read_integer(version) != 1)
      version.fail(
          fmt::format("unsupported schema_version {} (this paxsim reads version 1)", describe(version.value())));
    s_.name = read_scenario_name(root_.required("name"));
    if (auto c = root_.find("description")) s_.description = read_string(*c);
    if (auto c = root_.find("tags")) {
      for (const auto& tag : c->elements()) {
        s_.tags.push_back(read_nonempty_string(tag));
        if (s_.tags.back().find(';') != std::string::npos)
          tag.fail("a tag must not contain ';' (tags become ctest labels)");
      }
    }
    if (auto c = root_.find("seed")) s_.seed = read_integer(*c);
    if (auto c = root_.find("bug")) {
      const std::string name = read_string(*c);
      s_.bug = bug_by_name(name);
      if (!s_.bug) c->fail(fmt::format("unknown bug switch {} (see `paxsim bugs`)", in_quotes(name)));
    }
  }

  static std::string read_scenario_name(const Cursor& c) {
    const std::string name = read_nonempty_string(c);
    const bool ok = std::all_of(name.begin(), name.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
    });
    if (!ok) c.fail(fmt::format("{} is not a valid name: use only a-z, 0-9 and '-'", in_quotes(name)));
    if (name.size() > k_name_length_max) c.fail(fmt::format("a name must be at most {} characters", k_name_length_max));
    return name;
  }

  void parse_cluster() {
    const Cursor protocol = root_.required("protocol");
    s_.protocol = read_choice(protocol, {"synod", "multi-paxos"}, "protocol") == 0 ? sim::Protocol::synod
                                                                                   : sim::Protocol::multi_paxos;
    s_.nodes = read_count32(root_.required("nodes"), 1, k_nodes_max);
    if (auto c = root_.find("shards")) {
      s_.shards = read_count32(*c, 1, k_shards_max);
      if (s_.shards != 1 && synod()) c->fail("shards apply to multi-paxos only");
    }
  }

  void parse_params(const Cursor& c) {
    check_keys(c, {"learning", "retry_ms", "retry_ms_max", "catchup_ms", "heartbeat_ms", "election_timeout_ms",
                   "max_drift_ppm", "window", "leader_lease_ms", "shard_replicas"});
    sim::Params& p = s_.params;
    if (auto v = c.find("learning"))
      p.learning = read_choice(*v, {"decide", "all-to-all"}, "learning mode") == 0 ? LearningMode::decide
                                                                                   : LearningMode::all_to_all;
    if (auto v = c.find("retry_ms")) p.retry_ms = read_interval(*v);
    if (auto v = c.find("retry_ms_max")) p.retry_ms_max = read_positive_ms(*v);
    // The cap applies from the first timeout on: below retry_ms's least
    // value, it would replace retry_ms altogether.
    const double least_retry = p.retry_ms.kind == sim::Distribution::Kind::exponential ? 0 : p.retry_ms.a;
    if (p.retry_ms_max < least_retry) {
      const std::string why = fmt::format("retry_ms_max ({} ms) is below the least retry_ms ({} ms)", p.retry_ms_max,
                                          least_retry);
      if (auto v = c.find("retry_ms_max")) v->fail(why);
      c.required("retry_ms").fail(why);
    }
    if (auto v = c.find("catchup_ms")) p.catchup_ms = read_interval(*v);
    if (auto v = c.find("heartbeat_ms")) p.heartbeat_ms = read_interval(*v);
    if (auto v = c.find("election_timeout_ms")) p.election_timeout_ms = read_interval(*v);
    if (auto v = c.find("max_drift_ppm")) p.max_drift_ppm = read_number_in(*v, 0, k_drift_ppm_max);
    if (auto v = c.find("window")) p.window = read_count32(*v, 1, k_window_max);
    if (auto v = c.find("leader_lease_ms")) {
      p.leader_lease_ms = read_time_ms(*v);
      if (synod() && p.leader_lease_ms > 0) v->fail("leader leases apply to multi-paxos only");
    }
    if (auto v = c.find("shard_replicas")) {
      p.shard_replicas = read_count32(*v, 1, k_nodes_max);
      if (p.shard_replicas > s_.nodes)
        v->fail(fmt::format("a shard cannot have more replicas than there are nodes ({})", s_.nodes));
      if (s_.shards < 2) v->fail(R"(shard_replicas needs "shards" above 1)");
    }
  }

  void parse_network(const Cursor& c) {
    check_keys(c, {"delay_ms", "drop", "duplicate"});
    const sim::LinkPatch patch = read_link_patch(c);
    s_.network.delay_ms = patch.delay_ms.value_or(s_.network.delay_ms);
    s_.network.drop = patch.drop.value_or(s_.network.drop);
    s_.network.duplicate = patch.duplicate.value_or(s_.network.duplicate);
  }

  void parse_storage(const Cursor& c) {
    check_keys(c, {"fsync_ms"});
    if (auto v = c.find("fsync_ms")) s_.fsync_ms = read_distribution(*v);
  }

  // --- workload -------------------------------------------------------------

  void parse_workload(const Cursor& c) {
    const Cursor type = c.required("type");
    switch (read_choice(type, {"propose", "kv", "lock"}, "workload type")) {
      case 0:
        parse_propose(c);
        if (!synod()) unsupported(type, R"(the "propose" workload with protocol "multi-paxos")");
        return;
      case 1: parse_kv(c); break;
      default:
        parse_lock(c);
        if (s_.shards > 1) unsupported(type, R"(the "lock" workload with more than one shard)");
        break;
    }
    if (synod()) type.fail(fmt::format("the {} workload needs protocol \"multi-paxos\"", describe(type.value())));
  }

  void parse_propose(const Cursor& c) {
    check_keys(c, {"type", "proposals"});
    s_.workload.type = sim::Workload::Type::propose;
    const Names names(s_.nodes, 0);
    for (const auto& item : c.required("proposals").elements()) {
      check_keys(item, {"at_ms", "node", "value"});
      sim::Proposal p;
      p.at_us = read_time_us(item.required("at_ms"));
      p.node = names.node(item.required("node"));
      p.value = read_value(item.required("value"));
      s_.workload.proposals.push_back(std::move(p));
    }
  }

  static Value read_value(const Cursor& c) {
    Value v = read_string(c);
    if (v == k_noop_value) c.fail("this value is reserved for paxsim's no-op");
    return v;
  }

  void parse_kv(const Cursor& c) {
    // "readers" is paxsim's own (README, "Scenarios"): the last R clients only read.
    check_keys(c, {"type", "clients", "ops_per_client", "keys", "mix", "think_ms", "timeout_ms", "requests", "readers"});
    s_.workload.type = sim::Workload::Type::kv;
    sim::Workload& w = s_.workload;
    w.clients = read_clients(c);
    if (auto v = c.find("readers")) w.readers = static_cast<std::uint32_t>(read_count(*v, 0, w.clients));
    if (auto v = c.find("ops_per_client")) w.ops_per_client = read_count(*v, 0, k_ops_max);
    if (auto v = c.find("keys")) w.keys = static_cast<std::uint32_t>(read_count(*v, 1, k_ops_max));
    if (auto v = c.find("mix")) read_mix(*v, w);
    if (auto v = c.find("think_ms")) w.think_ms = read_distribution(*v);
    if (auto v = c.find("timeout_ms")) w.timeout_ms = read_interval(*v);
    if (auto v = c.find("requests")) {
      const Names names(s_.nodes, w.clients);
      for (const auto& item : v->elements()) w.requests.push_back(read_kv_request(item, names));
      std::stable_sort(w.requests.begin(), w.requests.end(),
                       [](const sim::KvRequest& a, const sim::KvRequest& b) { return a.at_us < b.at_us; });
    }
  }

  std::uint32_t read_clients(const Cursor& workload) const {
    if (auto v = workload.find("clients")) return read_count32(*v, 1, k_clients_max);
    return 1;
  }

  static void read_mix(const Cursor& c, sim::Workload& w) {
    check_keys(c, {"put", "get", "append"});
    w.mix_put = w.mix_get = w.mix_append = 0;
    if (auto v = c.find("put")) w.mix_put = read_probability(*v);
    if (auto v = c.find("get")) w.mix_get = read_probability(*v);
    if (auto v = c.find("append")) w.mix_append = read_probability(*v);
    const double sum = w.mix_put + w.mix_get + w.mix_append;
    if (std::abs(sum - 1) > k_mix_tolerance) c.fail(fmt::format("the probabilities sum to {}, not 1", sum));
  }

  sim::KvRequest read_kv_request(const Cursor& c, const Names& names) const {
    check_keys(c, {"at_ms", "client", "op", "key", "value", "via"});
    sim::KvRequest r;
    r.at_us = read_time_us(c.required("at_ms"));
    r.client = names.client(c.required("client")) - s_.nodes;
    r.op = static_cast<KvOpKind>(read_choice(c.required("op"), {"put", "get", "append"}, "op"));
    const bool is_get = r.op == KvOpKind::get;
    r.key = read_string(c.required("key"));  // any key string, "" too
    if (auto v = c.find("value")) {
      if (is_get) v->fail("a get takes no value");
      r.value = read_value(*v);
    } else if (!is_get) {
      c.fail(R"(missing required key "value" (put and append need one))");
    }
    if (auto v = c.find("via")) r.via = names.node(*v);
    return r;
  }

  // The spec's keys, then paxsim's own (README, "Locks"): think_ms,
  // timeout_ms, retry_ms, act_ms, fencing.
  void parse_lock(const Cursor& c) {
    check_keys(c, {"type", "clients", "acquires_per_client", "hold_ms", "lease_ms", "think_ms", "timeout_ms",
                   "retry_ms", "act_ms", "fencing"});
    sim::Workload& w = s_.workload;
    w.type = sim::Workload::Type::lock;
    w.clients = read_clients(c);
    w.acquires_per_client = read_count(c.required("acquires_per_client"), 0, k_ops_max);
    w.hold_ms = read_distribution(c.required("hold_ms"));
    w.lease_ms = read_interval(c.required("lease_ms"));
    if (auto v = c.find("think_ms")) w.think_ms = read_distribution(*v);
    if (auto v = c.find("timeout_ms")) w.timeout_ms = read_interval(*v);
    if (auto v = c.find("retry_ms")) w.retry_ms = read_interval(*v);
    if (auto v = c.find("act_ms")) w.act_ms = read_interval(*v);
    if (auto v = c.find("fencing")) {
      v->require(v->value().is_boolean(), "true or false");
      w.fencing = v->value().get<bool>();
    }
  }

  void parse_limits(const Cursor& c) {
    check_keys(c, {"max_time_ms", "max_steps"});
    if (auto v = c.find("max_time_ms")) s_.max_time_us = sim::ms_to_us(read_positive_ms(*v));
    if (auto v = c.find("max_steps")) s_.max_steps = read_count(*v, 1, std::numeric_limits<std::uint64_t>::max());
  }

  // --- faults ---------------------------------------------------------------

  void parse_faults(const Cursor& c, const Names& names) {
    const auto items = c.elements();
    for (std::size_t i = 0; i < items.size(); ++i) s_.faults.push_back(read_fault(items[i], i, names));
    std::stable_sort(s_.faults.begin(), s_.faults.end(),
                     [](const sim::Fault& a, const sim::Fault& b) { return a.at_us < b.at_us; });
  }

  sim::Fault read_fault(const Cursor& c, std::size_t order, const Names& names) {
    const Cursor action = c.required("action");
    const sim::FaultAction a = read_fault_action(action, fault_action_names());
    check_keys(c, fault_keys(a));
    sim::Fault f;
    f.action = a;
    f.order = order;
    f.at_us = read_time_us(c.required("at_ms"));
    if (f.at_us > s_.max_time_us)
      c.required("at_ms").fail(fmt::format("{} is after limits.max_time_ms ({}): the run ends before it",
                                           ms_text(f.at_us), ms_text(s_.max_time_us)));
    switch (a) {
      case sim::FaultAction::partition: read_groups(c.required("groups"), names, f); break;
      case sim::FaultAction::cut:
        f.from = read_endpoints(c.required("from"), names, true);
        f.to = read_endpoints(c.required("to"), names, true);
        break;
      case sim::FaultAction::heal: break;
      case sim::FaultAction::crash:
      case sim::FaultAction::pause:
      case sim::FaultAction::resume: f.node = node_or_lock_client(c.required("node"), names); break;
      case sim::FaultAction::restart:
        f.node = node_or_lock_client(c.required("node"), names);
        if (auto d = c.find("disk")) {
          f.wipe_disk = read_choice(*d, {"kept", "wiped"}, "disk") == 1;
          if (f.node.kind == sim::NodeSelector::Kind::index && f.node.index >= s_.nodes)
            d->fail("a client has no disk");
        }
        break;
      case sim::FaultAction::network:
        f.network = read_link_patch(c);
        if (!f.network.delay_ms && !f.network.drop && !f.network.duplicate)
          c.fail(R"(a network action needs at least one of "delay_ms", "drop", "duplicate")");
        break;
      case sim::FaultAction::clock:
        read_clock(c, names, f);
        break;
    }
    return f;
  }

  // Groups of distinct endpoints; an endpoint in two groups is ambiguous.
  // "leader" (paxsim's own, README "Faults") names the node that leads when
  // the partition starts: it joins that group, whichever other group names it.
  static void read_groups(const Cursor& c, const Names& names, sim::Fault& f) {
    std::vector<std::optional<std::size_t>> group_of(names.endpoints());
    for (const auto& g : c.elements()) {
      const auto members = g.elements();
      if (members.empty()) g.fail("must not be empty");
      auto& group = f.groups.emplace_back();
      for (const auto& m : members) {
        if (is_word(m.value(), "leader")) {
          if (f.leader_group) m.fail(fmt::format("\"leader\" is already in group {}", *f.leader_group));
          f.leader_group = f.groups.size() - 1;
          continue;
        }
        const EndpointId e = names.endpoint(m);
        if (group_of[e]) m.fail(fmt::format("{} is already in group {}", describe(m.value()), *group_of[e]));
        group_of[e] = f.groups.size() - 1;
        group.push_back(e);
      }
    }
  }

  // A node's or a client's clock (a client's matters to the lock workload only).
  static void read_clock(const Cursor& c, const Names& names, sim::Fault& f) {
    f.node = names.selector_or_client(c.required("node"), true);
    if (auto v = c.find("offset_ms")) f.offset_ms = read_number_in(*v, -k_time_ms_max, k_time_ms_max);
    if (auto v = c.find("drift_ppm")) {
      f.drift_ppm = read_number_in(*v, -k_drift_ppm_max, k_drift_ppm_max);
      if (*f.drift_ppm <= -k_drift_ppm_max) v->fail("a clock must run forward: drift_ppm must be above -1000000");
    }
    if (!f.offset_ms && !f.drift_ppm) c.fail(R"(a clock action needs "offset_ms", "drift_ppm" or both)");
  }

  // Lock clients can crash, restart, pause and resume too; kv clients cannot.
  sim::NodeSelector node_or_lock_client(const Cursor& c, const Names& names) const {
    return names.selector_or_client(c, s_.workload.type == sim::Workload::Type::lock);
  }

  // --- nemesis --------------------------------------------------------------

  void parse_nemesis(const Cursor& c) {
    check_keys(c, {"from_ms", "until_ms", "interval_ms", "duration_ms", "actions", "max_down"});
    sim::Nemesis n;
    if (auto v = c.find("from_ms")) {
      n.from_us = read_time_us(*v);
      if (n.from_us > s_.max_time_us)
        v->fail(fmt::format("{} is after limits.max_time_ms ({}): the nemesis would never start", ms_text(n.from_us),
                            ms_text(s_.max_time_us)));
    }
    const Cursor until = c.required("until_ms");
    n.until_us = read_time_us(until);
    if (n.from_us > n.until_us) until.fail(fmt::format("until_ms is before from_ms ({})", ms_text(n.from_us)));
    if (auto v = c.find("interval_ms")) n.interval_ms = read_interval(*v);
    n.duration_ms = n.interval_ms;
    if (auto v = c.find("duration_ms")) n.duration_ms = read_distribution(*v);
    n.actions = read_nemesis_actions(c.find("actions"));
    n.max_down = (s_.nodes - 1) / 2;
    if (auto v = c.find("max_down")) {
      n.max_down = read_count32(*v, 0, k_nodes_max);
      if (n.max_down >= s_.nodes) v->fail(fmt::format("must be less than the number of nodes ({})", s_.nodes));
    }
    s_.nemesis = std::move(n);
  }

  static std::vector<sim::FaultAction> read_nemesis_actions(const std::optional<Cursor>& c) {
    std::vector<sim::FaultAction> out;
    if (!c) {
      for (auto name : k_nemesis_actions) out.push_back(fault_action_named(name));
      return out;
    }
    const auto items = c->elements();
    if (items.empty()) c->fail("must not be empty");
    for (const auto& item : items) {
      const sim::FaultAction a = read_fault_action(item, k_nemesis_actions_allowed);
      if (std::find(out.begin(), out.end(), a) != out.end())
        item.fail(fmt::format("{} is listed twice", describe(item.value())));
      out.push_back(a);
    }
    return out;
  }

  // --- checking -------------------------------------------------------------

  std::string read_invariant(const Cursor& c) const {
    const std::size_t i = read_choice(c, k_invariants, "invariant");
    if (synod() && i >= k_synod_invariants)
      c.fail(fmt::format("invariant {} does not apply to protocol \"synod\" (it has: {})", in_quotes(k_invariants[i]),
                         joined(std::span(k_invariants).first(k_synod_invariants))));
    // The two that read a workload's clients: checked, they would pass on nothing.
    const std::string_view name = k_invariants[i];
    if (name == "linearizable" && s_.workload.type != sim::Workload::Type::kv)
      c.fail(R"(invariant "linearizable" applies to the "kv" workload only (it checks the clients' history))");
    if (name == "lock" && s_.workload.type != sim::Workload::Type::lock)
      c.fail(R"(invariant "lock" applies to the "lock" workload only)");
    return std::string(name);
  }

  std::vector<std::string> read_invariant_list(const Cursor& c) const {
    const auto items = c.elements();
    if (items.empty()) c.fail("must not be empty (leave the key out to check every invariant that applies)");
    std::vector<std::string> out;
    for (const auto& item : items) {
      std::string name = read_invariant(item);
      if (std::find(out.begin(), out.end(), name) != out.end())
        item.fail(fmt::format("{} is listed twice", in_quotes(name)));
      out.push_back(std::move(name));
    }
    return out;
  }

  void parse_expect(const Cursor& c) {
    check_keys(c, {"verdict", "invariant", "chosen", "completed"});
    sim::Expect& e = s_.expect;
    if (auto v = c.find("verdict")) e.violation = read_choice(*v, {"pass", "violation"}, "verdict") == 1;
    const auto invariant = c.find("invariant");
    if (e.violation && !invariant) c.fail(R"(missing required key "invariant" (a violation of which invariant?))");
    if (!e.violation && invariant) invariant->fail(R"(an invariant is named only with "verdict": "violation")");
    if (invariant) e.invariants = read_expected_invariants(*invariant);
    if (auto v = c.find("chosen")) e.chosen = read_range(*v);
    if (auto v = c.find("completed")) e.completed = read_range(*v);
  }

  std::vector<std::string> read_expected_invariants(const Cursor& c) const {
    std::vector<std::string> names =
        c.value().is_string() ? std::vector<std::string>{read_invariant(c)} : read_invariant_list(c);
    for (const auto& name : names) {
      if (!s_.invariants.empty() && std::find(s_.invariants.begin(), s_.invariants.end(), name) == s_.invariants.end())
        c.fail(fmt::format("expects a violation of {}, which /invariants does not check", in_quotes(name)));
    }
    return names;
  }

  void parse_liveness(const Cursor& c) {
    check_keys(c, {"after_ms", "within_ms"});
    const Cursor after = c.required("after_ms");
    sim::Liveness l;
    l.after_us = read_time_us(after);
    l.within_us = sim::ms_to_us(read_positive_ms(c.required("within_ms")));
    if (l.after_us + l.within_us > s_.max_time_us)
      c.fail(fmt::format("the deadline after_ms + within_ms = {} is past limits.max_time_ms = {}",
                         ms_text(l.after_us + l.within_us), ms_text(s_.max_time_us)));
    if (!s_.faults.empty() && l.after_us < s_.faults.back().at_us)
      after.fail(fmt::format("{} is before the last timed fault, at {} (/faults/{})", ms_text(l.after_us),
                             ms_text(s_.faults.back().at_us), s_.faults.back().order));
    if (s_.nemesis && l.after_us < s_.nemesis->until_us)
      after.fail(
          fmt::format("{} is before the nemesis ends, at {}", ms_text(l.after_us), ms_text(s_.nemesis->until_us)));
    s_.liveness = l;
  }

  // --- a pinned tape of random decisions (sim/decisions.hpp; paxsim shrink writes one)

  void parse_tape(const Cursor& c, const Names& names) {
    if (root_.find("schedule")) c.fail(R"(a schedule pins every step: leave out "tape")");
    c.require(c.value().is_object(), "an object");
    for (const auto& [key, value] : c.value().items()) {
      const Cursor stream(value, c);
      check_tape_stream(stream, key, names);
      sim::TapeStream t{key, {}};
      for (const auto& item : stream.elements())
        t.decisions.push_back(key == "network" ? read_send_decision(item) : read_decision(item));
      s_.tape.push_back(std::move(t));
    }
  }

  // "network", "faults", "nemesis", "timers/nK", "disk/nK", "client/cK" (kv),
  // "lock-client/cK" (lock): the random streams of sim/, as sim/rng.hpp names them.
  void check_tape_stream(const Cursor& c, const std::string& key, const Names& names) const {
    if (key == "network" || key == "faults" || key == "nemesis") return;
    const auto slash = key.find('/');
    const std::string kind = key.substr(0, slash == std::string::npos ? key.size() : slash);
    const json who = slash == std::string::npos ? json("") : json(key.substr(slash + 1));
    const Cursor w = Cursor::in_place_of(who, c);
    if (kind == "timers" || kind == "disk") {
      names.node(w);
      return;
    }
    const bool kv = s_.workload.type == sim::Workload::Type::kv, lock = s_.workload.type == sim::Workload::Type::lock;
    if ((kind == "client" && kv) || (kind == "lock-client" && lock)) {
      names.client(w);
      return;
    }
    if (kind == "client" || kind == "lock-client")
      c.fail(fmt::format("stream {}: the workload has no {} clients", in_quotes(key), kind == "client" ? "kv" : "lock"));
    c.fail(fmt::format(
        R"(unknown stream {} (expected "network", "faults", "nemesis", "timers/nK", "disk/nK", "client/cK" or "lock-client/cK"))",
        in_quotes(key)));
  }

  // A message's fate: "drop", a delay in microseconds, or [delay, delay] (duplicated).
  static sim::Decision read_send_decision(const Cursor& c) {
    sim::Decision d;
    d.kind = sim::Decision::Kind::send;
    const json& v = c.value();
    if (is_word(v, "drop")) {
      d.dropped = true;
    } else if (v.is_array() && v.size() == 2) {
      d.copies = 2;
      const auto both = c.elements();
      for (int i = 0; i < 2; ++i) d.delay_us[i] = static_cast<Time_us>(read_delay_us(both[i]));
    } else if (v.is_number()) {
      d.delay_us[0] = static_cast<Time_us>(read_delay_us(c));
    } else {
      c.fail(fmt::format(R"(expected a message's fate: "drop", a delay in microseconds, or [delay, delay] (duplicated), got {})",
                         describe(v)));
    }
    return d;
  }

  static std::uint64_t read_delay_us(const Cursor& c) {
    const std::uint64_t us = read_integer(c);
    if (us > k_tape_delay_us_max) c.fail(fmt::format("a delay above {} us", k_tape_delay_us_max));
    return us;
  }

  // A chance (true/false), an index (an integer) or a number (ms, or a unit draw).
  static sim::Decision read_decision(const Cursor& c) {
    const json& v = c.value();
    if (v.is_boolean()) return sim::Decision::of_flag(v.get<bool>());
    if (v.is_number_integer() || v.is_number_unsigned()) {
      const std::uint64_t i = read_integer(c);
      if (static_cast<double>(i) > k_time_ms_max) c.fail(fmt::format("must be at most {}, got {}", k_time_ms_max, i));
      return sim::Decision::of_integer(i);
    }
    if (v.is_number()) {
      const double d = read_number(c);
      if (d < 0 || d > k_time_ms_max) c.fail(fmt::format("must be between 0 and {}, got {}", k_time_ms_max, d));
      return sim::Decision::of_real(d);
    }
    c.fail(fmt::format("expected a decision: true, false or a number >= 0, got {}", describe(v)));
  }

  // --- a pinned schedule (paxsim explore's repros) ----------------------------

  void parse_schedule(const Cursor& c, const Names& names) {
    for (const char* key : {"faults", "nemesis", "liveness"})
      if (root_.find(key)) c.fail(fmt::format("a schedule pins every step: leave out {}", in_quotes(key)));
    const auto items = c.elements();
    if (items.empty()) c.fail("must not be empty (leave the key out to let the seed choose the schedule)");
    for (const auto& item : items) s_.schedule.push_back(read_scheduled_step(item, names));
  }

  sim::ScheduledStep read_scheduled_step(const Cursor& c, const Names& names) const {
    using K = sim::ScheduledStep::Kind;
    c.require(c.value().is_object() && c.value().size() == 1,
              R"(an object with one key: "deliver", "drop", "duplicate", "timer", "durable", "crash", "restart", "propose" or "request")");
    check_keys(c, {"deliver", "drop", "duplicate", "timer", "durable", "crash", "restart", "propose", "request"});
    sim::ScheduledStep st;
    const auto first = c.value().begin();
    const std::string key = first.key();
    const Cursor v(first.value(), c);
    if (key == "deliver" || key == "drop" || key == "duplicate") {
      st.kind = key == "deliver" ? K::deliver : key == "drop" ? K::drop : K::duplicate;
      st.msg = read_message(v, names);
    } else if (key == "timer") {
      st.kind = K::timer;
      check_keys(v, {"node", "kind"});
      st.node = names.node(v.required("node"));
      st.timer = static_cast<TimerKind>(
          read_choice(v.required("kind"), enum_names<TimerKind, k_timer_kind_count>(), "timer kind"));
    } else if (key == "durable" || key == "crash" || key == "restart") {
      st.kind = key == "durable" ? K::durable : key == "crash" ? K::crash : K::restart;
      st.node = names.node(v);
    } else {
      st.kind = key == "propose" ? K::propose : K::request;
      const std::size_t count =
          key == "propose" ? s_.workload.proposals.size() : s_.workload.requests.size();
      if (count == 0) v.fail(fmt::format("the workload has no {} to issue", key == "propose" ? "proposals" : "requests"));
      st.index = read_count(v, 0, count - 1);
    }
    return st;
  }

  // A message as a schedule names it: {"kind", "from", "to"} and the fields
  // that are not zero or empty (README: "Replaying a counterexample").
  static Message read_message(const Cursor& c, const Names& names) {
    check_keys(c, {"kind", "from", "to", "slot", "ballot", "accepted_ballot", "value", "entries", "commit", "request",
                   "leader_hint", "flags"});
    Message m;
    m.kind = static_cast<MsgKind>(
        read_choice(c.required("kind"), enum_names<MsgKind, k_msg_kind_count>(), "message kind"));
    m.from = names.endpoint(c.required("from"));
    m.to = names.endpoint(c.required("to"));
    if (auto v = c.find("slot")) m.slot = read_integer(*v);
    if (auto v = c.find("ballot")) m.ballot = read_ballot(*v, names);
    if (auto v = c.find("accepted_ballot")) m.accepted_ballot = read_ballot(*v, names);
    if (auto v = c.find("value")) m.value = read_string(*v);
    if (auto v = c.find("entries")) {
      for (const auto& e : v->elements()) {
        check_keys(e, {"slot", "ballot", "value"});
        LogEntry entry;
        entry.slot = read_integer(e.required("slot"));
        entry.ballot = read_ballot(e.required("ballot"), names);
        entry.value = read_string(e.required("value"));
        m.entries.push_back(std::move(entry));
      }
    }
    if (auto v = c.find("commit")) m.commit = read_integer(*v);
    if (auto v = c.find("request")) m.request = read_integer(*v);
    if (auto v = c.find("leader_hint")) m.leader_hint = v->value().is_null() ? k_no_node : names.node(*v);
    if (auto v = c.find("flags")) m.flags = static_cast<std::uint8_t>(read_count(*v, 0, 255));
    return m;
  }

  // [round, "nK"]
  static Ballot read_ballot(const Cursor& c, const Names& names) {
    const auto parts = c.elements();
    if (parts.size() != 2) c.fail(R"(expected a ballot [round, "nK"])");
    return Ballot{read_integer(parts[0]), names.node(parts[1])};
  }

  const std::string& file_;
  Cursor root_;
  sim::Scenario s_;
  std::optional<InputError> unsupported_;
};

// ---------------------------------------------------------------------------
// Reading JSON text

// nlohmann keeps the last of two equal keys; this parse callback tracks where
// the parser is and rejects a repeated key at its pointer instead.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(const std::string& file) : file_(&file) {}

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: stack_.push_back({false, 0, {}, {}}); break;
      case json::parse_event_t::array_start: stack_.push_back({true, 0, {}, {}}); break;
      case json::parse_event_t::key: {
        Frame& top = stack_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second)
          throw InputError(*file_, path(), fmt::format("duplicate key {}", in_quotes(top.key)));
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack_.pop_back();
        element_done();
        break;
      case json::parse_event_t::value: element_done(); break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;  // array: the element being read
    std::string key;    // object: the member being read
    std::set<std::string> keys;
  };
  void element_done() {
    if (!stack_.empty() && stack_.back().array) ++stack_.back().index;
  }
  std::string path() const {
    std::string p;
    for (const Frame& f : stack_) {
      p += '/';
      p += f.array ? std::to_string(f.index) : pointer_token(f.key);
    }
    return p;
  }

  const std::string* file_;
  std::vector<Frame> stack_;
};

// nlohmann's `byte` is the 1-based offset of the last character read.
std::string line_and_column(std::string_view text, std::size_t byte) {
  const std::size_t index = std::min(byte == 0 ? 0 : byte - 1, text.size());
  const std::string_view before = text.substr(0, index);
  const auto line = 1 + std::count(before.begin(), before.end(), '\n');
  const std::size_t newline = before.rfind('\n');
  const std::size_t column = newline == std::string_view::npos ? index + 1 : index - newline;
  return fmt::format("line {}, column {}", line, column);
}

json parse_json_text(const std::string& text, const std::string& file) {
  try {
    return json::parse(text, DuplicateKeyCheck(file));
  } catch (const json::parse_error& e) {
    throw InputError(file, "", fmt::format("{}: {}", line_and_column(text, e.byte), json_error_message(e)));
  } catch (const json::exception& e) {
    throw InputError(file, "", json_error_message(e));
  }
}

std::string read_file(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw InputError(file, "", "is a directory, not a file");
  if (const auto size = std::filesystem::file_size(file, ec); !ec && size > k_file_bytes_max)
    throw InputError(file, "", fmt::format("is {} bytes; the limit is {}", size, k_file_bytes_max));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, "", fmt::format("cannot read the file: {}", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(file, "", "cannot read the file");
  return text.str();
}

// ---------------------------------------------------------------------------
// --set

bool is_index(std::string_view part) {
  return !part.empty() && part.size() <= 9 && (part == "0" || part[0] != '0') &&
         std::all_of(part.begin(), part.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

std::vector<std::string> split_dotted(const std::string& dotted) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = dotted.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(dotted.substr(start, dot - start));
  parts.push_back(dotted.substr(start));
  return parts;
}

// The value at `parts`, created if missing. Throws via `fail(pointer, message)`.
template <typename Fail>
json& walk_to(json& doc, const std::vector<std::string>& parts, const Fail& fail) {
  json* at = &doc;
  std::string pointer;
  for (const std::string& part : parts) {
    if (at->is_null()) *at = is_index(part) ? json::array() : json::object();
    if (at->is_object()) {
      at = &(*at)[part];
    } else if (at->is_array()) {
      if (!is_index(part)) fail(pointer, fmt::format("{} is an array; {} is not an index", pointer, in_quotes(part)));
      const std::size_t i = std::stoul(part);
      if (i > at->size())
        fail(pointer, fmt::format("index {} is past the end of {} ({} elements)", i, pointer, at->size()));
      if (i == at->size()) at->push_back(nullptr);
      at = &(*at)[i];
    } else {
      fail(pointer, fmt::format("{} is {}, which has no {}", pointer, describe(*at), in_quotes(part)));
    }
    pointer += '/';
    pointer += pointer_token(part);
  }
  return *at;
}

// `--set name=foo` is the usual slip: the shell ate no quotes, JSON wants them.
std::string quotes_hint(const std::string& dotted, const std::string& text) {
  const bool bare_word = !text.empty() && std::isalpha(static_cast<unsigned char>(text[0])) && text != "true" &&
                         text != "false" && text != "null";
  return bare_word ? fmt::format("; a string needs quotes: '{}=\"{}\"'", dotted, text) : "";
}

}  // namespace

// ---------------------------------------------------------------------------
// API

namespace {

// For a terminal: bytes that are not UTF-8, and control characters, as \xNN
// (a message may quote what a broken file holds).
std::string printable(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size() && (len > 1 || (c >= 0x20 && c != 0x7F) || c == '\t');
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += fmt::format("\\x{:02X}", c);
      ++i;
    }
  }
  return out;
}

}  // namespace

InputError::InputError(std::string file_in, std::string path_in, std::string message_in)
    : std::runtime_error(printable(path_in.empty() ? file_in + ": " + message_in
                                                   : file_in + ": " + path_in + ": " + message_in)),
      file(std::move(file_in)),
      path(std::move(path_in)),
      message(std::move(message_in)) {}

std::string json_error_message(const json::exception& e) {
  std::string_view m = e.what();
  if (const auto close = m.find("] "); !m.empty() && m[0] == '[' && close != std::string_view::npos)
    m.remove_prefix(close + 2);
  if (m.starts_with("parse error")) {
    if (const auto column = m.find("column "); column != std::string_view::npos) {
      if (const auto colon = m.find(": ", column); colon != std::string_view::npos) m.remove_prefix(colon + 2);
    }
  }
  return std::string(m);
}

json load_json_file(const std::string& file) { return parse_json_text(read_file(file), file); }

void apply_set(json& doc, const std::string& assignment, const std::string& file) {
  const auto fail = [&](const std::string& path, const std::string& message) {
    throw InputError(file, path, fmt::format("--set {}: {}", assignment, message));
  };
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) fail("", "expected PATH=VALUE");
  const auto parts = split_dotted(assignment.substr(0, eq));
  std::string pointer;
  for (const auto& part : parts) {
    if (part.empty()) fail("", "PATH has an empty part");
    pointer += '/';
    pointer += pointer_token(part);
  }
  const std::string text = assignment.substr(eq + 1);
  json value;
  try {
    value = parse_json_text(text, file);
  } catch (const InputError& e) {
    fail(pointer,
         fmt::format("VALUE is not valid JSON ({}){}", e.message, quotes_hint(assignment.substr(0, eq), text)));
  }
  try {
    json result = doc;
    walk_to(result, parts, fail) = std::move(value);
    doc = std::move(result);
  } catch (const json::exception& e) {
    fail(pointer, json_error_message(e));
  }
}

json tape_to_json(const sim::Tape& tape) {
  json out = json::object();
  for (const sim::TapeStream& t : tape) {
    json items = json::array();
    for (const sim::Decision& d : t.decisions) {
      switch (d.kind) {
        case sim::Decision::Kind::send:
          if (d.dropped) items.push_back("drop");
          else if (d.copies == 2) items.push_back(json::array({d.delay_us[0], d.delay_us[1]}));
          else items.push_back(d.delay_us[0]);
          break;
        case sim::Decision::Kind::flag: items.push_back(d.flag); break;
        case sim::Decision::Kind::integer: items.push_back(d.integer); break;
        case sim::Decision::Kind::real: items.push_back(d.real); break;
      }
    }
    out[t.stream] = std::move(items);
  }
  return out;
}

std::string bug_misfit(const sim::Scenario& s) {
  if (!s.bug) return "";
  const bool synod = s.protocol == sim::Protocol::synod;
  const std::string name(bug_name(*s.bug));
  switch (*s.bug) {
    case Bug::ignore_promised_value:
    case Bug::first_promise_value:
      // The synod proposer's choice of value; a Multi-Paxos leader recovers
      // slots with its own code (no-recovery-above-commit, noop-over-accepted).
      if (!synod) return fmt::format(R"(bug switch "{}" is in the synod proposer: it applies to protocol "synod" only)", name);
      return "";
    case Bug::no_recovery_above_commit:
    case Bug::noop_over_accepted:
    case Bug::duplicate_execution:
    case Bug::lease_without_drift_margin:
      if (synod) return fmt::format(R"(bug switch "{}" applies to protocol "multi-paxos" only)", name);
      return "";
    case Bug::stale_local_read:
      if (synod || s.workload.type != sim::Workload::Type::kv)
        return fmt::format(R"(bug switch "{}" applies to multi-paxos with the "kv" workload only (it serves gets))", name);
      return "";
    case Bug::lock_grant_before_commit:
    case Bug::holder_ignores_lease:
      if (s.workload.type != sim::Workload::Type::lock)
        return fmt::format(R"(bug switch "{}" applies to the "lock" workload only)", name);
      return "";
    default: return "";  // acceptors, ballots, quorums, learning: both protocols
  }
}

sim::Scenario parse_scenario(const json& doc, const std::string& file) {
  try {
    return ScenarioParser(doc, file).parse();
  } catch (const json::exception& e) {
    throw InputError(file, "", json_error_message(e));
  }
}

sim::Scenario load_scenario(const std::string& file, const std::vector<std::string>& sets) {
  json doc = load_json_file(file);
  for (const auto& s : sets) apply_set(doc, s, file);
  return parse_scenario(doc, file);
}

}  // namespace paxsim::cli
