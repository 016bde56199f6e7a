#include "checkers/lin_search.hpp"

#include <algorithm>
#include <limits>
#include <memory>

#include "sim/assert.hpp"

namespace paxsim::checkers::lin {

namespace {

// Gets checked for reachability per configuration: those among this many
// entries from the front of the list.
constexpr std::size_t k_doom_scan_max = 512;

// Sorts `v` by `less`, a strict total order, when it is nearly in order
// already (a client's calls return in the order it made them, and few calls
// overlap): by insertion, which costs as many moves as elements are out of
// place; past a bound on the moves, by std::sort. Either way the order is the
// one `less` defines.
template <class T, class Less>
void sort_nearly_sorted(std::vector<T>& v, Less less) {
  const std::size_t moves_max = 8 * v.size() + 64;
  std::size_t moves = 0;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (!less(v[i], v[i - 1])) continue;
    const T x = v[i];
    std::size_t j = i;
    for (; j > 0 && less(x, v[j - 1]); --j) v[j] = v[j - 1];
    v[j] = x;
    moves += i - j;
    if (moves > moves_max) return std::sort(v.begin(), v.end(), less);
  }
}

// The search, compiled once with look-ahead and once without: the one
// without (the first try on every key) then carries none of the tests and
// calls for it.
template <bool look_ahead>
SearchResult search_with(KeyModel& model, const std::vector<std::size_t>& ops, std::uint64_t budget) {
  const History& h = model.history();
  // Local numbering: answered operations 0..nf-1 by call time, then unanswered
  // ones nf..n-1. Only operations called before the first pending return can
  // be linearized, so those linearized above the first answered one not yet
  // linearized (`first`) lie within its concurrency window: a configuration
  // is `first` plus a few words, not a bitset over the whole key.
  // Their key numbers go along (key_numbers): positions in `ops` when it is
  // the key's whole list, else found (and found again if a run must be sorted).
  // The usual main search is over the key's whole list, every operation
  // answered and in call order (a history is recorded so): then a local
  // number is a key number, and the search reads `ops` and the model's
  // operation table themselves instead of copies.
  auto by_call = [&](std::size_t a, std::size_t b) { return call_before(h, a, b); };
  const bool whole_key = model.whole_key(ops);
  const bool identity = whole_key && model.answered_in_call_order();
  PAXSIM_ASSERT(ops.size() < (std::size_t{1} << 31));
  const auto n = static_cast<std::uint32_t>(ops.size());
  std::vector<std::size_t> local_copy;
  std::vector<std::uint32_t> key_number_copy;
  const std::size_t* local = ops.data();
  const std::uint32_t* key_numbers = nullptr;  // null: a key number is its local number
  std::uint32_t nf = n;
  if (!identity) {
    auto key_number_of = [&](std::size_t j) { return whole_key ? static_cast<std::uint32_t>(j) : model.key_number(ops[j]); };
    local_copy.reserve(ops.size());
    key_number_copy.reserve(ops.size());
    for (std::size_t j = 0; j < ops.size(); ++j)
      if (h.ops[ops[j]].return_us) {
        local_copy.push_back(ops[j]);
        key_number_copy.push_back(key_number_of(j));
      }
    nf = static_cast<std::uint32_t>(local_copy.size());
    for (std::size_t j = 0; nf < ops.size() && j < ops.size(); ++j)  // none left when all were answered
      if (!h.ops[ops[j]].return_us) {
        local_copy.push_back(ops[j]);
        key_number_copy.push_back(key_number_of(j));
      }
    // Both runs are usually in call order already.
    const auto answered_end = local_copy.begin() + nf;
    const bool answered_sorted = std::is_sorted(local_copy.begin(), answered_end, by_call);
    const bool unanswered_sorted = std::is_sorted(answered_end, local_copy.end(), by_call);
    if (!answered_sorted) std::sort(local_copy.begin(), answered_end, by_call);
    if (!unanswered_sorted) std::sort(answered_end, local_copy.end(), by_call);
    if (!answered_sorted || !unanswered_sorted)
      for (std::size_t k = 0; k < local_copy.size(); ++k) key_number_copy[k] = model.key_number(local_copy[k]);
    local = local_copy.data();
    key_numbers = key_number_copy.data();
  }
  auto key_number_at = [&](std::uint32_t k) { return key_numbers ? key_numbers[k] : k; };
  const std::uint32_t nu = n - nf;
  if (nf == 0) return {Verdict::linearizable, 0};

  // By local number: the model's table itself, or a copy in local order.
  std::vector<KeyModel::OpInfo> info_copy;
  const KeyModel::OpInfo* info = model.infos();
  if (!identity) {
    info_copy.reserve(n);
    for (std::uint32_t k = 0; k < n; ++k) info_copy.push_back(model.info(key_numbers[k]));
    info = info_copy.data();
  }
  // Key numbers to local ones: read only where the reads are indexed (the
  // look-ahead, and the wanted passes' paths), so made only then.
  std::vector<std::uint32_t> local_of;
  if (look_ahead || model.indexed()) {
    local_of.assign(model.size(), k_none);
    for (std::uint32_t k = 0; k < n; ++k) local_of[key_number_at(k)] = k;
  }
  // The gets and puts not yet linearized. Only a dead value asks (see
  // `hopeless`), and only an indexed model makes one: without an index they
  // are not counted.
  const bool counted = model.indexed();
  std::uint32_t gets_left = 0, puts_left = 0;
  for (std::uint32_t k = 0; counted && k < n; ++k) {
    gets_left += info[k].op == KvOp::get;
    puts_left += info[k].op == KvOp::put;
  }

  // The entries: a call per operation, a return per answered one, in time
  // order; at equal times calls come first (closed intervals: concurrent).
  struct EntryInfo {
    Time_us time;
    bool is_return;
    std::uint32_t op;
  };
  auto entry_before = [](const EntryInfo& a, const EntryInfo& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_return != b.is_return) return !a.is_return;
    return a.op < b.op;
  };
  // The calls come in order by local number within each run (answered,
  // unanswered), as `local` is sorted: two runs to merge. Only the returns
  // need sorting (they are nearly in order: see sort_nearly_sorted); then
  // calls and returns are merged.
  std::vector<EntryInfo> calls, returns;
  calls.reserve(n);
  returns.reserve(nf);
  for (std::uint32_t k = 0; k < n; ++k) {
    const Operation& o = h.ops[local[k]];
    PAXSIM_ASSERT(!o.return_us || *o.return_us >= o.call_us);
    calls.push_back({o.call_us, false, k});
    if (o.return_us) returns.push_back({*o.return_us, true, k});
  }
  std::inplace_merge(calls.begin(), calls.begin() + nf, calls.end(), entry_before);
  sort_nearly_sorted(returns, entry_before);
  // This table and the links below are each written in full before they
  // are read, so they are made without being filled first.
  const auto head = static_cast<std::uint32_t>(calls.size() + returns.size());
  const auto entries = std::make_unique_for_overwrite<EntryInfo[]>(head);
  std::merge(calls.begin(), calls.end(), returns.begin(), returns.end(), entries.get(), entry_before);
  // Two circular doubly-linked lists over the entries: the answered
  // operations' calls and returns, from sentinel `head`; the unanswered
  // operations' calls, from sentinel `unanswered_head`, kept apart so that the
  // scans of the first never wade through timed-out writes pending forever.
  // Lifting an operation unlinks its entries; backtracking relinks them in
  // reverse order (a frame keeps its call entry; return_entry finds the
  // return). Every entry and sentinel gets both its links, every answered
  // operation (below nf) its return.
  const std::uint32_t unanswered_head = head + 1;
  const auto next = std::make_unique_for_overwrite<std::uint32_t[]>(head + 2);
  const auto prev = std::make_unique_for_overwrite<std::uint32_t[]>(head + 2);
  const auto return_entry = std::make_unique_for_overwrite<std::uint32_t[]>(nf);
  std::uint32_t last = head, last_unanswered = unanswered_head;
  if (nu == 0) {
    // Every operation answered (the usual case): the first list is every
    // entry, in order, and the second is empty.
    for (std::uint32_t e = 0; e < head; ++e) {
      if (entries[e].is_return) return_entry[entries[e].op] = e;
      next[e] = e + 1;
      prev[e] = e - 1;
    }
    next[head] = 0;
    prev[0] = head;
    last = head - 1;
  } else {
    for (std::uint32_t e = 0; e < head; ++e) {
      if (entries[e].is_return) return_entry[entries[e].op] = e;
      std::uint32_t& tail = entries[e].op < nf ? last : last_unanswered;
      next[tail] = e;
      prev[e] = tail;
      tail = e;
    }
  }
  next[last] = head;
  prev[head] = last;
  next[last_unanswered] = unanswered_head;
  prev[unanswered_head] = last_unanswered;
  auto unlink = [&](std::uint32_t e) {
    next[prev[e]] = next[e];
    prev[next[e]] = prev[e];
  };
  auto relink = [&](std::uint32_t e) {
    prev[next[e]] = e;
    next[prev[e]] = e;
  };

  // The configuration: the value, and which operations are linearized, answered
  // ones in `done_bits` (all below `first` are set), unanswered ones in
  // `taken_bits`. Its key: (first, value), the words of `done_bits` from
  // `first` to the highest set bit, then the words of `taken_bits` up to the
  // highest set bit.
  std::uint32_t value = Values::k_absent;
  // The put that began the current value (key number), k_none: absent.
  std::uint32_t line = k_none;
  std::uint32_t first = 0;  // the first answered operation not linearized
  // Highest set bit of each, -1 for none: 32 bits, so that a frame is 32
  // bytes (an operation's local number is below 2^31, asserted above).
  std::int32_t top_done = -1, top_taken = -1;
  std::vector<std::uint64_t> done_bits((nf + 63) / 64, 0), taken_bits((nu + 63) / 64, 0);
  auto bit = [](const std::vector<std::uint64_t>& b, std::uint32_t k) { return (b[k / 64] >> (k % 64)) & 1; };
  auto flip = [](std::vector<std::uint64_t>& b, std::uint32_t k) { b[k / 64] ^= std::uint64_t{1} << (k % 64); };

  std::vector<std::uint64_t> key;
  auto make_key = [&]() -> std::uint32_t {
    // A word or two, nearly always: pushed one by one (a range insert
    // costs a library call for each).
    key.clear();
    key.push_back((std::uint64_t{first} << 32) | value);
    if (top_done >= 0 && static_cast<std::uint32_t>(top_done) >= first)
      for (std::size_t w = first / 64; w <= static_cast<std::size_t>(top_done) / 64; ++w) key.push_back(done_bits[w]);
    const auto split = static_cast<std::uint32_t>(key.size());
    if (top_taken >= 0)
      for (std::size_t w = 0; w <= static_cast<std::size_t>(top_taken) / 64; ++w) key.push_back(taken_bits[w]);
    return split;
  };

  enum class Pass : std::uint8_t { read_now, wanted, wanted_unanswered, answered, unanswered, none };
  struct Frame {
    std::uint32_t op, entry, old_value, old_first, old_line;
    std::int32_t old_top_done, old_top_taken;
    Pass pass;
  };
  // A frame per operation linearized, at most: a fixed table and its depth
  // (no capacity to test per move).
  const auto stack = std::make_unique_for_overwrite<Frame[]>(n);
  std::uint32_t depth = 0;
  VisitedSet visited;
  if constexpr (look_ahead) visited.reserve(std::min<std::uint64_t>(budget, n) + 1);  // nearly sequential: a state per operation
  std::uint64_t states = 0;
  std::uint32_t unanswered_left = nu;

  // Linearizes op k (call entry e) into value v; false if the configuration
  // was visited before (and so failed). Without look-ahead: never false.
  // Forced in line (a move is made once per state, and as a call it saved
  // and restored six registers and read every capture through the closure).
  auto push = [&](std::uint32_t k, std::uint32_t e, std::uint32_t v, Pass pass) __attribute__((always_inline)) {
    // The frame goes on the stack first (no copy of it to push later); a
    // visited configuration takes it off again.
    stack[depth++] = {k, e, value, first, line, top_done, top_taken, pass};
    value = v;
    if (k < nf) {
      flip(done_bits, k);
      top_done = std::max(top_done, static_cast<std::int32_t>(k));
      while (first < nf && bit(done_bits, first)) ++first;
    } else {
      flip(taken_bits, k - nf);
      top_taken = std::max(top_taken, static_cast<std::int32_t>(k - nf));
    }
    if (look_ahead && !visited.insert(key.data(), static_cast<std::uint32_t>(key.size()), make_key())) {
      const Frame& f = stack[depth - 1];
      (k < nf) ? flip(done_bits, k) : flip(taken_bits, k - nf);
      value = f.old_value;
      first = f.old_first;
      top_done = f.old_top_done;
      top_taken = f.old_top_taken;
      --depth;
      return false;
    }
    ++states;
    unlink(e);
    if (k < nf) {
      unlink(return_entry[k]);
    } else {
      --unanswered_left;
    }
    if (counted) {
      gets_left -= info[k].op == KvOp::get;
      puts_left -= info[k].op == KvOp::put;
    }
    if (look_ahead && info[k].op == KvOp::put) line = key_number_at(k);  // read by the look-ahead only
    return true;
  };
  auto pop = [&]() -> Frame {
    const Frame f = stack[--depth];
    if (f.op < nf) {
      relink(return_entry[f.op]);
      flip(done_bits, f.op);
    } else {
      flip(taken_bits, f.op - nf);
      ++unanswered_left;
    }
    relink(f.entry);
    if (counted) {
      gets_left += info[f.op].op == KvOp::get;
      puts_left += info[f.op].op == KvOp::put;
    }
    value = f.old_value;
    first = f.old_first;
    line = f.old_line;
    top_done = f.old_top_done;
    top_taken = f.old_top_taken;
    return f;
  };

  // Moves that lose nothing, so that the search need not try others: a get
  // that reads the current value (a get changes no value, and every operation
  // that must precede it already has); and, once the value is dead, a put no
  // get reads or an append whose value occurs in no read (the value stays
  // dead; whatever a continuation does with the write later, it can do
  // without it, since no read sees the values in between).
  auto free_now = [&](const KeyModel::OpInfo& o) {
    switch (o.op) {
      case KvOp::get: return o.expected == value;
      case KvOp::put: return value == k_dead && model.apply(o, value) == k_dead;
      case KvOp::append: return value == k_dead && !o.shown;
    }
    return false;
  };

  // For the `wanted` passes: the next operation on the only path to what a
  // candidate get read (local numbers), and the values read where there is
  // no such path.
  std::vector<std::uint32_t> wanted, wanted_ops;
  auto collect_wanted = [&] {
    wanted.clear();
    wanted_ops.clear();
    for (std::uint32_t x = next[head]; x != head && !entries[x].is_return; x = next[x]) {
      const KeyModel::OpInfo& o = info[entries[x].op];
      if (o.op != KvOp::get || o.expected == value) continue;
      if (const std::uint32_t step = model.next_step(o, value); step != k_none) {
        if (local_of[step] != k_none) wanted_ops.push_back(local_of[step]);
      } else {
        wanted.push_back(o.expected);
      }
    }
  };
  // The read-now pass met a get (which reads another value: one that reads
  // the current one is taken at once).
  bool read_now_gets = false;
  auto next_pass = [&](Pass p) {
    switch (p) {
      case Pass::read_now:
        // Nothing wanted: the wanted passes would try every write and take
        // none (the usual case: no candidate get reads another value). With
        // no get among the candidates, not even looked for.
        if (!read_now_gets) return Pass::answered;
        collect_wanted();
        return wanted.empty() && wanted_ops.empty() ? Pass::answered : Pass::wanted;
      case Pass::wanted: return unanswered_left > 0 ? Pass::wanted_unanswered : Pass::answered;
      case Pass::wanted_unanswered: return Pass::answered;
      case Pass::answered: return unanswered_left > 0 ? Pass::unanswered : Pass::none;
      case Pass::unanswered:
      case Pass::none: break;
    }
    return Pass::none;
  };

  // A candidate get that can never read what it read fails the
  // configuration at once, rather than after every order of the operations
  // before its return (see KeyModel::unreachable).
  auto gone = [&](std::uint32_t key_number) {
    const std::uint32_t k = local_of[key_number];
    return k == k_none || (k < nf ? bit(done_bits, k) : bit(taken_bits, k - nf));
  };
  // When the value leaves a line (a put starts another, or it dies), the
  // gets that could only be read on that line are checked too, wherever they
  // are: a write linearized too early is found out at once, not when its
  // readers come near.
  auto line_doomed = [&](std::uint32_t old_line) {
    if constexpr (!look_ahead) return false;
    for (std::uint32_t g : model.line_readers(old_line)) {
      const std::uint32_t k = local_of[g];
      if (k != k_none && !gone(g) && model.unreachable(info[k], value, gone)) return true;
    }
    return false;
  };
  auto doomed = [&] {
    if constexpr (!look_ahead) return false;
    std::size_t scanned = 0;
    for (std::uint32_t x = next[head]; x != head && scanned < k_doom_scan_max; x = next[x], ++scanned) {
      if (entries[x].is_return) continue;
      const KeyModel::OpInfo& o = info[entries[x].op];
      if (o.op == KvOp::get && model.unreachable(o, value, gone)) return true;
    }
    return false;
  };

  // The time of the first return entry left: the unanswered writes called by
  // then are candidates (calls first at equal times).
  auto first_return_us = [&] {
    std::uint32_t x = next[head];
    while (x != head && !entries[x].is_return) x = next[x];
    return x == head ? std::numeric_limits<Time_us>::max() : entries[x].time;
  };
  Time_us horizon_us = 0;  // first_return_us(), during the unanswered pass

  std::uint32_t e = next[head];
  Pass pass = Pass::read_now;
  bool failed = doomed();  // the configuration failed
  while (true) {
    const bool unanswered_list = pass == Pass::unanswered || pass == Pass::wanted_unanswered;
    const bool in_pass = unanswered_list ? e != unanswered_head && entries[e].time <= horizon_us
                                         : pass != Pass::none && e != head && !entries[e].is_return;
    if (!failed && in_pass) {
      const std::uint32_t k = entries[e].op;
      const KeyModel::OpInfo& o = info[k];
      std::uint32_t v = k_none;
      switch (pass) {
        case Pass::read_now:
          if (free_now(o)) v = model.apply(o, value);
          read_now_gets |= o.op == KvOp::get;
          break;
        case Pass::wanted:
        case Pass::wanted_unanswered:
          if (o.op != KvOp::get) {
            const bool step = std::find(wanted_ops.begin(), wanted_ops.end(), k) != wanted_ops.end();
            if (step || !wanted.empty()) v = model.apply(o, value);
            if (!step && std::find(wanted.begin(), wanted.end(), v) == wanted.end()) v = k_none;
          }
          break;
        case Pass::answered:
        case Pass::unanswered: v = model.apply(o, value); break;
        case Pass::none: break;
      }
      // A dead value with gets still to come and no put left to revive it
      // fails; so does an unanswered write that kills the value.
      const std::uint32_t puts_after = puts_left - (o.op == KvOp::put);
      const bool hopeless = v == k_dead && (k >= nf || (gets_left > 0 && puts_after == 0));
      if (v != k_none && !hopeless) {
        const std::uint32_t old_line = line;
        if (push(k, e, v, pass)) {
          // Only a move ends the search (nf > 0, so the first configuration
          // is neither done nor over budget): tested after each, not on
          // every step of a pass.
          if (first == nf) return {Verdict::linearizable, states};  // every answered operation linearized
          if (states > budget) return {Verdict::unknown, states};
          e = next[head];
          pass = Pass::read_now;
          read_now_gets = false;
          // (Tested here too, so that a search without look-ahead makes no call.)
          failed = look_ahead && (doomed() || ((line != old_line || value == k_dead) && line_doomed(old_line)));
          continue;
        }
        failed = pass == Pass::read_now;
      }
      if (!failed) {
        e = next[e];
        continue;
      }
    }
    // No more candidates in this pass: the next pass, or back up.
    if (!failed && pass != Pass::none) {
      pass = next_pass(pass);
      if (pass == Pass::unanswered || pass == Pass::wanted_unanswered) {
        horizon_us = first_return_us();
        e = next[unanswered_head];
      } else {
        e = next[head];
      }
      continue;
    }
    // Undo moves until one has untried siblings; a read_now move has none,
    // since its failure fails its parent.
    failed = false;
    while (true) {
      if (depth == 0) return {Verdict::not_linearizable, states};
      const Frame f = pop();
      if (f.pass != Pass::read_now) {
        pass = f.pass;
        if (pass == Pass::wanted || pass == Pass::wanted_unanswered) collect_wanted();
        if (pass == Pass::unanswered || pass == Pass::wanted_unanswered) horizon_us = first_return_us();
        e = next[f.entry];
        break;
      }
    }
  }
}

}  // namespace

SearchResult search(KeyModel& model, const std::vector<std::size_t>& ops, std::uint64_t budget, bool look_ahead) {
  return look_ahead ? search_with<true>(model, ops, budget) : search_with<false>(model, ops, budget);
}

}  // namespace paxsim::checkers::lin
