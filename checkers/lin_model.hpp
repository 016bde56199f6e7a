// The linearizability checker's model of one key (internal to checkers/):
// strings by polynomial hash, hash tables (FlatMap, and the search's
// VisitedSet), interned values, and KeyModel, which answers what an
// operation does to a value and what the key's reads still need.
// See linearizability.hpp for the semantics.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/history.hpp"
#include "sim/assert.hpp"

namespace paxsim::checkers::lin {

constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();

// Reads are indexed (dead values, see k_dead, and paths, see
// KeyModel::unreachable) only when the distinct get results of a key that
// begin no other result are this long in total...
constexpr std::size_t k_prefix_chars_max = 2'000'000;
// ...and paths only within this many hash lookups (positions times distinct
// lengths of appended values); a path is followed back at most this far.
constexpr std::uint64_t k_path_work_max = 50'000'000;
constexpr std::size_t k_path_steps_max = 256;

// ---------------------------------------------------------------------------
// Strings by polynomial hash modulo the Mersenne prime 2^61 - 1, so that the
// hash of a concatenation follows from its parts: H(s + t) = H(s) * B^|t| + H(t).

constexpr std::uint64_t k_mod = (std::uint64_t{1} << 61) - 1;
constexpr std::uint64_t k_base = 1'000'003;

inline std::uint64_t reduce(std::uint64_t x) {
  x = (x & k_mod) + (x >> 61);
  return x >= k_mod ? x - k_mod : x;
}

inline std::uint64_t mul_mod(std::uint64_t a, std::uint64_t b) {
  __extension__ using U128 = unsigned __int128;
  const U128 p = static_cast<U128>(a) * b;
  return reduce(static_cast<std::uint64_t>(p & k_mod) + static_cast<std::uint64_t>(p >> 61));
}

inline std::uint64_t add_mod(std::uint64_t a, std::uint64_t b) { return reduce(a + b); }

// H(s + c) from H(s): H(s) * B + (c + 1), with one reduction (the product
// of a hash and B is below 2^81, so its two halves and c + 1 fit in 62 bits).
inline std::uint64_t hash_append(std::uint64_t hash, unsigned char c) {
  __extension__ using U128 = unsigned __int128;
  const U128 p = static_cast<U128>(hash) * k_base;
  return reduce(static_cast<std::uint64_t>(p & k_mod) + static_cast<std::uint64_t>(p >> 61) + c + 1u);
}

// H(s + t) from H(s), three characters of t per reduction: H(s) * B^3 +
// (t0 + 1) * B^2 + (t1 + 1) * B + (t2 + 1). B^3 < 2^60, so the product is
// below 2^121, its two halves below 2^61 and 2^60, and the three characters
// below 2^49: the sum fits in 62 bits, which one reduction takes to [0, p).
inline std::uint64_t hash_extend(std::uint64_t hash, std::string_view t) {
  __extension__ using U128 = unsigned __int128;
  constexpr std::uint64_t k_base2 = k_base * k_base;
  constexpr std::uint64_t k_base3 = k_base2 * k_base;
  static_assert(k_base3 < (std::uint64_t{1} << 60));
  std::size_t i = 0;
  for (; i + 3 <= t.size(); i += 3) {
    const auto c0 = static_cast<unsigned char>(t[i]), c1 = static_cast<unsigned char>(t[i + 1]),
               c2 = static_cast<unsigned char>(t[i + 2]);
    const U128 p = static_cast<U128>(hash) * k_base3;
    const std::uint64_t tail = (c0 + 1u) * k_base2 + (c1 + 1u) * k_base + (c2 + 1u);
    hash = reduce(static_cast<std::uint64_t>(p & k_mod) + static_cast<std::uint64_t>(p >> 61) + tail);
  }
  for (; i < t.size(); ++i) hash = hash_append(hash, static_cast<unsigned char>(t[i]));
  return hash;
}

// B^n, by squaring.
inline std::uint64_t power_of_base(std::uint64_t n) {
  std::uint64_t result = 1, square = k_base;
  for (; n != 0; n >>= 1) {
    if (n & 1) result = mul_mod(result, square);
    square = mul_mod(square, square);
  }
  return result;
}

inline std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A key for a text, for hash tables that compare the texts on a match:
// up to 16 bytes, read as two words (overlapping, or two half words, or
// three bytes for the shortest) and its length, a few instructions where
// hashing it word by word (Value::hash_text, for the longer ones) calls a
// loop. Equal texts take the same branch, so they get equal keys.
inline std::uint64_t text_key(std::string_view s) {
  const char* const p = s.data();
  const std::size_t n = s.size();
  if (n > 16) return Value::hash_text(s);
  std::uint64_t a = 0, b = 0;
  if (n >= 8) {
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
  } else if (n >= 4) {
    std::uint32_t x, y;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, p + n - 4, 4);
    a = x;
    b = y;
  } else if (n > 0) {
    a = std::uint64_t{static_cast<unsigned char>(p[0])} << 16 |
        std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 | static_cast<unsigned char>(p[n - 1]);
  }
  return (a * 0x9e3779b97f4a7c15ULL) ^ b ^ (std::uint64_t{n} << 56);
}

// One number for (length, hash), for hash tables. Every use either compares
// the strings on a match or errs on the safe side (KeyModel::alive), so a
// collision costs work, never a wrong verdict.
inline std::uint64_t length_and_hash(std::uint64_t length, std::uint64_t hash) { return mix(hash ^ mix(length + 1)); }

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
  // The value at `key`, or else the empty slot for it, which reads k_missing
  // and is counted as filled: the caller must store a value there (anything
  // but k_missing) before the map is used again. One probe where find and
  // then at_or_insert would make two.
  std::uint32_t& slot_for(std::uint64_t key) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].value == k_missing) {
        slots_[i].key = key;
        ++size_;
        return slots_[i].value;
      }
      if (slots_[i].key == key) return slots_[i].value;
    }
  }
  bool contains(std::uint64_t key) const { return find(key) != k_missing; }
  // Room for `n` keys in all, without growing.
  void reserve(std::size_t n) {
    std::size_t slots = 16;
    while (slots < 2 * n) slots *= 2;
    if (slots > slots_.size()) rehash(slots);
  }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t value = k_missing;
  };
  void grow() { rehash(std::max<std::size_t>(16, slots_.size() * 2)); }
  void rehash(std::size_t slots) {
    std::vector<Slot> old(slots);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old)
      if (s.value != k_missing) at_or_insert(s.key, s.value);
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

// ---------------------------------------------------------------------------
// The search's visited configurations, kept exactly: each is a short run of
// 64-bit words and a split point, stored in blocks (no run spans two, and
// nothing is ever moved, so memory grows smoothly), found through an
// open-addressing table of entry numbers, each with the high half of its
// run's hash: a probe compares words only when the halves match, and growing
// the table places entries by their halves, without hashing their words
// again. About 16 bytes per entry, 8 per word, 16 to 32 in the table.
// Lookups only; never iterated, so its layout cannot leak into results.

class VisitedSet {
 public:
  // Adds the run `words[0 .. size)` with `split`; false if already present.
  bool insert(const std::uint64_t* words, std::uint32_t size, std::uint32_t split) {
    const auto tag = static_cast<std::uint32_t>(hash(words, size, split) >> 32);
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = tag & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.entry == 0) {
        PAXSIM_ASSERT(count_ + 1 < k_none);
        s = Slot{tag, static_cast<std::uint32_t>(++count_)};
        add(words, size, split);
        return true;
      }
      if (s.tag != tag) continue;
      const Entry& e = entry(s.entry - 1);
      if (e.size == size && e.split == split && std::equal(words, words + size, data(e))) return false;
    }
  }
  std::size_t size() const { return count_; }
  // Room for `n` entries in the table, without growing it.
  void reserve(std::size_t n) {
    std::size_t slots = 64;
    while (slots < 2 * n) slots *= 2;
    if (slots > slots_.size()) rehash(slots);
  }

 private:
  static constexpr std::size_t k_block_words = std::size_t{1} << 16;
  static constexpr std::size_t k_block_entries = std::size_t{1} << 16;
  struct Entry {
    std::uint64_t offset;  // block << 32 | position in it
    std::uint32_t size, split;
  };
  struct Slot {
    std::uint32_t tag = 0;    // the high half of the entry's hash
    std::uint32_t entry = 0;  // entry number + 1; 0 is empty
  };

  static std::uint64_t hash(const std::uint64_t* words, std::size_t n, std::uint32_t split) {
    std::uint64_t h = mix(split + 0x9e3779b97f4a7c15ULL);
    for (std::size_t k = 0; k < n; ++k) h = mix(h ^ words[k]) + 0x9e3779b97f4a7c15ULL;
    return h;
  }
  const Entry& entry(std::size_t k) const { return entries_[k / k_block_entries][k % k_block_entries]; }
  const std::uint64_t* data(const Entry& e) const { return words_[e.offset >> 32].data() + (e.offset & 0xffffffffu); }

  void add(const std::uint64_t* words, std::uint32_t size, std::uint32_t split) {
    if (words_.empty() || words_.back().size() + size > words_.back().capacity()) {
      words_.emplace_back();
      words_.back().reserve(std::max<std::size_t>(k_block_words, size));
    }
    std::vector<std::uint64_t>& block = words_.back();
    const std::uint64_t offset = (std::uint64_t{words_.size() - 1} << 32) | block.size();
    for (std::uint32_t k = 0; k < size; ++k) block.push_back(words[k]);  // within its capacity
    if (entries_.empty() || entries_.back().size() == k_block_entries) {
      entries_.emplace_back();
      entries_.back().reserve(k_block_entries);
    }
    entries_.back().push_back({offset, size, split});
  }

  void grow() { rehash(std::max<std::size_t>(64, slots_.size() * 2)); }
  // Slots are found from tags, so a table has at most 2^32 of them.
  void rehash(std::size_t size) {
    std::vector<Slot> slots(size);
    PAXSIM_ASSERT(slots.size() <= (std::size_t{1} << 32));
    const std::size_t mask = slots.size() - 1;
    for (const Slot& s : slots_) {
      if (s.entry == 0) continue;
      std::size_t i = s.tag & mask;
      while (slots[i].entry != 0) i = (i + 1) & mask;
      slots[i] = s;
    }
    slots_.swap(slots);
  }

  std::vector<std::vector<std::uint64_t>> words_;  // blocks
  std::vector<std::vector<Entry>> entries_;        // blocks
  std::size_t count_ = 0;
  std::vector<Slot> slots_;
};

// ---------------------------------------------------------------------------
// The register's values, interned: equal strings have equal ids, so the search
// compares and remembers values as 32-bit ids. An appended value is a node
// (parent value, appended piece); its text is built only to compare it with a
// candidate of equal length and hash, which happens when a new value equals
// one seen before (typically: a get's result).
//
// Where nothing is ever appended (text_keys), every value is a piece, so
// values are interned by a cheap hash of their text instead, and the
// polynomial hashes (which only the look-ahead's index and appends need) are
// worked out only if asked for (hash_all): a key linearized by the fast pass
// never hashes its values twice over. Either way equal texts get equal ids,
// in the same order.

class Values {
 public:
  static constexpr std::uint32_t k_absent = 0;

  Values() { nodes_.push_back({k_none, k_none, 0, 0}); }

  // No value will be appended to (call before adding pieces).
  void use_text_keys() {
    PAXSIM_ASSERT(pieces_.empty());
    text_keys_ = true;
    hashed_ = false;
  }
  // Gives every piece and value its polynomial hash, if they lack it.
  void hash_all() {
    if (hashed_) return;
    hashed_ = true;
    for (Piece& p : pieces_) {
      p.hash = hash_extend(0, *p.text);
      p.power = power(p.text->size());
    }
    for (std::size_t v = 1; v < nodes_.size(); ++v) nodes_[v].hash = pieces_[nodes_[v].piece].hash;
  }

  // Inline, for the usual key (no appends), whose pieces are hashed later if
  // at all; hashing one now is out of line.
  [[gnu::always_inline]] std::uint32_t add_piece(const std::string& text) {
    if (hashed_) return add_hashed_piece(text);
    pieces_.push_back({&text, 0, 0, k_none});
    return static_cast<std::uint32_t>(pieces_.size() - 1);
  }
  // Room for `n` pieces, and as many values, without growing.
  void reserve_pieces(std::size_t n) {
    pieces_.reserve(n);
    nodes_.reserve(n + 1);
    same_hash_next_.reserve(n + 1);
    by_hash_.reserve(n + 1);
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
    PAXSIM_ASSERT(!text_keys_);
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
  std::uint64_t hash(std::uint32_t value) const {
    PAXSIM_ASSERT(hashed_);
    return nodes_[value].hash;
  }
  // length_and_hash of value + piece, without interning it.
  std::uint64_t appended_key(std::uint32_t value, std::uint32_t piece) const {
    PAXSIM_ASSERT(hashed_);
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

  [[gnu::noinline]] std::uint32_t add_hashed_piece(const std::string& text) {
    pieces_.push_back({&text, hash_extend(0, text), power(text.size()), k_none});
    return static_cast<std::uint32_t>(pieces_.size() - 1);
  }

  // B^n: from a table for the short lengths values usually have.
  std::uint64_t power(std::size_t n) {
    if (n >= k_power_table_max) return power_of_base(n);
    if (powers_.empty()) powers_.push_back(1);
    while (powers_.size() <= n) powers_.push_back(mul_mod(powers_.back(), k_base));
    return powers_[n];
  }

  void text_of(const Node& n, std::string& out) {
    parts_.clear();
    for (const Node* x = &n;; x = &nodes_[x->parent]) {
      parts_.push_back(x->piece);
      if (x->parent == k_none) break;
    }
    out.clear();
    out.reserve(n.length);
    for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) out += *pieces_[*it].text;
  }

  // Do two nodes of equal length and hash spell the same text? Two pieces
  // (a put's value, a get's result: the usual case) are compared in place.
  bool same_text(const Node& a, const Node& b) {
    if (a.parent == k_none && b.parent == k_none) return *pieces_[a.piece].text == *pieces_[b.piece].text;
    text_of(a, scratch_a_);
    text_of(b, scratch_b_);
    return scratch_a_ == scratch_b_;
  }

  // The key of a node in by_hash_: with text keys (a piece, always), the
  // text's key, which takes its length too.
  std::uint64_t intern_key(const Node& n) const {
    if (!text_keys_) return length_and_hash(n.length, n.hash);
    PAXSIM_ASSERT(n.parent == k_none);
    return text_key(*pieces_[n.piece].text);
  }

  std::uint32_t intern(const Node& n) {
    // The key's slot, found once: it holds the last node with the key, or
    // (new) k_missing, which is k_none, an empty chain; either way it gets
    // the new node, if one is made. Nothing below moves the table.
    static_assert(FlatMap::k_missing == k_none);
    std::uint32_t& last = by_hash_.slot_for(intern_key(n));
    const std::uint32_t chain = last;
    for (std::uint32_t c = chain; c != k_none; c = same_hash_next_[c]) {
      const Node& m = nodes_[c];
      if (m.length != n.length || m.hash != n.hash) continue;
      if (same_text(n, m)) return c;
    }
    PAXSIM_ASSERT(nodes_.size() < k_none);
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(n);
    same_hash_next_.push_back(chain);
    last = id;
    return id;
  }

  std::vector<Piece> pieces_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> same_hash_next_;  // chains of nodes with one by_hash_ key
  FlatMap by_hash_;                             // (length, hash) -> the last node with it
  FlatMap appended_;                            // (value, piece) -> value
  std::string scratch_a_, scratch_b_;
  std::vector<std::uint32_t> parts_;  // text_of's, kept for its capacity
  static constexpr std::size_t k_power_table_max = 4096;
  std::vector<std::uint64_t> powers_;  // [n]: B^n, for n below k_power_table_max
  bool text_keys_ = false;  // interned by text hash (nothing is appended)
  bool hashed_ = true;      // pieces and nodes carry their polynomial hashes
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
    std::uint32_t written = k_none;  // put: its value (before any index)
  };

  // `ops`: all of one key's operations but unanswered gets.
  KeyModel(const History& h, std::vector<std::size_t> ops) : h_(h), ops_(std::move(ops)) {
    if (!std::is_sorted(ops_.begin(), ops_.end())) std::sort(ops_.begin(), ops_.end());
    if (std::none_of(ops_.begin(), ops_.end(), [&](std::size_t i) { return h.ops[i].op == KvOp::append; }))
      values_.use_text_keys();
    info_.reserve(ops_.size());
    values_.reserve_pieces(ops_.size());
    Time_us last_call_us = std::numeric_limits<Time_us>::min();
    for (std::size_t i : ops_) {
      const Operation& o = h.ops[i];
      // The indices ascend, so the list is in call order (lin::call_before)
      // unless a call time goes down.
      answered_in_call_order_ = answered_in_call_order_ && o.return_us && o.call_us >= last_call_us;
      last_call_us = o.call_us;
      OpInfo info;
      info.op = o.op;
      if (o.op == KvOp::get) {
        if (o.result) info.expected = values_.of_piece(values_.add_piece(*o.result));
      } else {
        info.piece = values_.add_piece(o.value);
        // A put's value is interned here, in one loop with the reads', not
        // on its first move: the search then takes it from the table.
        if (o.op == KvOp::put) info.written = values_.of_piece(info.piece);
      }
      info_.push_back(info);
    }
  }

  // Indexes the reads (dead values, the paths to each read, the lines), which
  // the search's look-ahead needs; a search without look-ahead does without
  // (every value is then its own, none dead). Call before the search that
  // should use them.
  void index() {
    if (indexed_) return;
    values_.hash_all();     // the index compares values by their polynomial hashes
    appended_ = FlatMap{};  // append results worked out without the index (no dead values)
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
  // Is `ops` the key's whole list, in ascending order (so that the key
  // number of ops[j] is j)? The main search's is.
  bool whole_key(const std::vector<std::size_t>& ops) const { return ops == ops_; }
  const OpInfo& info(std::uint32_t k) const { return info_[k]; }
  const OpInfo* infos() const { return info_.data(); }  // by key number
  // index() was called: the reads' paths are known.
  bool indexed() const { return indexed_; }
  // Every operation of the key was answered, and the list is in call order:
  // the search's local numbers are then key numbers.
  bool answered_in_call_order() const { return answered_in_call_order_; }

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
  // k_dead), or k_none if the operation's result contradicts `v`. A get, and
  // a put with no index to consult, in line (the search's usual moves); the
  // rest out of line.
  [[gnu::always_inline]] std::uint32_t apply(const OpInfo& o, std::uint32_t v) {
    if (o.op == KvOp::get) return v == o.expected ? v : k_none;
    if (o.op == KvOp::put && !indexed_) return o.written;
    return apply_write(o, v);
  }

 private:
  [[gnu::noinline]] std::uint32_t apply_write(const OpInfo& o, std::uint32_t v) {
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

 public:

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
  void index_reads();

  const History& h_;
  std::vector<std::size_t> ops_;  // the key's operations, ascending
  std::vector<OpInfo> info_;      // parallel to ops_
  Values values_;
  bool indexed_ = false;
  bool answered_in_call_order_ = true;
  std::vector<Longest> longest_;
  FlatMap prefixes_;  // (length, hash) of every prefix of a read -> 1
  FlatMap appended_;  // (value, piece) -> apply's answer for an append
  std::vector<std::uint8_t> alive_;  // per value id: 0 unknown, 1 alive, 2 dead
  std::map<std::uint32_t, std::vector<std::uint32_t>> line_readers_;
  const std::vector<std::uint32_t> no_readers_;
};

}  // namespace paxsim::checkers::lin
