#include "checkers/linearizability.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/assert.hpp"

namespace paxsim::checkers {

namespace {

// Extra search effort spent shrinking a failing key to its window, on top of
// LinOptions::max_states.
constexpr std::uint64_t k_shrink_states_max = 2'000'000;
// Dropping operations one at a time (quadratic) only for windows this small.
constexpr std::size_t k_shrink_single_ops_max = 256;
// Reads are indexed (dead values, see k_dead, and paths, see
// KeyModel::unreachable) only when the distinct get results of a key that
// begin no other result are this long in total...
constexpr std::size_t k_prefix_chars_max = 2'000'000;
// ...and paths only within this many hash lookups (positions times distinct
// lengths of appended values); a path is followed back at most this far.
constexpr std::uint64_t k_path_work_max = 50'000'000;
constexpr std::size_t k_path_steps_max = 256;
// Gets checked for reachability per configuration: those among this many
// entries from the front of the list.
constexpr std::size_t k_doom_scan_max = 512;
// Characters compared while finding the writes that reads show (shrink).
constexpr std::uint64_t k_source_chars_max = 50'000'000;
// The one-line message names this many operations, values cut to this length.
constexpr std::size_t k_message_ops_max = 4;
constexpr std::size_t k_message_value_chars_max = 24;

constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();

// ---------------------------------------------------------------------------
// Strings by polynomial hash modulo the Mersenne prime 2^61 - 1, so that the
// hash of a concatenation follows from its parts: H(s + t) = H(s) * B^|t| + H(t).

constexpr std::uint64_t k_mod = (std::uint64_t{1} << 61) - 1;
constexpr std::uint64_t k_base = 1'000'003;

std::uint64_t reduce(std::uint64_t x) {
  x = (x & k_mod) + (x >> 61);
  return x >= k_mod ? x - k_mod : x;
}

std::uint64_t mul_mod(std::uint64_t a, std::uint64_t b) {
  __extension__ using U128 = unsigned __int128;
  const U128 p = static_cast<U128>(a) * b;
  return reduce(static_cast<std::uint64_t>(p & k_mod) + static_cast<std::uint64_t>(p >> 61));
}

std::uint64_t add_mod(std::uint64_t a, std::uint64_t b) { return reduce(a + b); }

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One number for (length, hash), for hash tables; a collision only costs a
// comparison.
std::uint64_t length_and_hash(std::uint64_t length, std::uint64_t hash) { return mix(hash ^ mix(length + 1)); }

// ---------------------------------------------------------------------------
// A hash map from 64-bit keys to 32-bit values: open addressing, linear
// probing, one flat array (the search's inner loop looks things up here).
// Lookups only; never iterated, so its layout cannot leak into results.

class FlatMap {
 public:
  static constexpr std::uint32_t k_missing = k_none;

  std::uint32_t find(std::uint64_t key) const {
    if (slots_.empty()) return k_missing;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].value == k_missing) return k_missing;
      if (slots_[i].key == key) return slots_[i].value;
    }
  }
  // The value at `key`, inserting `value` first if absent. `value` must not be k_missing.
  std::uint32_t& at_or_insert(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].value == k_missing) {
        slots_[i] = {key, value};
        ++size_;
        return slots_[i].value;
      }
      if (slots_[i].key == key) return slots_[i].value;
    }
  }
  bool contains(std::uint64_t key) const { return find(key) != k_missing; }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t value = k_missing;
  };
  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(16, slots_.size() * 2));
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old)
      if (s.value != k_missing) at_or_insert(s.key, s.value);
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

// ---------------------------------------------------------------------------
// The register's values, interned: equal strings have equal ids, so the search
// compares and remembers values as 32-bit ids. An appended value is a node
// (parent value, appended piece); its text is built only to compare it with a
// candidate of equal length and hash, which happens when a new value equals
// one seen before (typically: a get's result).

class Values {
 public:
  static constexpr std::uint32_t k_absent = 0;

  Values() { nodes_.push_back({k_none, k_none, 0, 0}); }

  std::uint32_t add_piece(const std::string& text) {
    std::uint64_t hash = 0, power = 1;
    for (unsigned char c : text) {
      hash = add_mod(mul_mod(hash, k_base), c + 1u);
      power = mul_mod(power, k_base);
    }
    pieces_.push_back({&text, hash, power, k_none});
    return static_cast<std::uint32_t>(pieces_.size() - 1);
  }

  // The value equal to the piece's text.
  std::uint32_t of_piece(std::uint32_t piece) {
    Piece& p = pieces_[piece];
    if (p.value == k_none) p.value = intern({k_none, piece, p.text->size(), p.hash});
    return p.value;
  }

  // value + piece; appending to an absent key appends to "".
  std::uint32_t append(std::uint32_t value, std::uint32_t piece) {
    if (value == k_absent) return of_piece(piece);
    const std::uint64_t key = (std::uint64_t{value} << 32) | piece;
    if (const std::uint32_t known = appended_.find(key); known != FlatMap::k_missing) return known;
    const Node& v = nodes_[value];
    const Piece& p = pieces_[piece];
    const std::uint32_t id =
        intern({value, piece, v.length + p.text->size(), add_mod(mul_mod(v.hash, p.power), p.hash)});
    appended_.at_or_insert(key, id);
    return id;
  }

  std::uint64_t length(std::uint32_t value) const { return nodes_[value].length; }
  std::uint64_t hash(std::uint32_t value) const { return nodes_[value].hash; }
  // length_and_hash of value + piece, without interning it.
  std::uint64_t appended_key(std::uint32_t value, std::uint32_t piece) const {
    const Piece& p = pieces_[piece];
    if (value == k_absent) return length_and_hash(p.text->size(), p.hash);
    const Node& v = nodes_[value];
    return length_and_hash(v.length + p.text->size(), add_mod(mul_mod(v.hash, p.power), p.hash));
  }

 private:
  struct Piece {
    const std::string* text;
    std::uint64_t hash, power;  // power = B^length
    std::uint32_t value;        // of_piece, once known
  };
  struct Node {
    std::uint32_t parent;  // k_none: the value is the piece alone
    std::uint32_t piece;
    std::uint64_t length, hash;
  };

  void text_of(const Node& n, std::string& out) const {
    std::vector<std::uint32_t> parts;
    for (const Node* x = &n;; x = &nodes_[x->parent]) {
      parts.push_back(x->piece);
      if (x->parent == k_none) break;
    }
    out.clear();
    out.reserve(n.length);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += *pieces_[*it].text;
  }

  std::uint32_t intern(const Node& n) {
    const std::uint64_t key = length_and_hash(n.length, n.hash);
    const std::uint32_t chain = by_hash_.find(key);
    for (std::uint32_t c = chain; c != k_none; c = same_hash_next_[c]) {
      const Node& m = nodes_[c];
      if (m.length != n.length || m.hash != n.hash) continue;
      text_of(n, scratch_a_);
      text_of(m, scratch_b_);
      if (scratch_a_ == scratch_b_) return c;
    }
    PAXSIM_ASSERT(nodes_.size() < k_none);
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(n);
    same_hash_next_.push_back(chain);
    by_hash_.at_or_insert(key, id) = id;
    return id;
  }

  std::vector<Piece> pieces_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> same_hash_next_;  // chains of nodes with one by_hash_ key
  FlatMap by_hash_;                             // (length, hash) -> the last node with it
  FlatMap appended_;                            // (value, piece) -> value
  std::string scratch_a_, scratch_b_;
};

// ---------------------------------------------------------------------------
// Visited configurations, kept exactly: each is a short run of 64-bit words
// in one arena, found through an open-addressing table.

class VisitedSet {
 public:
  // False if already present.
  bool insert(const std::vector<std::uint64_t>& words, std::uint32_t split) {
    std::uint64_t h = mix(split + 0x9e3779b97f4a7c15ULL);
    for (std::uint64_t w : words) h = mix(h ^ w) + 0x9e3779b97f4a7c15ULL;
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i] == 0) {
        slots_[i] = static_cast<std::uint32_t>(entries_.size() + 1);
        entries_.push_back({arena_.size(), h, static_cast<std::uint32_t>(words.size()), split});
        arena_.insert(arena_.end(), words.begin(), words.end());
        return true;
      }
      const Entry& e = entries_[slots_[i] - 1];
      if (e.hash == h && e.size == words.size() && e.split == split &&
          std::equal(words.begin(), words.end(), arena_.begin() + static_cast<std::ptrdiff_t>(e.offset)))
        return false;
    }
  }

 private:
  struct Entry {
    std::uint64_t offset, hash;
    std::uint32_t size, split;
  };
  void grow() {
    std::vector<std::uint32_t> slots(std::max<std::size_t>(64, slots_.size() * 2), 0);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t k = 0; k < entries_.size(); ++k) {
      std::size_t i = entries_[k].hash & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = static_cast<std::uint32_t>(k + 1);
    }
    slots_.swap(slots);
  }

  std::vector<std::uint64_t> arena_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> slots_;  // entry index + 1; 0 is empty
};

// ---------------------------------------------------------------------------
// One key's operations and their values, built once and shared by the search
// over the whole key and the searches over the subsets tried while shrinking.

// A value that is not the start of any get's result ("dead"). All such values
// behave alike from then on: every get fails until a put, an append keeps the
// value dead, a put replaces it. So they are one value to the search, which
// merges the configurations that differ only in which dead value they hold
// (typically: which of many concurrent puts that nobody read came last).
constexpr std::uint32_t k_dead = k_none - 1;

class KeyModel {
 public:
  struct OpInfo {
    KvOp op = KvOp::get;
    std::uint32_t piece = k_none;               // put, append: the argument
    std::uint32_t expected = Values::k_absent;  // get: the value read
    // get with a result: a longest read (below) it begins, and its length.
    std::uint32_t longest = k_none;
    std::uint64_t length = 0;
    // append: its value occurs in some read. A shown append is never applied
    // to a dead value for free (see search's free_now).
    bool shown = true;
  };

  // `ops`: all of one key's operations but unanswered gets.
  KeyModel(const History& h, std::vector<std::size_t> ops) : h_(h), ops_(std::move(ops)) {
    std::sort(ops_.begin(), ops_.end());
    for (std::size_t i : ops_) {
      const Operation& o = h.ops[i];
      OpInfo info;
      info.op = o.op;
      if (o.op == KvOp::get) {
        if (o.result) info.expected = values_.of_piece(values_.add_piece(*o.result));
      } else {
        info.piece = values_.add_piece(o.value);
      }
      info_.push_back(info);
    }
    index_reads();
  }

  const History& history() const { return h_; }
  // Operations are numbered by their position in the key ("key numbers").
  std::uint32_t size() const { return static_cast<std::uint32_t>(ops_.size()); }
  std::uint32_t key_number(std::size_t op) const {
    const auto it = std::lower_bound(ops_.begin(), ops_.end(), op);
    PAXSIM_ASSERT(it != ops_.end() && *it == op);
    return static_cast<std::uint32_t>(it - ops_.begin());
  }
  const OpInfo& info(std::uint32_t k) const { return info_[k]; }

  // The write (key number) that the only path to get `g`'s result takes next
  // from value `v`: the put that starts the path, or the append after `v`;
  // k_none if there is no such path or it does not pass through `v`.
  std::uint32_t next_step(const OpInfo& g, std::uint32_t v) const {
    if (v == g.expected || g.longest == k_none) return k_none;
    const Longest& m = longest_[g.longest];
    if (m.back.empty() || m.back[g.length].ways != 1) return k_none;
    const bool extends = extends_to(v, g);
    const std::uint64_t from = extends && v != Values::k_absent ? values_.length(v) : 0;
    std::uint64_t pos = g.length;
    std::uint32_t after = k_none;  // the step out of `pos`
    for (std::size_t steps = 0; steps < k_path_steps_max; ++steps) {
      if (extends && pos <= from) return pos == from ? after : k_none;
      const Step& s = m.back[pos];
      if (s.from == k_start) return s.op;  // k_none for absent
      after = s.op;
      pos = s.from;
    }
    return k_none;
  }

  // The gets whose result only the line begun by put `start` (key number;
  // k_none: the absent key, and appends to it) can build.
  const std::vector<std::uint32_t>& line_readers(std::uint32_t start) const {
    const auto it = line_readers_.find(start);
    return it == line_readers_.end() ? no_readers_ : it->second;
  }

  // The model's answer to an operation from value `v`: the new value (maybe
  // k_dead), or k_none if the operation's result contradicts `v`.
  std::uint32_t apply(const OpInfo& o, std::uint32_t v) {
    switch (o.op) {
      case KvOp::put: return alive(values_.of_piece(o.piece));
      case KvOp::append: {
        if (v == k_dead) return k_dead;
        // Dead results are cached too, and never interned.
        const std::uint64_t key = (std::uint64_t{v} << 32) | o.piece;
        if (const std::uint32_t known = appended_.find(key); known != FlatMap::k_missing) return known;
        const std::uint32_t next =
            indexed_ && !prefixes_.contains(values_.appended_key(v, o.piece)) ? k_dead : alive(values_.append(v, o.piece));
        appended_.at_or_insert(key, next);
        return next;
      }
      case KvOp::get: return v == o.expected ? v : k_none;
    }
    return k_none;
  }

  // Can get `g` no longer read what it read, from value `v`, when the
  // operations for which gone(key number) holds are used up (linearized, or
  // not in the sub-history)? Only a "yes" must be right.
  //
  // A read is reached either by appends to the current value (if `v` begins
  // it; absent counts as "") or by a put that begins it and then appends.
  // Every way to build a longest read is a path over its positions: from a
  // start (position 0 from absent, or the end of a put that begins it) along
  // appends whose values match. When exactly one path reaches a read's
  // length, its operations are the only way to build it; otherwise only its
  // starts (puts) are known to be needed.
  template <typename Gone>
  bool unreachable(const OpInfo& g, std::uint32_t v, Gone&& gone) const {
    if (v == g.expected) return false;
    if (g.expected == Values::k_absent) return true;  // nothing makes a key absent again
    const bool extends = extends_to(v, g);
    if (g.longest == k_none) return false;
    const Longest& m = longest_[g.longest];
    if (m.back.empty() || m.back[g.length].ways != 1) {
      if (extends) return false;
      for (const auto& [n, put] : m.starts)
        if (n <= g.length && !gone(put)) return false;
      return true;
    }
    const std::uint64_t from = extends && v != Values::k_absent ? values_.length(v) : 0;
    std::uint64_t pos = g.length;
    for (std::size_t steps = 0; steps < k_path_steps_max; ++steps) {
      if (extends && pos <= from) return false;  // appends from `v` may do (or `v` is not on the path)
      const Step& s = m.back[pos];
      if (s.from == k_start) return s.op == k_none ? !extends : gone(s.op);
      if (gone(s.op)) return true;
      pos = s.from;
    }
    return false;
  }

 private:
  static constexpr std::uint32_t k_start = k_none;
  struct Step {  // how the only path reaches a position
    std::uint32_t from = 0;    // the position before, or k_start
    std::uint32_t op = k_none; // the append, or the start's put (k_none: from absent)
    std::uint8_t ways = 0;     // paths reaching here: 0, 1, or 2 for "more"
  };
  struct Longest {
    std::string_view text;
    std::vector<std::uint64_t> prefix_hash;  // [n]: hash of the first n characters
    std::vector<std::pair<std::uint64_t, std::uint32_t>> starts;  // (length, put) of puts that begin it
    std::vector<Step> back;  // per position; empty if not worked out
  };

  // Does `v` begin get `g`'s result (absent counts as "")? "Yes" on a hash
  // collision or when the reads were too long to index.
  bool extends_to(std::uint32_t v, const OpInfo& g) const {
    if (v == Values::k_absent) return true;
    if (v == k_dead) return false;
    if (g.longest == k_none) return true;
    const std::uint64_t n = values_.length(v);
    return n <= g.length && longest_[g.longest].prefix_hash[n] == values_.hash(v);
  }

  // `v`, or k_dead if no get read `v` or an extension of it. Only a "no" must
  // be right, and it is: a hash collision can only say "yes" (and keep `v`).
  std::uint32_t alive(std::uint32_t v) {
    if (!indexed_) return v;
    if (v >= alive_.size()) alive_.resize(std::max<std::size_t>(v + 1, alive_.size() * 2), 0);
    if (alive_[v] == 0) alive_[v] = prefixes_.contains(length_and_hash(values_.length(v), values_.hash(v))) ? 1 : 2;
    return alive_[v] == 1 ? v : k_dead;
  }

  // Indexes the get results through the longest reads (results that begin no
  // other result; in sorted order, a result that begins another begins the
  // next one): their prefixes, the puts that begin them, and the paths of
  // appends that build them.
  void index_reads() {
    std::map<std::string_view, std::uint32_t> results;  // distinct results, sorted -> longest read
    for (std::uint32_t k = 0; k < size(); ++k) {
      const Operation& o = h_.ops[ops_[k]];
      if (o.op == KvOp::get && o.result) results.emplace(*o.result, k_none);
    }
    std::size_t chars = 0;
    std::uint32_t longest = k_none;
    for (auto it = results.rbegin(); it != results.rend(); ++it) {
      if (longest == k_none || !longest_[longest].text.starts_with(it->first)) {
        chars += it->first.size();
        if (chars > k_prefix_chars_max) {
          longest_.clear();
          return;
        }
        Longest l{it->first, {0}, {}, {}};
        std::uint64_t hash = 0;
        for (unsigned char c : it->first) l.prefix_hash.push_back(hash = add_mod(mul_mod(hash, k_base), c + 1u));
        longest_.push_back(std::move(l));
        longest = static_cast<std::uint32_t>(longest_.size() - 1);
      }
      it->second = longest;
    }
    for (const Longest& l : longest_)
      for (std::size_t n = 0; n < l.prefix_hash.size(); ++n) prefixes_.at_or_insert(length_and_hash(n, l.prefix_hash[n]), 1);

    // Writes by (length, hash) of their value; lookups only, never iterated.
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> puts, appends;
    std::map<std::uint64_t, std::uint64_t> append_lengths;  // length -> B^length
    for (std::uint32_t k = 0; k < size(); ++k) {
      if (info_[k].op == KvOp::get) continue;
      const std::uint32_t v = values_.of_piece(info_[k].piece);
      const std::uint64_t n = values_.length(v);
      (info_[k].op == KvOp::put ? puts : appends)[length_and_hash(n, values_.hash(v))].push_back(k);
      if (info_[k].op == KvOp::append) {
        info_[k].shown = false;
        std::uint64_t power = 1;
        for (std::uint64_t i = 0; i < n && !append_lengths.count(n); ++i) power = mul_mod(power, k_base);
        append_lengths.emplace(n, power);
      }
    }
    std::uint64_t work = 0;
    bool paths = true;
    for (Longest& m : longest_) {
      const std::uint64_t len = m.text.size();
      for (std::uint64_t n = 0; n <= len; ++n)
        if (auto it = puts.find(length_and_hash(n, m.prefix_hash[n])); it != puts.end())
          for (std::uint32_t p : it->second)
            if (m.text.starts_with(h_.ops[ops_[p]].value)) m.starts.emplace_back(n, p);
      work += (len + 1) * append_lengths.size();
      if (!paths || work > k_path_work_max) {
        paths = false;
        continue;
      }
      m.back.assign(len + 1, Step{});
      auto arrive = [&](std::uint64_t at, std::uint32_t from, std::uint32_t op, std::uint8_t ways) {
        Step& s = m.back[at];
        if (s.ways == 0) s = Step{from, op, 0};
        s.ways = static_cast<std::uint8_t>(std::min(2, s.ways + ways));
      };
      arrive(0, k_start, k_none, 1);  // from absent
      for (const auto& [n, p] : m.starts) arrive(n, k_start, p, 1);
      for (std::uint64_t i = 0; i < len; ++i) {
        for (const auto& [n, power] : append_lengths) {
          if (n == 0 || i + n > len) continue;
          const std::uint64_t hash = add_mod(m.prefix_hash[i + n], k_mod - mul_mod(m.prefix_hash[i], power));
          const auto it = appends.find(length_and_hash(n, hash));
          if (it == appends.end()) continue;
          for (std::uint32_t a : it->second) {
            if (m.text.compare(i, n, h_.ops[ops_[a]].value) != 0) continue;
            info_[a].shown = true;
            if (m.back[i].ways > 0) arrive(i + n, static_cast<std::uint32_t>(i), a, m.back[i].ways);
          }
        }
      }
    }
    if (!paths) {  // some occurrences not looked for: every append may be shown
      for (Longest& m : longest_) m.back.clear();
      for (OpInfo& info : info_) info.shown = true;
    }
    for (std::uint32_t k = 0; k < size(); ++k) {
      const Operation& o = h_.ops[ops_[k]];
      if (o.op != KvOp::get) continue;
      if (!o.result) {
        line_readers_[k_none].push_back(k);
        continue;
      }
      info_[k].longest = results.at(*o.result);
      info_[k].length = o.result->size();
      // The start of its only path, if it has one.
      const Longest& m = longest_[info_[k].longest];
      if (m.back.empty() || m.back[info_[k].length].ways != 1) continue;
      std::uint64_t pos = info_[k].length;
      for (std::size_t steps = 0; steps < k_path_steps_max; ++steps) {
        const Step& step = m.back[pos];
        if (step.from == k_start) {
          line_readers_[step.op].push_back(k);
          break;
        }
        pos = step.from;
      }
    }
    indexed_ = true;
  }

  const History& h_;
  std::vector<std::size_t> ops_;  // the key's operations, ascending
  std::vector<OpInfo> info_;      // parallel to ops_
  Values values_;
  bool indexed_ = false;
  std::vector<Longest> longest_;
  FlatMap prefixes_;  // (length, hash) of every prefix of a read -> 1
  FlatMap appended_;  // (value, piece) -> apply's answer for an append
  std::vector<std::uint8_t> alive_;  // per value id: 0 unknown, 1 alive, 2 dead
  std::map<std::uint32_t, std::vector<std::uint32_t>> line_readers_;
  const std::vector<std::uint32_t> no_readers_;
};

using Verdict = LinResult::Verdict;

struct SearchResult {
  Verdict verdict;
  std::uint64_t states;
};

bool call_before(const History& h, std::size_t a, std::size_t b) {
  const Operation &x = h.ops[a], &y = h.ops[b];
  return x.call_us != y.call_us ? x.call_us < y.call_us : a < b;
}

// Is the sub-history `ops` (some of one key's operations, no unanswered gets)
// linearizable? At most `budget` configurations.
//
// From each configuration the candidates are the calls before the first
// return entry left, tried in passes:
// 1. A move that loses nothing (free_now), alone: if it fails, the
//    configuration fails.
// 2. A write that makes the value a candidate get reads, or that is the
//    next step towards it (KeyModel::next_step): answered ones, then
//    unanswered ones.
// 3. The answered operations, in call order (those tried in 2 are found
//    visited at once).
// 4. The unanswered writes, last, so a history whose timed-out writes had no
//    effect never tries them; and only when the value they make may be read
//    (a dead value would make the write useless: leaving it out does as well).
SearchResult search(KeyModel& model, const std::vector<std::size_t>& ops, std::uint64_t budget) {
  const History& h = model.history();
  // Local numbering: answered operations 0..nf-1 by call time, then unanswered
  // ones nf..n-1. Only operations called before the first pending return can
  // be linearized, so those linearized above the first answered one not yet
  // linearized (`first`) lie within its concurrency window: a configuration
  // is `first` plus a few words, not a bitset over the whole key.
  std::vector<std::size_t> local;
  for (std::size_t i : ops)
    if (h.ops[i].return_us) local.push_back(i);
  const auto nf = static_cast<std::uint32_t>(local.size());
  for (std::size_t i : ops)
    if (!h.ops[i].return_us) local.push_back(i);
  std::sort(local.begin(), local.begin() + nf, [&](std::size_t a, std::size_t b) { return call_before(h, a, b); });
  std::sort(local.begin() + nf, local.end(), [&](std::size_t a, std::size_t b) { return call_before(h, a, b); });
  const auto n = static_cast<std::uint32_t>(local.size());
  const std::uint32_t nu = n - nf;
  if (nf == 0) return {Verdict::linearizable, 0};

  std::vector<KeyModel::OpInfo> info(n);
  std::vector<std::uint32_t> local_of(model.size(), k_none), key_numbers(n);
  std::uint32_t gets_left = 0, puts_left = 0;  // not yet linearized
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint32_t key_number = key_numbers[k] = model.key_number(local[k]);
    local_of[key_number] = k;
    info[k] = model.info(key_number);
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
  std::vector<EntryInfo> entries;
  entries.reserve(n + nf);
  for (std::uint32_t k = 0; k < n; ++k) {
    const Operation& o = h.ops[local[k]];
    PAXSIM_ASSERT(!o.return_us || *o.return_us >= o.call_us);
    entries.push_back({o.call_us, false, k});
    if (o.return_us) entries.push_back({*o.return_us, true, k});
  }
  std::sort(entries.begin(), entries.end(), [](const EntryInfo& a, const EntryInfo& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_return != b.is_return) return !a.is_return;
    return a.op < b.op;
  });
  // Two circular doubly-linked lists over the entries: the answered
  // operations' calls and returns, from sentinel `head`; the unanswered
  // operations' calls, from sentinel `unanswered_head`, kept apart so that the
  // scans of the first never wade through timed-out writes pending forever.
  // Lifting an operation unlinks its entries; backtracking relinks them in
  // reverse order.
  const auto head = static_cast<std::uint32_t>(entries.size());
  const std::uint32_t unanswered_head = head + 1;
  std::vector<std::uint32_t> next(entries.size() + 2), prev(entries.size() + 2);
  std::vector<std::uint32_t> call_entry(n), return_entry(n, k_none);
  std::uint32_t last = head, last_unanswered = unanswered_head;
  for (std::uint32_t e = 0; e < head; ++e) {
    (entries[e].is_return ? return_entry : call_entry)[entries[e].op] = e;
    std::uint32_t& tail = entries[e].op < nf ? last : last_unanswered;
    next[tail] = e;
    prev[e] = tail;
    tail = e;
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
  std::uint32_t done = 0;   // answered operations linearized
  std::uint32_t first = 0;  // the first answered operation not linearized
  std::int64_t top_done = -1, top_taken = -1;  // highest set bit of each
  std::vector<std::uint64_t> done_bits((nf + 63) / 64, 0), taken_bits((nu + 63) / 64, 0);
  auto bit = [](const std::vector<std::uint64_t>& b, std::uint32_t k) { return (b[k / 64] >> (k % 64)) & 1; };
  auto flip = [](std::vector<std::uint64_t>& b, std::uint32_t k) { b[k / 64] ^= std::uint64_t{1} << (k % 64); };

  std::vector<std::uint64_t> key;
  auto make_key = [&]() -> std::uint32_t {
    key.clear();
    key.push_back((std::uint64_t{first} << 32) | value);
    if (top_done >= static_cast<std::int64_t>(first))
      key.insert(key.end(), done_bits.begin() + first / 64, done_bits.begin() + top_done / 64 + 1);
    const auto split = static_cast<std::uint32_t>(key.size());
    if (top_taken >= 0) key.insert(key.end(), taken_bits.begin(), taken_bits.begin() + top_taken / 64 + 1);
    return split;
  };

  enum class Pass : std::uint8_t { read_now, wanted, wanted_unanswered, answered, unanswered, none };
  struct Frame {
    std::uint32_t op, entry, old_value, old_first, old_line;
    std::int64_t old_top_done, old_top_taken;
    Pass pass;
  };
  std::vector<Frame> stack;
  VisitedSet visited;
  std::uint64_t states = 0;
  std::uint32_t unanswered_left = nu;

  // Linearizes op k (call entry e) into value v; false if the configuration
  // was visited before (and so failed).
  auto push = [&](std::uint32_t k, std::uint32_t e, std::uint32_t v, Pass pass) {
    const Frame f{k, e, value, first, line, top_done, top_taken, pass};
    value = v;
    if (k < nf) {
      flip(done_bits, k);
      top_done = std::max<std::int64_t>(top_done, k);
      while (first < nf && bit(done_bits, first)) ++first;
    } else {
      flip(taken_bits, k - nf);
      top_taken = std::max<std::int64_t>(top_taken, k - nf);
    }
    const std::uint32_t split = make_key();
    if (!visited.insert(key, split)) {
      (k < nf) ? flip(done_bits, k) : flip(taken_bits, k - nf);
      value = f.old_value;
      first = f.old_first;
      top_done = f.old_top_done;
      top_taken = f.old_top_taken;
      return false;
    }
    ++states;
    stack.push_back(f);
    unlink(e);
    if (k < nf) {
      unlink(return_entry[k]);
      ++done;
    } else {
      --unanswered_left;
    }
    gets_left -= info[k].op == KvOp::get;
    puts_left -= info[k].op == KvOp::put;
    if (info[k].op == KvOp::put) line = key_numbers[k];
    return true;
  };
  auto pop = [&]() -> Frame {
    const Frame f = stack.back();
    stack.pop_back();
    if (f.op < nf) {
      relink(return_entry[f.op]);
      --done;
      flip(done_bits, f.op);
    } else {
      flip(taken_bits, f.op - nf);
      ++unanswered_left;
    }
    relink(f.entry);
    gets_left += info[f.op].op == KvOp::get;
    puts_left += info[f.op].op == KvOp::put;
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
  auto next_pass = [&](Pass p) {
    switch (p) {
      case Pass::read_now: collect_wanted(); return Pass::wanted;
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
    for (std::uint32_t g : model.line_readers(old_line)) {
      const std::uint32_t k = local_of[g];
      if (k != k_none && !gone(g) && model.unreachable(info[k], value, gone)) return true;
    }
    return false;
  };
  auto doomed = [&] {
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
    if (done == nf) return {Verdict::linearizable, states};
    if (states > budget) return {Verdict::unknown, states};
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
          e = next[head];
          pass = Pass::read_now;
          failed = doomed() || ((line != old_line || value == k_dead) && line_doomed(old_line));
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
      if (stack.empty()) return {Verdict::not_linearizable, states};
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
  auto by_call = [&](std::size_t a, std::size_t b) { return call_before(h, a, b); };
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
    const SearchResult r = search(model, sub, budget);
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
  std::map<std::string, std::vector<std::size_t>> by_key;
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    const Operation& o = h.ops[i];
    if (o.op == KvOp::get && !o.return_us) continue;
    by_key[o.key].push_back(i);
  }
  LinResult r;
  for (const auto& [key, ops] : by_key) {
    KeyModel model(h, ops);
    const SearchResult s = search(model, ops, opt.max_states - std::min(opt.max_states, r.states));
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
      r.message = fmt::format("key {}: no linearization of these {} operations: {}", quoted(key, k_message_value_chars_max),
                              r.window.size(), list);
      return r;
    }
  }
  r.message = fmt::format("{} operations on {} keys are linearizable", h.ops.size(), by_key.size());
  return r;
}

}  // namespace paxsim::checkers
