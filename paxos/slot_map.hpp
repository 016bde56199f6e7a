// A map from slot to T for logs, whose slots are dense from 0 (a leader
// numbers them one after another): arrays indexed by slot instead of a
// tree, so a lookup is two indexes. The slots live in chunks of a fixed
// size that never move once allocated: a growing log allocates a chunk
// now and then and never moves what it holds (one array doubling as the
// log grew moved every entry, value handles and all, about twice over).
// A chunk's buffer is reserved whole, but its cells are made as a vector
// grows, twice as many each time, so a short log (a synod run's) does not
// construct and destroy a whole chunk, and a long one finds the cell of
// each new slot made already, also when slots come out of order (a
// decision or an accept overtaken by the next slot's on the network).
// Iteration is in slot order. Nothing is ever erased (a log only grows),
// so the highest slot stored is end() - 1.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim {

template <class T>
class SlotMap {
 public:
  bool contains(Slot s) const { return s < end_ && cell(s).has_value(); }
  const T* find(Slot s) const { return contains(s) ? &*cell(s) : nullptr; }
  T* find(Slot s) { return contains(s) ? &*chunks_[s / k_chunk_slots][s % k_chunk_slots] : nullptr; }
  // The value in slot `s`, which must hold one (no test).
  const T& at(Slot s) const { return *cell(s); }
  // Makes slot `s`'s value from `args` (T's fields, in order) unless the
  // slot holds one already; true if made.
  template <class... A>
  bool try_emplace(Slot s, A&&... args) {
    std::optional<T>& c = cell_at(s);
    if (c) return false;
    c.emplace(std::forward<A>(args)...);
    stored(s);
    return true;
  }
  // Makes slot `s`'s value from `args`, replacing any it held.
  template <class... A>
  void emplace(Slot s, A&&... args) {
    std::optional<T>& c = cell_at(s);
    if (c) {
      *c = T(std::forward<A>(args)...);  // a whole value first: `args` may refer to the old one
      return;
    }
    c.emplace(std::forward<A>(args)...);
    stored(s);
  }
  // emplace, unless slot `s` holds a value for which `same(value)` is true:
  // true if made. One lookup where a find and an emplace took two.
  template <class Same, class... A>
  bool emplace_unless(Slot s, Same&& same, A&&... args) {
    std::optional<T>& c = cell_at(s);
    if (c) {
      if (same(*c)) return false;
      *c = T(std::forward<A>(args)...);
      return true;
    }
    c.emplace(std::forward<A>(args)...);
    stored(s);
    return true;
  }
  // The value in slot `s`, default-constructed first if there is none.
  T& operator[](Slot s) {
    std::optional<T>& c = cell_at(s);
    if (!c) {
      c.emplace();
      stored(s);
    }
    return *c;
  }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // One past the highest slot stored (0 when empty).
  Slot end_slot() const { return end_; }

  // Calls f(slot, value) for each stored slot from `from` on, in order, while f returns true.
  template <class F>
  void for_each_from(Slot from, F&& f) const {
    for (Slot s = from; s < end_; ++s)
      if (const std::optional<T>& c = cell(s); c && !f(s, *c)) return;
  }
  template <class F>
  void for_each(F&& f) const {
    for_each_from(0, [&](Slot s, const T& v) {
      f(s, v);
      return true;
    });
  }

 private:
  static constexpr std::size_t k_chunk_slots = 256;  // a power of two

  const std::optional<T>& cell(Slot s) const { return chunks_[s / k_chunk_slots][s % k_chunk_slots]; }
  // Slot `s` now holds a value (it did not).
  void stored(Slot s) {
    ++count_;
    if (s >= end_) end_ = s + 1;
  }
  // Slot `s`'s cell, made (empty) if it was not.
  std::optional<T>& cell_at(Slot s) {
    if (s < made_) [[likely]] return chunks_[s / k_chunk_slots][s % k_chunk_slots];
    return make_cells(s);
  }
  // Makes the cells up to slot `s` (s >= made_), and as many again as its
  // chunk had (up to the chunk's end), as a vector grows: a log that grows
  // slot by slot comes here a few times per chunk. Every chunk but the last
  // is whole; a resize within the reserved buffer moves nothing.
  [[gnu::noinline]] std::optional<T>& make_cells(Slot s) {
    const std::size_t last = s / k_chunk_slots;
    while (chunks_.size() <= last) {
      if (!chunks_.empty()) chunks_.back().resize(k_chunk_slots);
      chunks_.emplace_back().reserve(k_chunk_slots);
    }
    std::vector<std::optional<T>>& chunk = chunks_[last];
    const std::size_t made = std::min(k_chunk_slots, std::max(s % k_chunk_slots + 1, 2 * chunk.size()));
    chunk.resize(made);
    made_ = last * k_chunk_slots + made;
    return chunk[s % k_chunk_slots];
  }

  std::vector<std::vector<std::optional<T>>> chunks_;  // each k_chunk_slots long but the last, which ends at made_ - 1
  Slot end_ = 0;   // one past the highest slot stored
  Slot made_ = 0;  // one past the highest slot with a cell (>= end_; the cells from end_ on are empty)
  std::size_t count_ = 0;
};

}  // namespace paxsim
