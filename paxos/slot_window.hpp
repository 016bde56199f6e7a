// A map from slot to T for a leader's proposals in flight: slots are added in
// increasing order and leave in any order, so they live in a ring over the
// window from the lowest slot still present to the highest added. A slot's
// cell is its number modulo the ring's size (a power of two), so a lookup
// is a compare and a mask, with no start of the ring to add. An erased
// element keeps its storage (a proposal's tally keeps its buffer) for the
// slot that takes its place later, so a leader in steady state allocates
// nothing per command. Iteration is in slot order, as a
// std::map's would be.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim {

template <class T>
class SlotWindow {
 public:
  // The element for slot `s`, which must not be below the lowest slot
  // present. A new one holds whatever its place held before: assign every
  // field (as std::map's operator[], a slot present is returned as it is).
  T& add(Slot s) {
    if (size_ == 0) {
      base_ = s;
      span_ = 0;
    }
    const std::size_t at = static_cast<std::size_t>(s - base_);
    if (at >= cells_size_) grow(at + 1);
    if (at >= span_) span_ = at + 1;
    Cell& c = cell(s);
    if (!c.used) {
      c.used = true;
      ++size_;
    }
    return c.item;
  }
  T* find(Slot s) {
    // One unsigned compare: below base_ the difference wraps far past span_.
    if (s - base_ >= span_) return nullptr;
    Cell& c = cell(s);
    return c.used ? &c.item : nullptr;
  }
  const T* find(Slot s) const { return const_cast<SlotWindow*>(this)->find(s); }
  // Removes slot `s` (present).
  void erase(Slot s) {
    cell(s).used = false;
    --size_;
    // The window starts at the lowest slot present. Moved in locals, stored
    // once: the cells' flags are bytes, which may alias the members, so the
    // compiler would store both per cell passed.
    Slot base = base_;
    std::size_t span = span_;
    while (span > 0 && !cell(base).used) {
      ++base;
      --span;
    }
    base_ = base;
    span_ = span;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    for (std::size_t i = 0; i < span_; ++i) cell(base_ + i).used = false;
    size_ = 0;
    span_ = 0;
  }
  // f(slot, element) for each slot present, in slot order.
  template <class F>
  void for_each(F&& f) {
    for (Slot s = base_; s < base_ + span_; ++s)
      if (Cell& c = cell(s); c.used) f(s, c.item);
  }
  template <class F>
  void for_each(F&& f) const {
    for (Slot s = base_; s < base_ + span_; ++s)
      if (const Cell& c = cell(s); c.used) f(s, c.item);
  }

 private:
  struct Cell {
    T item{};
    bool used = false;
  };
  // Slot `s`'s cell.
  Cell& cell(Slot s) { return cells_[static_cast<std::size_t>(s) & mask_]; }
  const Cell& cell(Slot s) const { return cells_[static_cast<std::size_t>(s) & mask_]; }
  // Room for `n` cells from the window's start (a power of two). Every old
  // cell moves, used or not (an unused one keeps its storage for later), to
  // its slot's place in the bigger ring: the old ring's cells hold the slots
  // base_ to base_ + its size - 1, which fall to distinct places.
  void grow(std::size_t n) {
    std::size_t size = cells_.empty() ? 16 : cells_.size();
    while (size < n) size *= 2;
    std::vector<Cell> bigger(size);
    for (Slot s = base_; s < base_ + cells_.size(); ++s)
      bigger[static_cast<std::size_t>(s) & (size - 1)] = std::move(cell(s));
    cells_ = std::move(bigger);
    cells_size_ = cells_.size();
    mask_ = cells_size_ - 1;
  }

  std::vector<Cell> cells_;  // a ring, by slot modulo its size; a power of two long
  // cells_.size() and cells_.size() - 1, kept: a vector's size divides by the cell's size.
  std::size_t cells_size_ = 0;
  std::size_t mask_ = 0;
  Slot base_ = 0;            // the lowest slot present (when not empty)
  std::size_t span_ = 0;     // cells from base_ to the highest slot added, inclusive
  std::size_t size_ = 0;     // slots present
};

}  // namespace paxsim
