// A map from slot to T for logs, whose slots are dense from 0 (a leader
// numbers them one after another): arrays indexed by slot instead of a
// tree, so a lookup is two indexes. The slots live in chunks of a fixed
// size that never move once allocated: a growing log allocates a chunk
// now and then and never moves what it holds (one array doubling as the
// log grew moved every entry, value handles and all, about twice over).
// A chunk is raw cells: allocating one constructs nothing, a cell's
// "full" mark is set when the map first reaches its slot (the slots of a
// gap, when a decision or an accept overtakes the one before it on the
// network, are marked empty then), and only the values stored are ever
// destroyed: a log's end frees each chunk at once after destroying its
// values in a plain loop, with no empty cell to test when the log has no
// gap (the usual case). Iteration is in slot order. Nothing is ever erased
// (a log only grows), so the highest slot stored is end() - 1.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim {

template <class T>
class SlotMap {
 public:
  SlotMap() = default;
  // A copy (a node's clone) stores each value again, in slot order.
  SlotMap(const SlotMap& o) {
    SlotMap copy;  // destroys what it holds if a copy throws
    o.for_each([&](Slot s, const T& v) { copy.try_emplace(s, v); });
    swap(copy);
  }
  SlotMap(SlotMap&& o) noexcept { swap(o); }
  SlotMap& operator=(const SlotMap& o) {
    if (this != &o) {
      SlotMap copy(o);
      swap(copy);
    }
    return *this;
  }
  SlotMap& operator=(SlotMap&& o) noexcept {
    SlotMap taken(std::move(o));
    swap(taken);
    return *this;
  }
  ~SlotMap() { destroy_values(); }
  void swap(SlotMap& o) noexcept {
    chunks_.swap(o.chunks_);
    std::swap(end_, o.end_);
    std::swap(room_, o.room_);
    std::swap(count_, o.count_);
  }

  bool contains(Slot s) const { return s < end_ && cell(s).full; }
  const T* find(Slot s) const { return contains(s) ? &cell(s).value : nullptr; }
  T* find(Slot s) { return contains(s) ? &cell(s).value : nullptr; }
  // The value in slot `s`, which must hold one (no test).
  const T& at(Slot s) const { return cell(s).value; }
  // Makes slot `s`'s value from `args` (T's fields, in order) unless the
  // slot holds one already; true if made.
  template <class... A>
  bool try_emplace(Slot s, A&&... args) {
    if (s >= end_) {
      append(s, std::forward<A>(args)...);
      return true;
    }
    Cell& c = cell(s);
    if (c.full) return false;
    fill(c, std::forward<A>(args)...);
    return true;
  }
  // Makes slot `s`'s value from `args`, replacing any it held.
  template <class... A>
  void emplace(Slot s, A&&... args) {
    emplace_unless(s, [](const T&) { return false; }, std::forward<A>(args)...);
  }
  // emplace, unless slot `s` holds a value for which `same(value)` is true:
  // true if made. One lookup where a find and an emplace took two.
  template <class Same, class... A>
  bool emplace_unless(Slot s, Same&& same, A&&... args) {
    if (s >= end_) {
      append(s, std::forward<A>(args)...);
      return true;
    }
    Cell& c = cell(s);
    if (!c.full) {
      fill(c, std::forward<A>(args)...);
      return true;
    }
    if (same(c.value)) return false;
    c.value = T(std::forward<A>(args)...);  // a whole value first: `args` may refer to the old one
    return true;
  }
  // The value in slot `s`, default-constructed first if there is none.
  T& operator[](Slot s) {
    if (s >= end_) append(s);
    else if (Cell& c = cell(s); !c.full) fill(c);
    return cell(s).value;
  }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // One past the highest slot stored (0 when empty).
  Slot end_slot() const { return end_; }

  // Calls f(slot, value) for each stored slot from `from` on, in order, while f returns true.
  template <class F>
  void for_each_from(Slot from, F&& f) const {
    for (Slot s = from; s < end_; ++s)
      if (const Cell& c = cell(s); c.full && !f(s, c.value)) return;
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

  // A slot's storage. Both members are unset until the map reaches the
  // slot (end_ passes it); then `full` tells whether `value` is alive. The
  // map makes and destroys the values itself.
  struct Cell {
    Cell() noexcept {}
    ~Cell() {}
    union {
      T value;
    };
    bool full;
  };

  Cell& cell(Slot s) { return chunks_[s / k_chunk_slots][s % k_chunk_slots]; }
  const Cell& cell(Slot s) const { return chunks_[s / k_chunk_slots][s % k_chunk_slots]; }
  // Makes the value of empty cell `c` (below end_).
  template <class... A>
  void fill(Cell& c, A&&... args) {
    std::construct_at(&c.value, std::forward<A>(args)...);
    c.full = true;
    ++count_;
  }
  // Makes the value of slot `s` (>= end_), which the map now reaches; the
  // slots skipped on the way (a gap, seldom) are marked empty. Nothing
  // changes if the value's construction throws.
  template <class... A>
  void append(Slot s, A&&... args) {
    if (s >= room_) [[unlikely]] add_chunks(s);
    Cell& c = cell(s);
    std::construct_at(&c.value, std::forward<A>(args)...);
    c.full = true;
    if (s != end_) [[unlikely]] {
      for (Slot g = end_; g < s; ++g) cell(g).full = false;
    }
    end_ = s + 1;
    ++count_;
  }
  // Allocates the chunks up to slot `s`'s.
  [[gnu::noinline]] void add_chunks(Slot s) {
    while (room_ <= s) {
      chunks_.push_back(std::make_unique<Cell[]>(k_chunk_slots));
      room_ += k_chunk_slots;
    }
  }
  // Destroys every value stored: without a test per cell when the map
  // holds no gap (every slot below end_ full), the usual log.
  void destroy_values() noexcept {
    if constexpr (!std::is_trivially_destructible_v<T>) {
      const bool dense = count_ == end_;
      for (std::size_t i = 0; i < chunks_.size() && i * k_chunk_slots < end_; ++i) {
        Cell* const c = chunks_[i].get();
        const std::size_t n = std::min<Slot>(k_chunk_slots, end_ - i * k_chunk_slots);
        if (dense) {
          for (std::size_t j = 0; j < n; ++j) std::destroy_at(&c[j].value);
        } else {
          for (std::size_t j = 0; j < n; ++j)
            if (c[j].full) std::destroy_at(&c[j].value);
        }
      }
    }
  }

  std::vector<std::unique_ptr<Cell[]>> chunks_;  // k_chunk_slots cells each, up to slot end_ - 1's at least
  Slot end_ = 0;   // one past the highest slot stored: the cells below are marked full or empty
  Slot room_ = 0;  // one past the highest slot with a cell: chunks_.size() * k_chunk_slots, kept
  std::size_t count_ = 0;
};

}  // namespace paxsim
