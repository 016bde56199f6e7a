// The free slots of a slab (the event queue's event bodies, the message
// pool's messages), reused last in, first out. A push is on the path of every
// event and every message, so it is kept inline; growing, rare, is not.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace paxsim::sim {

class FreeList {
 public:
  bool empty() const { return n_ == 0; }
  // The slot freed last. Not empty.
  std::uint32_t pop() { return slots_[--n_]; }
  [[gnu::always_inline]] void push(std::uint32_t slot) {
    if (n_ == capacity_) [[unlikely]] grow();
    slots_[n_++] = slot;
  }

 private:
  static constexpr std::size_t k_initial_slots = 64;
  [[gnu::noinline]] void grow() {
    slots_.resize(std::max(k_initial_slots, 2 * slots_.size()));
    capacity_ = slots_.size();
  }

  std::vector<std::uint32_t> slots_;  // [0, n_): the free slots; the rest is room
  std::size_t n_ = 0;
  std::size_t capacity_ = 0;  // slots_.size(), kept: a vector's size is a subtraction and a shift
};

}  // namespace paxsim::sim
