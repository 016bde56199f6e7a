// The acceptances a learner counts itself (all-to-all learning): who
// accepted each (slot, ballot, value), for the slots it has not learned.
//
// A flat vector of keys sorted as a std::map keyed by (slot, ballot, value)
// would iterate them, each key's voters inline in it: once the vector has
// grown, counting an acceptance allocates nothing (a map allocated a node
// per key and a voter list per key, which grew twice on its way to a
// majority of five). Few keys are live at once (the slots in flight, each
// usually with one key), found by bisection; a new key is usually the
// highest, appended. Slots are mostly learned in order, so the lowest
// leave by moving a start index, not the keys above them; the dead prefix
// is dropped when the vector would grow.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "paxos/types.hpp"
#include "paxos/value.hpp"

namespace paxsim {

class AcceptTally {
 public:
  // One key's voters in the order they were counted (with repeats, if the
  // caller counts them: the count-duplicate-acks bug). A leader counts each
  // of its proposals' acknowledgements in one too (paxos/leader.hpp).
  class Voters {
   public:
    // A plain loop: std::find's, unrolled by four, costs more to set up
    // than a majority of five takes to scan.
    bool contains(NodeId n) const {
      for (const NodeId id : ids())
        if (id == n) return true;
      return false;
    }
    void push_back(NodeId n) {
      if (size_ < k_inline) {
        inline_[size_] = n;
      } else {
        if (size_ == k_inline) spill_.assign(inline_.begin(), inline_.end());
        spill_.push_back(n);
      }
      ++size_;
    }
    // push_back of a voter not counted yet, while the voters fit inline,
    // with no call: false (and nothing added) if `n` is counted already or
    // they do not fit.
    bool push_back_new_inline(NodeId n) {
      if (size_ >= k_inline) return false;
      for (std::uint32_t i = 0; i < size_; ++i)
        if (inline_[i] == n) return false;
      inline_[size_++] = n;
      return true;
    }
    // Empty again (a reused tally keeps its spill buffer).
    void clear() {
      size_ = 0;
      spill_.clear();
    }
    std::size_t size() const { return size_; }
    std::span<const NodeId> ids() const { return {size_ <= k_inline ? inline_.data() : spill_.data(), size_}; }

   private:
    // A majority of up to nine nodes without an allocation.
    static constexpr std::uint32_t k_inline = 5;
    std::uint32_t size_ = 0;
    std::array<NodeId, k_inline> inline_{};
    std::vector<NodeId> spill_;  // all of them, once there are more than k_inline
  };

  // The voters of (s, b, v): an empty list if the key is new. In line, with
  // no frame, for the usual acknowledgement: of a key found where it would
  // be with one key per slot from the lowest live one on (slots in flight
  // are consecutive and each usually has one key), with the same value
  // handle, whose text compares equal at once. The rest out of line.
  Voters& at(Slot s, Ballot b, const Value& v) {
    if (!keys_.empty() && s >= keys_[head_].slot) {  // a tally of dead keys only is cleared: head_ is live
      const std::size_t i = head_ + static_cast<std::size_t>(s - keys_[head_].slot);
      if (i < keys_.size()) {
        Key& k = keys_[i];
        if (k.slot == s && k.ballot == b && k.value.same_text(v)) return k.voters;
      }
    }
    return find_or_add(s, b, v);
  }

  // Forgets slot `s`'s keys (it was learned). Out of line: a learn in
  // decide mode, with nothing counted, only tests empty().
  [[gnu::noinline]] void erase_slot(Slot s) {
    const auto first = keys_.begin() + static_cast<std::ptrdiff_t>(head_);
    if (first == keys_.end()) return;
    // Slots are mostly learned in order: usually `s` is the lowest live
    // slot (or below it), whose keys start at `first`, with no search.
    const auto lo = first->slot >= s ? first
                                     : std::lower_bound(first, keys_.end(), s, [](const Key& k, Slot x) { return k.slot < x; });
    auto hi = lo;
    while (hi != keys_.end() && hi->slot == s) ++hi;
    if (lo == hi) return;
    if (lo != first) {
      keys_.erase(lo, hi);
      return;
    }
    for (auto it = lo; it != hi; ++it) it->value.clear();  // the dead keep no text alive
    head_ += static_cast<std::size_t>(hi - lo);
    if (head_ == keys_.size()) clear();
  }

  void clear() {
    keys_.clear();
    head_ = 0;
  }
  bool empty() const { return keys_.empty(); }  // no dead prefix is left alone

  // f(slot, ballot, value, voters) for each key, in key order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = head_; i < keys_.size(); ++i) f(keys_[i].slot, keys_[i].ballot, keys_[i].value, keys_[i].voters.ids());
  }

 private:
  struct Key {
    Key(Slot s, Ballot b, const Value& v) : slot(s), ballot(b), value(v) {}
    Slot slot;
    Ballot ballot;
    Value value;
    Voters voters;
  };
  // Key order: a map's over the tuple (slot, ballot, value).
  static bool before(const Key& k, Slot s, Ballot b, const Value& v) {
    if (k.slot != s) return k.slot < s;
    if (k.ballot != b) return k.ballot < b;
    return k.value < v;
  }

  // at, for any key.
  [[gnu::noinline]] Voters& find_or_add(Slot s, Ballot b, const Value& v) {
    if (head_ > 0 && keys_.size() == keys_.capacity()) {  // drop the dead prefix rather than grow
      keys_.erase(keys_.begin(), keys_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    const auto first = keys_.begin() + static_cast<std::ptrdiff_t>(head_);
    if (first == keys_.end() || before(keys_.back(), s, b, v)) return keys_.emplace_back(s, b, v).voters;
    const auto it = std::lower_bound(first, keys_.end(), 0, [&](const Key& k, int) { return before(k, s, b, v); });
    if (it->slot == s && it->ballot == b && it->value == v) return it->voters;
    return keys_.emplace(it, s, b, v)->voters;
  }

  std::vector<Key> keys_;  // sorted; those below head_ are dead (learned)
  std::size_t head_ = 0;
};

}  // namespace paxsim
