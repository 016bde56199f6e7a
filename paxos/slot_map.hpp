// A map from slot to T for logs, whose slots are dense from 0 (a leader
// numbers them one after another): an array indexed by slot instead of a
// tree, so a lookup is an index and an insertion allocates only when the
// array doubles. Iteration is in slot order. Nothing is ever erased
// (a log only grows), so the highest slot stored is end() - 1.
#pragma once

#include <cstddef>
#include <vector>
#include <optional>
#include <utility>

#include "paxos/types.hpp"

namespace paxsim {

template <class T>
class SlotMap {
 public:
  bool contains(Slot s) const { return s < items_.size() && items_[s].has_value(); }
  const T* find(Slot s) const { return contains(s) ? &*items_[s] : nullptr; }
  T* find(Slot s) { return contains(s) ? &*items_[s] : nullptr; }
  // Stores `v` in slot `s` unless it holds a value already; true if stored.
  bool insert(Slot s, const T& v) {
    std::optional<T>& cell = cell_at(s);
    if (cell) return false;
    cell = v;
    ++count_;
    return true;
  }
  // The value in slot `s`, default-constructed first if there is none.
  T& operator[](Slot s) {
    std::optional<T>& cell = cell_at(s);
    if (!cell) {
      cell.emplace();
      ++count_;
    }
    return *cell;
  }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // One past the highest slot stored (0 when empty).
  Slot end_slot() const { return items_.size(); }

  // Calls f(slot, value) for each stored slot from `from` on, in order, while f returns true.
  template <class F>
  void for_each_from(Slot from, F&& f) const {
    for (Slot s = from; s < items_.size(); ++s)
      if (items_[s] && !f(s, *items_[s])) return;
  }
  template <class F>
  void for_each(F&& f) const {
    for_each_from(0, [&](Slot s, const T& v) {
      f(s, v);
      return true;
    });
  }

 private:
  std::optional<T>& cell_at(Slot s) {
    if (s >= items_.size()) {
      if (s == items_.size()) return items_.emplace_back();  // the usual case: the next slot
      items_.resize(s + 1);
    }
    return items_[s];
  }

  std::vector<std::optional<T>> items_;
  std::size_t count_ = 0;
};

}  // namespace paxsim
