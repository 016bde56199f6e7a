#include "checkers/linearizability.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "checkers/lin_model.hpp"
#include "checkers/lin_search.hpp"
#include "paxos/flat_hash_map.hpp"
#include "paxos/shard_map.hpp"

namespace paxsim::checkers {

namespace {

using lin::KeyModel;
using lin::SearchResult;
using Verdict = LinResult::Verdict;

// Extra search effort spent shrinking a failing key to its window, on top of
// LinOptions::max_states.
constexpr std::uint64_t k_shrink_states_max = 2'000'000;
// The search without look-ahead tried first on each key (lin_search.hpp):
// at most this many states per operation, plus this many.
constexpr std::uint64_t k_fast_states_per_op = 2;
constexpr std::uint64_t k_fast_states_extra = 64;
// Dropping operations one at a time (quadratic) only for windows this small.
constexpr std::size_t k_shrink_single_ops_max = 256;
// Characters compared while finding the writes that reads show (shrink).
constexpr std::uint64_t k_source_chars_max = 50'000'000;
// The one-line message names this many operations, values cut to this length.
constexpr std::size_t k_message_ops_max = 4;
constexpr std::size_t k_message_value_chars_max = 24;

// The writes a get's result shows: puts whose value begins it, appends whose
// value occurs in it, called before the get returned. A window keeps them, so
// that it shows where a value read came from (without them, a read of an
// overwritten value would shrink to the read alone, which fails only because
// its write was dropped). Within a bounded number of characters compared.
std::map<std::size_t, std::vector<std::size_t>> sources_of_reads(const History& h, const std::vector<std::size_t>& ops) {
  std::map<std::size_t, std::vector<std::size_t>> sources;
  std::uint64_t work = 0;
  for (std::size_t g : ops) {
    const Operation& read = h.ops[g];
    if (read.op != KvOp::get || !read.result) continue;
    const std::string& r = *read.result;
    for (std::size_t w : ops) {
      const Operation& write = h.ops[w];
      if (write.op == KvOp::get || write.call_us > *read.return_us) continue;
      work += write.op == KvOp::put ? write.value.size() : r.size();
      if (work > k_source_chars_max) return sources;
      const bool shown = write.op == KvOp::put ? r.starts_with(write.value)
                                               : !write.value.empty() && r.find(write.value) != std::string::npos;
      if (shown) sources[g].push_back(w);
    }
  }
  return sources;
}

// Shrinks a failing sub-history to a small window that still provably fails.
std::vector<std::size_t> shrink(KeyModel& model, std::vector<std::size_t> window, std::uint64_t& states) {
  const History& h = model.history();
  auto by_call = [&](std::size_t a, std::size_t b) { return lin::call_before(h, a, b); };
  const auto sources = sources_of_reads(h, window);
  auto closed = [&](std::vector<std::size_t> sub) {  // sub and its reads' sources, in call order
    const std::size_t n = sub.size();
    for (std::size_t k = 0; k < n; ++k)
      if (auto it = sources.find(sub[k]); it != sources.end()) sub.insert(sub.end(), it->second.begin(), it->second.end());
    std::sort(sub.begin(), sub.end(), by_call);
    sub.erase(std::unique(sub.begin(), sub.end()), sub.end());
    return sub;
  };
  std::sort(window.begin(), window.end(), by_call);
  std::uint64_t budget = k_shrink_states_max;
  auto fails = [&](const std::vector<std::size_t>& sub) {
    if (budget == 0) return false;
    const SearchResult r = lin::search(model, sub, budget);
    states += r.states;
    budget -= std::min(budget, r.states);
    return r.verdict == Verdict::not_linearizable;
  };
  auto range = [&](std::size_t from, std::size_t to) {
    return closed(std::vector<std::size_t>(window.begin() + static_cast<std::ptrdiff_t>(from),
                                           window.begin() + static_cast<std::ptrdiff_t>(to)));
  };
  // The shortest failing prefix (by call time) that bisection finds; `hi`
  // fails throughout. Then the shortest failing suffix of that; `lo` fails.
  std::size_t lo = 0, hi = window.size();
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    (fails(range(0, mid)) ? hi : lo) = mid;
  }
  window = range(0, hi);
  lo = 0;
  hi = window.size();
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    (fails(range(mid, window.size())) ? lo : hi) = mid;
  }
  window = range(lo, window.size());
  // Then drop single operations (not a source of a read left) until none can go.
  if (window.size() <= k_shrink_single_ops_max) {
    for (bool changed = true; changed && budget > 0;) {
      changed = false;
      for (std::size_t i = window.size(); i-- > 0 && budget > 0;) {
        std::vector<std::size_t> without = window;
        without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
        if (closed(without).size() == without.size() && fails(without)) {
          window = std::move(without);
          changed = true;
        }
      }
    }
  }
  return window;
}

std::string quoted(std::string_view s, std::size_t max_chars) {
  std::string out = "\"";
  std::size_t n = 0;
  for (unsigned char c : s) {
    if (n++ == max_chars) {
      out += "...";
      break;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string describe(const History& h, std::size_t i, std::size_t max_chars) {
  const Operation& o = h.ops[i];
  const std::string client = o.client < h.clients.size() ? h.clients[o.client] : fmt::format("client#{}", o.client);
  std::string what;
  switch (o.op) {
    case KvOp::put: what = fmt::format("put {} {}", o.key, quoted(o.value, max_chars)); break;
    case KvOp::append: what = fmt::format("append {} {}", o.key, quoted(o.value, max_chars)); break;
    case KvOp::get:
      what = fmt::format("get {} -> {}", o.key,
                         !o.return_us ? std::string("(no answer)") : o.result ? quoted(*o.result, max_chars) : "absent");
      break;
  }
  return fmt::format("{} {} [{}us, {}]", client, what, o.call_us,
                     o.return_us ? fmt::format("{}us", *o.return_us) : std::string("never"));
}

}  // namespace

const char* to_string(LinResult::Verdict v) {
  switch (v) {
    case Verdict::linearizable: return "linearizable";
    case Verdict::not_linearizable: return "not linearizable";
    case Verdict::unknown: return "unknown";
  }
  return "?";
}

std::string describe_operation(const History& h, std::size_t op) {
  return describe(h, op, std::numeric_limits<std::size_t>::max());
}

LinResult check_linearizable(const History& h, const LinOptions& opt) {
  // Per key, in key order; a get never answered constrains nothing.
  // Grouped through a flat hash map (lookups only: one probe, no node to
  // chase, no modulo), then put in key order. Keys are short: FNV-1a hashes
  // one for less than std::hash's longer mix, and they are compared in line
  // rather than by a call to memcmp.
  struct KeyHash {
    std::size_t operator()(std::string_view k) const noexcept { return fnv1a64(k); }
  };
  std::vector<std::pair<std::string_view, std::vector<std::size_t>>> by_key;
  FlatHashMap<std::string_view, std::size_t, KeyHash, ShortTextEq> group_of;  // key -> its index in by_key, plus 1
  // A key seen before is found without the insertion's test for growth; the
  // operation count is read once (a vector's size divides by the element's).
  const std::size_t op_count = h.ops.size();
  for (std::size_t i = 0; i < op_count; ++i) {
    const Operation& o = h.ops[i];
    if (o.op == KvOp::get && !o.return_us) continue;
    const std::size_t* group = group_of.find(o.key);
    if (!group) {
      by_key.emplace_back(o.key, std::vector<std::size_t>{});
      group = &(group_of[o.key] = by_key.size());
    }
    by_key[*group - 1].second.push_back(i);
  }
  std::sort(by_key.begin(), by_key.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  LinResult r;
  for (const auto& [key, ops] : by_key) {
    KeyModel model(h, ops);
    const std::uint64_t budget = opt.max_states - std::min(opt.max_states, r.states);
    // First without look-ahead (and without indexing the reads for it),
    // within a few states per operation: a nearly sequential key is
    // linearized straight away. Anything else (it did not finish, or found no
    // linearization) is decided by the full search.
    const SearchResult fast =
        lin::search(model, ops, std::min(budget, k_fast_states_per_op * ops.size() + k_fast_states_extra), false);
    if (fast.verdict == Verdict::linearizable) {
      r.states += fast.states;
      continue;
    }
    model.index();
    const SearchResult s = lin::search(model, ops, budget);
    r.states += s.states;
    if (s.verdict == Verdict::unknown) {
      r.verdict = Verdict::unknown;
      r.key = key;
      r.message = fmt::format("search budget of {} states exhausted on key {} ({} operations)", opt.max_states,
                              quoted(key, k_message_value_chars_max), ops.size());
      return r;
    }
    if (s.verdict == Verdict::not_linearizable) {
      r.verdict = Verdict::not_linearizable;
      r.key = key;
      r.window = shrink(model, ops, r.states);
      std::string list;
      for (std::size_t k = 0; k < r.window.size() && k < k_message_ops_max; ++k)
        list += fmt::format("{}{}", k == 0 ? "" : "; ", describe(h, r.window[k], k_message_value_chars_max));
      if (r.window.size() > k_message_ops_max) list += fmt::format("; and {} more", r.window.size() - k_message_ops_max);
      r.message = fmt::format("key {}: no linearization of {}: {}", quoted(key, k_message_value_chars_max),
                              r.window.size() == 1 ? std::string("this operation")
                                                   : fmt::format("these {} operations", r.window.size()),
                              list);
      return r;
    }
  }
  r.message = fmt::format("{} operations on {} keys are linearizable", h.ops.size(), by_key.size());
  return r;
}

}  // namespace paxsim::checkers
