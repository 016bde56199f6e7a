// The linearizability checker on hand-made histories, linearizable and not;
// on generated histories of 10,000+ operations from a correct register (and
// the same with one corrupted read); and the JSON-lines history format.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "checkers/lin_model.hpp"
#include "checkers/lin_search.hpp"
#include "checkers/linearizability.hpp"
#include "cli/history_io.hpp"
#include "cli/scenario_json.hpp"

using namespace paxsim;
using checkers::check_linearizable;
using checkers::History;
using checkers::KvOp;
using checkers::LinOptions;
using checkers::LinResult;
using checkers::Operation;
using Verdict = LinResult::Verdict;

namespace {

constexpr std::optional<Time_us> k_never = std::nullopt;
const std::optional<std::string> k_reads_absent = std::nullopt;  // a get's result: the key was absent

// Builds histories one operation at a time; each call returns the operation's
// index in History::ops.
struct Builder {
  History h;

  std::uint32_t client(const std::string& name) {
    for (std::uint32_t i = 0; i < h.clients.size(); ++i)
      if (h.clients[i] == name) return i;
    h.clients.push_back(name);
    return static_cast<std::uint32_t>(h.clients.size() - 1);
  }
  std::size_t add(const std::string& c, KvOp op, const std::string& key, const std::string& value, Time_us call,
                  std::optional<Time_us> ret, std::optional<std::string> result = std::nullopt) {
    Operation o;
    o.client = client(c);
    o.op = op;
    o.key = key;
    o.value = value;
    o.call_us = call;
    o.return_us = ret;
    o.result = std::move(result);
    h.ops.push_back(std::move(o));
    return h.ops.size() - 1;
  }
  std::size_t put(const std::string& c, const std::string& key, const std::string& v, Time_us call,
                  std::optional<Time_us> ret) {
    return add(c, KvOp::put, key, v, call, ret);
  }
  std::size_t append(const std::string& c, const std::string& key, const std::string& v, Time_us call,
                     std::optional<Time_us> ret) {
    return add(c, KvOp::append, key, v, call, ret);
  }
  std::size_t get(const std::string& c, const std::string& key, std::optional<std::string> result, Time_us call,
                  std::optional<Time_us> ret) {
    return add(c, KvOp::get, key, "", call, ret, std::move(result));
  }
  LinResult check(std::uint64_t max_states = 10'000'000) const { return check_linearizable(h, LinOptions{max_states}); }
};

std::vector<std::size_t> sorted(std::vector<std::size_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

// ---------------------------------------------------------------- hand-made

TEST_CASE("linearizability: the empty history, and one key's simple cases") {
  CHECK(Builder{}.check().verdict == Verdict::linearizable);

  Builder read_your_write;
  read_your_write.put("c1", "k", "x", 0, 10);
  read_your_write.get("c1", "k", "x", 20, 30);
  CHECK(read_your_write.check().verdict == Verdict::linearizable);

  Builder read_before_any_write;
  read_before_any_write.get("c1", "k", k_reads_absent, 0, 10);
  read_before_any_write.put("c1", "k", "x", 20, 30);
  CHECK(read_before_any_write.check().verdict == Verdict::linearizable);

  Builder value_from_nowhere;
  const std::size_t g = value_from_nowhere.get("c1", "k", "ghost", 0, 10);
  const LinResult r = value_from_nowhere.check();
  CHECK(r.verdict == Verdict::not_linearizable);
  CHECK(r.window == std::vector<std::size_t>{g});
}

TEST_CASE("linearizability: a stale read after a completed put is caught, with the put in the window") {
  Builder b;
  const std::size_t p = b.put("c1", "k1", "x", 0, 10);
  b.get("c2", "k1", "x", 5, 15);  // concurrent with nothing that matters
  const std::size_t g = b.get("c2", "k1", k_reads_absent, 20, 30);
  const LinResult r = b.check();
  REQUIRE(r.verdict == Verdict::not_linearizable);
  CHECK(r.key == "k1");
  CHECK(sorted(r.window) == std::vector<std::size_t>{p, g});
  CHECK(r.message.find("k1") != std::string::npos);

  Builder overwritten;
  const std::size_t p1 = overwritten.put("c1", "k1", "x", 0, 10);
  const std::size_t p2 = overwritten.put("c1", "k1", "y", 20, 30);
  const std::size_t stale = overwritten.get("c2", "k1", "x", 40, 50);
  const LinResult r2 = overwritten.check();
  REQUIRE(r2.verdict == Verdict::not_linearizable);
  CHECK(sorted(r2.window) == std::vector<std::size_t>{p1, p2, stale});
}

TEST_CASE("linearizability: real-time order is strict; equal times are concurrent") {
  Builder touching;  // the get is called at the instant the put returns
  touching.put("c1", "k", "x", 0, 10);
  touching.get("c2", "k", k_reads_absent, 10, 20);
  CHECK(touching.check().verdict == Verdict::linearizable);

  Builder after;  // one microsecond later, it must see the put
  after.put("c1", "k", "x", 0, 10);
  after.get("c2", "k", k_reads_absent, 11, 20);
  CHECK(after.check().verdict == Verdict::not_linearizable);
}

TEST_CASE("linearizability: two concurrent puts, read in a possible and an impossible order") {
  Builder possible;
  possible.put("c1", "k", "x", 0, 100);
  possible.put("c2", "k", "y", 0, 100);
  possible.get("c3", "k", "x", 10, 20);
  possible.get("c4", "k", "y", 30, 40);
  possible.get("c3", "k", "y", 110, 120);
  CHECK(possible.check().verdict == Verdict::linearizable);

  Builder impossible = possible;  // x, then y, then x again: each put happens once
  impossible.get("c4", "k", "x", 130, 140);
  const LinResult r = impossible.check();
  CHECK(r.verdict == Verdict::not_linearizable);
  CHECK(r.window.size() <= 5);

  Builder flip_flop;  // after both returned, readers disagree over time
  flip_flop.put("c1", "k", "x", 0, 100);
  flip_flop.put("c2", "k", "y", 0, 100);
  flip_flop.get("c3", "k", "x", 110, 120);
  flip_flop.get("c4", "k", "y", 130, 140);
  CHECK(flip_flop.check().verdict == Verdict::not_linearizable);
}

TEST_CASE("linearizability: concurrent overlapping operations that are fine in one order only") {
  Builder b;
  b.put("c1", "k", "x", 0, 100);
  b.append("c2", "k", "y", 10, 50);
  b.get("c3", "k", "xy", 60, 70);  // put, then append
  CHECK(b.check().verdict == Verdict::linearizable);

  Builder other;
  other.put("c1", "k", "x", 0, 100);
  other.append("c2", "k", "y", 10, 50);
  other.get("c3", "k", "y", 20, 30);  // append first (on absent), then put
  other.get("c3", "k", "x", 110, 120);
  CHECK(other.check().verdict == Verdict::linearizable);

  Builder both = b;  // "y" then "xy" needs the append twice
  both.get("c4", "k", "y", 20, 30);
  CHECK(both.check().verdict == Verdict::not_linearizable);
}

TEST_CASE("linearizability: lost and duplicated appends") {
  Builder ok;
  ok.append("c1", "k", "a", 0, 10);
  ok.append("c2", "k", "b", 20, 30);
  ok.get("c3", "k", "ab", 40, 50);
  CHECK(ok.check().verdict == Verdict::linearizable);

  Builder lost;
  const std::size_t a = lost.append("c1", "k", "a", 0, 10);
  const std::size_t b = lost.append("c2", "k", "b", 20, 30);
  const std::size_t g = lost.get("c3", "k", "b", 40, 50);
  const LinResult r = lost.check();
  REQUIRE(r.verdict == Verdict::not_linearizable);
  CHECK(sorted(r.window) == std::vector<std::size_t>{a, b, g});

  Builder duplicated;  // a retried append executed twice
  duplicated.append("c1", "k", "a", 0, 10);
  duplicated.append("c2", "k", "b", 20, 30);
  duplicated.get("c3", "k", "aab", 40, 50);
  CHECK(duplicated.check().verdict == Verdict::not_linearizable);

  Builder reordered;  // completed appends seen in the wrong order
  reordered.append("c1", "k", "a", 0, 10);
  reordered.append("c2", "k", "b", 20, 30);
  reordered.get("c3", "k", "ba", 40, 50);
  CHECK(reordered.check().verdict == Verdict::not_linearizable);
}

TEST_CASE("linearizability: a timed-out put may take effect late, or never, but only once") {
  Builder later;
  later.put("c1", "k", "x", 0, k_never);
  later.get("c2", "k", k_reads_absent, 100, 110);
  later.get("c2", "k", "x", 5000, 5010);  // took effect long after its client gave up
  CHECK(later.check().verdict == Verdict::linearizable);

  Builder never;
  never.put("c1", "k", "x", 0, k_never);
  never.get("c2", "k", k_reads_absent, 100, 110);
  never.get("c2", "k", k_reads_absent, 5000, 5010);
  CHECK(never.check().verdict == Verdict::linearizable);

  Builder undone;  // seen, then gone again
  undone.put("c1", "k", "x", 0, k_never);
  undone.get("c2", "k", "x", 100, 110);
  undone.get("c2", "k", k_reads_absent, 200, 210);
  CHECK(undone.check().verdict == Verdict::not_linearizable);

  Builder before_its_call;
  before_its_call.get("c2", "k", "x", 0, 5);
  before_its_call.put("c1", "k", "x", 10, k_never);
  CHECK(before_its_call.check().verdict == Verdict::not_linearizable);

  Builder twice;  // a timed-out put re-applied after an overwrite
  twice.put("c1", "k", "x", 0, k_never);
  twice.get("c2", "k", "x", 100, 110);
  twice.put("c2", "k", "y", 200, 210);
  twice.get("c2", "k", "x", 300, 310);
  CHECK(twice.check().verdict == Verdict::not_linearizable);
}

TEST_CASE("linearizability: timed-out appends, and gets never answered") {
  Builder once;
  once.append("c1", "k", "a", 0, k_never);
  once.append("c2", "k", "b", 10, 20);
  once.get("c3", "k", "ba", 30, 40);  // the timed-out append landed after b
  once.get("c3", "k", "ba", 50, 60);
  CHECK(once.check().verdict == Verdict::linearizable);

  Builder twice = once;
  twice.get("c3", "k", "baa", 70, 80);
  CHECK(twice.check().verdict == Verdict::not_linearizable);

  Builder many;  // many timed-out writes, only some of which ever landed
  for (int i = 0; i < 30; ++i) many.append("c" + std::to_string(i), "k", "<" + std::to_string(i) + ">", i, k_never);
  many.get("x", "k", "<3><17>", 100, 110);
  many.get("x", "k", "<3><17><29>", 200, 210);
  CHECK(many.check().verdict == Verdict::linearizable);
  many.get("x", "k", "<3><17><29><17>", 300, 310);
  CHECK(many.check().verdict == Verdict::not_linearizable);

  Builder unanswered_get;  // a get with no answer constrains nothing
  unanswered_get.put("c1", "k", "x", 0, 10);
  unanswered_get.get("c2", "k", "nonsense", 20, k_never);
  CHECK(unanswered_get.check().verdict == Verdict::linearizable);
}

TEST_CASE("linearizability: keys are checked apart; the failing one is named") {
  Builder b;
  b.put("c1", "a", "1", 0, 10);
  b.put("c1", "b", "2", 20, 30);
  b.get("c2", "a", "1", 40, 50);
  b.get("c2", "b", k_reads_absent, 40, 50);  // key b lost its put
  b.get("c2", "c", k_reads_absent, 40, 50);
  const LinResult r = b.check();
  REQUIRE(r.verdict == Verdict::not_linearizable);
  CHECK(r.key == "b");
  CHECK(sorted(r.window) == std::vector<std::size_t>{1, 3});
  CHECK(r.message.find("\"b\"") != std::string::npos);

  Builder fine;  // both keys written concurrently, read in different orders by two clients
  fine.put("c1", "a", "1", 0, 100);
  fine.put("c2", "b", "1", 0, 100);
  fine.get("c3", "a", "1", 10, 20);
  fine.get("c3", "b", k_reads_absent, 30, 40);
  fine.get("c4", "b", "1", 50, 60);
  fine.get("c4", "a", "1", 70, 80);
  CHECK(fine.check().verdict == Verdict::linearizable);
}

TEST_CASE("linearizability: a search budget that runs out gives unknown, not a guess") {
  Builder b;
  for (int i = 0; i < 20; ++i) b.put("c" + std::to_string(i), "k", std::to_string(i), 0, 100);
  b.get("r", "k", "7", 200, 210);
  const LinResult r = b.check(5);
  CHECK(r.verdict == Verdict::unknown);
  CHECK(r.key == "k");
  CHECK(r.states > 5);
  CHECK(r.message.find("budget") != std::string::npos);
  CHECK(b.check().verdict == Verdict::linearizable);
}

// ---------------------------------------------------------------- generated

namespace {

// A correct register map under load: each operation takes effect at a random
// instant within its interval (a timed-out write: maybe later, maybe never), in
// that order, so the history is linearizable by construction. Deterministic.
struct Generated {
  History h;
  std::vector<Time_us> effect_us;  // -1: no effect
};

Generated generate(std::uint64_t seed, int clients, int ops_per_client, int keys) {
  std::mt19937_64 rng(seed);  // the engine is specified by the standard; distributions are not, so none are used
  auto below = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
  Generated g;
  for (int c = 0; c < clients; ++c) g.h.clients.push_back("c" + std::to_string(c + 1));
  for (int c = 0; c < clients; ++c) {
    Time_us t = below(100);
    for (int n = 0; n < ops_per_client; ++n) {
      Operation o;
      o.client = static_cast<std::uint32_t>(c);
      const auto kind = below(10);
      o.op = kind < 4 ? KvOp::put : kind < 8 ? KvOp::get : KvOp::append;
      o.key = "k" + std::to_string(below(keys) + 1);
      if (o.op != KvOp::get) o.value = "c" + std::to_string(c + 1) + "." + std::to_string(n) + ";";
      o.call_us = t + below(50);
      const Time_us duration = 1 + below(400);
      Time_us effect = o.call_us + below(duration + 1);
      if (below(100) < 3) {  // timed out: the client gives up at 500us
        if (below(2) == 0) effect = -1;
        else effect = o.call_us + below(3000);
        t = o.call_us + 500;
      } else {
        o.return_us = o.call_us + duration;
        t = *o.return_us;
      }
      t += below(30);
      g.h.ops.push_back(o);
      g.effect_us.push_back(effect);
    }
  }
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < g.h.ops.size(); ++i)
    if (g.effect_us[i] >= 0) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return g.effect_us[a] < g.effect_us[b]; });
  std::map<std::string, std::string> state;
  for (std::size_t i : order) {
    Operation& o = g.h.ops[i];
    switch (o.op) {
      case KvOp::put: state[o.key] = o.value; break;
      case KvOp::append: state[o.key] += o.value; break;
      case KvOp::get:
        if (o.return_us) {
          if (auto it = state.find(o.key); it != state.end()) o.result = it->second;
        }
        break;
    }
  }
  return g;
}

}  // namespace

TEST_CASE("linearizability: 10,000+ operations from 40 clients, linearizable, and with one stale read") {
  Generated g = generate(42, 40, 260, 10);
  REQUIRE(g.h.ops.size() >= 10'000);
  const LinResult ok = check_linearizable(g.h);
  CHECK(ok.verdict == Verdict::linearizable);
  MESSAGE("10,400 operations, linearizable: ", ok.states, " states");

  // Corrupt one read in the middle: make it return a put's value that a later
  // completed put overwrote before the read was called.
  const History& h = g.h;
  std::optional<std::size_t> victim, source;
  for (std::size_t gi = h.ops.size() / 2; gi < h.ops.size() && !victim; ++gi) {
    const Operation& read = h.ops[gi];
    if (read.op != KvOp::get || !read.return_us) continue;
    for (std::size_t p = 0; p < h.ops.size() && !victim; ++p) {
      const Operation& w = h.ops[p];
      if (w.op != KvOp::put || w.key != read.key || !w.return_us || *w.return_us + 2000 > read.call_us) continue;
      for (std::size_t q = 0; q < h.ops.size(); ++q) {
        const Operation& x = h.ops[q];
        if (x.op == KvOp::put && x.key == read.key && x.return_us && x.call_us > *w.return_us &&
            *x.return_us < read.call_us && read.result != w.value) {
          victim = gi;
          source = p;
          break;
        }
      }
    }
  }
  REQUIRE(victim);
  g.h.ops[*victim].result = g.h.ops[*source].value;
  const LinResult bad = check_linearizable(g.h);
  REQUIRE(bad.verdict == Verdict::not_linearizable);
  CHECK(bad.key == g.h.ops[*victim].key);
  CHECK(bad.window.size() <= 4);
  CHECK(std::find(bad.window.begin(), bad.window.end(), *victim) != bad.window.end());
  CHECK(std::find(bad.window.begin(), bad.window.end(), *source) != bad.window.end());
  MESSAGE("with a stale read: ", bad.states, " states; ", bad.message);

  // The same answer twice: nothing depends on memory layout or hashing order.
  const LinResult again = check_linearizable(g.h);
  CHECK(again.window == bad.window);
  CHECK(again.states == bad.states);
  CHECK(again.message == bad.message);
}

TEST_CASE("linearizability: many clients on one key, with appends and timeouts") {
  Generated g = generate(7, 100, 100, 1);
  const LinResult ok = check_linearizable(g.h);
  CHECK(ok.verdict == Verdict::linearizable);
  MESSAGE("10,000 operations on one key: ", ok.states, " states");
}

// ---------------------------------------------------------------- against brute force

namespace {

// Linearizable by trying every order that respects real time (answered
// operations all, unanswered ones optionally), with no pruning at all.
bool brute_force_linearizable(const History& h) {
  const std::size_t n = h.ops.size();
  std::vector<bool> used(n, false);
  auto counts = [&](std::size_t i) { return h.ops[i].return_us.has_value(); };  // must be linearized
  auto takes_part = [&](std::size_t i) { return h.ops[i].op != KvOp::get || h.ops[i].return_us; };
  std::function<bool(const std::optional<std::string>&)> extend = [&](const std::optional<std::string>& v) {
    bool all = true;
    for (std::size_t i = 0; i < n; ++i) all = all && (used[i] || !counts(i));
    if (all) return true;
    for (std::size_t i = 0; i < n; ++i) {
      if (used[i] || !takes_part(i)) continue;
      const Operation& o = h.ops[i];
      bool ready = true;  // every operation that returned before o was called is placed
      for (std::size_t j = 0; j < n && ready; ++j)
        ready = used[j] || !counts(j) || *h.ops[j].return_us >= o.call_us;
      if (!ready) continue;
      std::optional<std::string> next = v;
      if (o.op == KvOp::put) next = o.value;
      if (o.op == KvOp::append) next = v.value_or("") + o.value;
      if (o.op == KvOp::get && o.result != v) continue;
      used[i] = true;
      const bool found = extend(next);
      used[i] = false;
      if (found) return true;
    }
    return false;
  };
  return extend(std::nullopt);
}

}  // namespace

TEST_CASE("linearizability: agrees with a brute-force search on small random histories") {
  // Up to 8 operations on one key within 20us, so most overlap; values from
  // a small alphabet with repeats and "" (or unique, half the time); a sixth
  // never answered; results from a random linearization, a quarter of them
  // then replaced by a random value.
  std::mt19937_64 rng(2024);
  auto below = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
  const char* alphabet[] = {"a", "b", "ab", "", "ba", "c", "a"};
  int linearizable = 0, not_linearizable = 0;
  for (int round = 0; round < 20'000; ++round) {
    History h;
    h.clients = {"c1"};
    const bool unique = below(2) == 0;
    const bool appends = below(3) == 0;
    std::vector<std::int64_t> effect_us;
    const auto n = 2 + below(7);
    for (std::int64_t i = 0; i < n; ++i) {
      Operation o;
      const auto kind = below(10);
      o.op = appends ? (kind < 1 ? KvOp::put : kind < 5 ? KvOp::get : KvOp::append)
                     : (kind < 4 ? KvOp::put : kind < 7 ? KvOp::get : KvOp::append);
      o.key = "k";
      if (o.op != KvOp::get) o.value = unique ? std::string(1, static_cast<char>('a' + i)) : alphabet[below(7)];
      o.call_us = below(20);
      std::int64_t effect = o.call_us + below(6);
      if (below(6) == 0) {
        effect = below(2) == 0 ? -1 : o.call_us + below(30);
      } else {
        o.return_us = o.call_us + below(8);
        effect = std::min(effect, *o.return_us);
      }
      h.ops.push_back(o);
      effect_us.push_back(effect);
    }
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < h.ops.size(); ++i)
      if (effect_us[i] >= 0) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return effect_us[a] < effect_us[b]; });
    std::optional<std::string> v;
    for (std::size_t i : order) {
      Operation& o = h.ops[i];
      if (o.op == KvOp::put) v = o.value;
      if (o.op == KvOp::append) v = v.value_or("") + o.value;
      if (o.op == KvOp::get) o.result = v;
    }
    for (Operation& o : h.ops) {
      if (o.op != KvOp::get || below(4) != 0) continue;
      const auto r = below(8);
      o.result = r == 7 ? std::nullopt : std::optional<std::string>(alphabet[r]);
    }
    const bool expected = brute_force_linearizable(h);
    const LinResult r = check_linearizable(h);
    REQUIRE(r.verdict != Verdict::unknown);
    if ((r.verdict == Verdict::linearizable) != expected) {
      std::string text;
      for (std::size_t i = 0; i < h.ops.size(); ++i) text += checkers::describe_operation(h, i) + "\n";
      FAIL("round ", round, ": brute force says ", expected, "\n", text);
    }
    (expected ? linearizable : not_linearizable)++;
    if (!expected) {  // the window is evidence on its own
      History window;
      window.clients = h.clients;
      for (std::size_t i : r.window) window.ops.push_back(h.ops[i]);
      CHECK(!r.window.empty());
      CHECK(!brute_force_linearizable(window));
    }
  }
  MESSAGE(linearizable, " linearizable, ", not_linearizable, " not");
  CHECK(linearizable > 1000);
  CHECK(not_linearizable > 1000);
}

TEST_CASE("linearizability: the search over a whole key in call order takes the same steps as over a copy") {
  // The search reads the key's own list and the model's operation table
  // when it is given the whole key, every operation answered, in call order
  // (the usual case); any other list goes through local copies. The same
  // operations in another order are the same sub-history: the verdict and
  // the states searched must agree, with and without look-ahead, on
  // histories that are linearizable, that are not, and whose budget runs
  // out.
  std::mt19937_64 rng(77);
  auto below = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
  int shortcut = 0;
  for (int round = 0; round < 3'000; ++round) {
    History h;
    h.clients = {"c1"};
    const auto n = 1 + below(40);
    std::optional<std::string> v;
    std::int64_t t = 0;
    const bool timeouts = below(3) == 0;
    for (std::int64_t i = 0; i < n; ++i) {
      Operation o;
      o.op = below(2) == 0 ? KvOp::put : KvOp::get;
      o.key = "k";
      if (o.op == KvOp::put) o.value = std::string(1, static_cast<char>('a' + below(5)));
      t += below(4);
      o.call_us = t;
      o.return_us = o.call_us + below(12);
      if (timeouts && o.op == KvOp::put && below(5) == 0) o.return_us.reset();
      if (o.op == KvOp::put) v = o.value;
      if (o.op == KvOp::get) o.result = below(12) == 0 ? std::optional<std::string>("z") : v;
      h.ops.push_back(o);
    }
    std::vector<std::size_t> ops(h.ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) ops[i] = i;
    std::vector<std::size_t> reversed(ops.rbegin(), ops.rend());
    checkers::lin::KeyModel model(h, ops);
    // Called in order by construction: the shortcut is taken when every
    // operation was answered.
    shortcut += std::all_of(h.ops.begin(), h.ops.end(), [](const Operation& o) { return o.return_us.has_value(); });
    for (const std::uint64_t budget : {std::uint64_t{5}, std::uint64_t{10'000}}) {
      const auto fast = checkers::lin::search(model, ops, budget, false);
      const auto fast_copy = checkers::lin::search(model, reversed, budget, false);
      CHECK(fast.verdict == fast_copy.verdict);
      CHECK(fast.states == fast_copy.states);
    }
    model.index();
    const auto full = checkers::lin::search(model, ops, 10'000);
    const auto full_copy = checkers::lin::search(model, reversed, 10'000);
    CHECK(full.verdict == full_copy.verdict);
    CHECK(full.states == full_copy.states);
  }
  CHECK(shortcut > 1000);
}

// ---------------------------------------------------------------- history files

namespace {

std::string history_file(const std::string& name) { return std::string(PAXSIM_SOURCE_DIR) + "/tests/histories/" + name; }

// The InputError that parsing `text` throws; nullopt if none.
std::optional<cli::InputError> parse_error(const std::string& text) {
  try {
    cli::parse_history_jsonl(text, "h.jsonl");
  } catch (const cli::InputError& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("history io: write, then read back, gives the same history") {
  Builder b;
  b.put("c1", "k1", "x", 1200, 1450);
  b.get("c2", "k1", "x", 1300, 1500);
  b.get("c2", "k1", k_reads_absent, 1300, 1300);
  b.append("c3", "k\"2", "a\nb\x01", 1400, k_never);
  b.get("c1", "k1", k_reads_absent, 1500, k_never);
  const std::string text = cli::write_history_jsonl(b.h);
  const cli::LoadedHistory back = cli::parse_history_jsonl(text, "h.jsonl");
  REQUIRE(back.history.ops.size() == b.h.ops.size());
  CHECK(back.history.clients == b.h.clients);
  for (std::size_t i = 0; i < b.h.ops.size(); ++i) {
    const Operation &x = b.h.ops[i], &y = back.history.ops[i];
    CHECK(x.client == y.client);
    CHECK(x.op == y.op);
    CHECK(x.key == y.key);
    CHECK(x.value == y.value);
    CHECK(x.call_us == y.call_us);
    CHECK(x.return_us == y.return_us);
    CHECK(x.result == y.result);
    CHECK(back.sources[i].id == i);
  }
  CHECK(cli::write_history_jsonl(back.history) == text);
  CHECK(text.substr(0, text.find('\n')) ==
        R"({"type":"call","id":0,"client":"c1","op":"put","key":"k1","value":"x","time_us":1200})");
}

TEST_CASE("history io: time_ms, any line order that keeps returns after calls, blank lines") {
  const std::string text =
      "{\"type\":\"call\",\"id\":9,\"client\":\"w\",\"op\":\"put\",\"key\":\"k\",\"value\":\"v\",\"time_ms\":1.2}\n"
      "\n"
      "{\"type\":\"call\",\"id\":3,\"client\":\"r\",\"op\":\"get\",\"key\":\"k\",\"time_ms\":1}\n"
      "{\"type\":\"return\",\"id\":3,\"client\":\"r\",\"time_ms\":2.0005,\"result\":null}\n"
      "{\"type\":\"return\",\"id\":9,\"client\":\"w\",\"time_us\":1450}\n";
  const cli::LoadedHistory lh = cli::parse_history_jsonl(text, "h.jsonl");
  REQUIRE(lh.history.ops.size() == 2);
  CHECK(lh.history.ops[0].call_us == 1200);
  CHECK(lh.history.ops[1].call_us == 1000);
  CHECK(*lh.history.ops[1].return_us == 2001);  // rounded to the microsecond
  CHECK(!lh.history.ops[1].result);
  CHECK(lh.sources[0].id == 9);
  CHECK(lh.sources[0].call_line == 1);
  CHECK(lh.sources[0].return_line == 5);
  CHECK(check_linearizable(lh.history).verdict == Verdict::linearizable);
}

TEST_CASE("history io: bad input names the line") {
  const std::string call = R"({"type":"call","id":1,"client":"c1","op":"put","key":"k","value":"x","time_us":10})";
  struct Case {
    std::string text, line, message_part;
  };
  const std::vector<Case> cases = {
      {"{\"type\":\"call\",", "line 1", "column"},
      {"[1,2]", "line 1", "JSON object"},
      {R"({"type":"cal"})", "line 1", "\"type\" must be"},
      {R"({"type":"call","id":1,"client":"c1","op":"put","key":"k","value":"x","time_us":10,"extra":1})", "line 1",
       "unknown key \"extra\""},
      {R"({"type":"call","id":1,"id":2,"client":"c1","op":"put","key":"k","value":"x","time_us":10})", "line 1",
       "duplicate key \"id\""},
      {R"({"type":"call","id":-1,"client":"c1","op":"put","key":"k","value":"x","time_us":10})", "line 1", "\"id\""},
      {R"({"type":"call","id":1,"client":"c1","op":"cas","key":"k","value":"x","time_us":10})", "line 1", "\"op\""},
      {R"({"type":"call","id":1,"client":"c1","op":"put","key":"k","time_us":10})", "line 1", "missing \"value\""},
      {R"({"type":"call","id":1,"client":"c1","op":"get","key":"k","value":"x","time_us":10})", "line 1",
       "a get has no \"value\""},
      {R"({"type":"call","id":1,"client":"c1","op":"put","key":"k","value":"x"})", "line 1", "missing \"time_us\""},
      {R"({"type":"call","id":1,"client":"c1","op":"put","key":"k","value":"x","time_us":1.5})", "line 1", "time_us"},
      {R"({"type":"call","id":1,"client":"c1","op":"put","key":"k","value":"x","time_us":1,"time_ms":1})", "line 1",
       "not both"},
      {R"({"type":"call","id":1,"client":"c1","op":"put","key":"k","value":"x","time_ms":-1})", "line 1", "time_ms"},
      {R"({"type":"call","id":1,"client":"c1","op":"put","key":"k","value":7,"time_us":1})", "line 1",
       "\"value\" must be a string"},
      {call + "\n" + call, "line 2", "id 1 is already used (line 1)"},
      {R"({"type":"return","id":1,"client":"c1","time_us":10})", "line 1", "no call line before it"},
      {call + "\n" + R"({"type":"return","id":1,"client":"c2","time_us":20})", "line 2", "not \"c2\""},
      {call + "\n" + R"({"type":"return","id":1,"client":"c1","time_us":5})", "line 2", "before its call"},
      {call + "\n" + R"({"type":"return","id":1,"client":"c1","time_us":20,"result":"x"})", "line 2",
       "a put has no \"result\""},
      {call + "\n" + R"({"type":"return","id":1,"client":"c1","time_us":20})" + "\n" +
           R"({"type":"return","id":1,"client":"c1","time_us":30})",
       "line 3", "already returned (line 2)"},
      {R"({"type":"call","id":1,"client":"c1","op":"get","key":"k","time_us":1})" "\n"
       R"({"type":"return","id":1,"client":"c1","time_us":2})",
       "line 2", "missing \"result\""},
      {R"({"type":"call","id":1,"client":"c1","op":"get","key":"k","time_us":1})" "\n"
       R"({"type":"return","id":1,"client":"c1","time_us":2,"result":3})",
       "line 2", "\"result\" must be a string, or null"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const auto e = parse_error(c.text);
    REQUIRE(e);
    CHECK(e->file == "h.jsonl");
    CHECK(e->path == c.line);
    CHECK(e->message.find(c.message_part) != std::string::npos);
  }
}

TEST_CASE("history io: the sample histories in tests/histories") {
  const cli::LoadedHistory good = cli::load_history_file(history_file("linearizable.jsonl"));
  CHECK(good.history.ops.size() >= 8);
  CHECK(check_linearizable(good.history).verdict == Verdict::linearizable);

  const cli::LoadedHistory bad = cli::load_history_file(history_file("stale-read.jsonl"));
  const LinResult r = check_linearizable(bad.history);
  REQUIRE(r.verdict == Verdict::not_linearizable);
  CHECK(r.key == "k1");
  std::vector<std::uint64_t> ids;
  for (std::size_t i : r.window) ids.push_back(bad.sources[i].id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::uint64_t>{1, 3, 6});

  const cli::LoadedHistory appends = cli::load_history_file(history_file("duplicated-append.jsonl"));
  CHECK(check_linearizable(appends.history).verdict == Verdict::not_linearizable);

  bool threw = false;
  try {
    cli::load_history_file(history_file("bad-return-before-call.jsonl"));
  } catch (const cli::InputError& e) {
    threw = true;
    CHECK(e.path == "line 2");
  }
  CHECK(threw);
  threw = false;
  try {
    cli::load_history_file(history_file("no-such-file.jsonl"));
  } catch (const cli::InputError& e) {
    threw = true;
  }
  CHECK(threw);
}
