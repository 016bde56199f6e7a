// A map from slot to T for a leader's proposals in flight: slots are added in
// increasing order and leave in any order, so they live in a ring over the
// window from the lowest slot still present to the highest added. A lookup
// is an index; an erased element keeps its storage (a proposal's tally keeps
// its buffer) for the slot that takes its place later, so a leader in steady
// state allocates nothing per command. Iteration is in slot order, as a
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
    Cell& c = cell(at);
    if (!c.used) {
      c.used = true;
      ++size_;
    }
    return c.item;
  }
  T* find(Slot s) {
    if (s < base_ || s - base_ >= span_) return nullptr;
    Cell& c = cell(static_cast<std::size_t>(s - base_));
    return c.used ? &c.item : nullptr;
  }
  const T* find(Slot s) const { return const_cast<SlotWindow*>(this)->find(s); }
  // Removes slot `s` (present).
  void erase(Slot s) {
    cell(static_cast<std::size_t>(s - base_)).used = false;
    --size_;
    while (span_ > 0 && !cell(0).used) {  // the window starts at the lowest slot present
      head_ = (head_ + 1) & mask_;
      ++base_;
      --span_;
    }
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    for (std::size_t i = 0; i < span_; ++i) cell(i).used = false;
    size_ = 0;
    span_ = 0;
  }
  // f(slot, element) for each slot present, in slot order.
  template <class F>
  void for_each(F&& f) {
    for (std::size_t i = 0; i < span_; ++i)
      if (Cell& c = cell(i); c.used) f(base_ + i, c.item);
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < span_; ++i)
      if (const Cell& c = cell(i); c.used) f(base_ + i, c.item);
  }

 private:
  struct Cell {
    T item{};
    bool used = false;
  };
  // The cell `i` places after the window's lowest slot.
  Cell& cell(std::size_t i) { return cells_[(head_ + i) & mask_]; }
  const Cell& cell(std::size_t i) const { return cells_[(head_ + i) & mask_]; }
  // Room for `n` cells from the window's start (a power of two), in order.
  void grow(std::size_t n) {
    std::size_t size = cells_.empty() ? 16 : cells_.size();
    while (size < n) size *= 2;
    std::vector<Cell> bigger(size);
    for (std::size_t i = 0; i < cells_.size(); ++i) bigger[i] = std::move(cell(i));
    cells_ = std::move(bigger);
    cells_size_ = cells_.size();
    mask_ = cells_size_ - 1;
    head_ = 0;
  }

  std::vector<Cell> cells_;  // a ring; a power of two long
  // cells_.size() and cells_.size() - 1, kept: a vector's size divides by the cell's size.
  std::size_t cells_size_ = 0;
  std::size_t mask_ = 0;
  std::size_t head_ = 0;     // the cell of slot base_
  Slot base_ = 0;            // the lowest slot present (when not empty)
  std::size_t span_ = 0;     // cells from base_ to the highest slot added, inclusive
  std::size_t size_ = 0;     // slots present
};

}  // namespace paxsim
