// The free slots of a slab (the message pool's messages), reused last in,
// first out. A push is on the path of every message, and a pop on that of
// every send, so both are kept inline: pointers to the top and the end of
// the room, so that each is a pointer's step (and a push's test for room, a
// compare with the end), where an index into a vector took its loads and
// arithmetic more.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace paxsim::sim {

class FreeList {
 public:
  FreeList() = default;
  FreeList(const FreeList&) = delete;  // top_ and end_ point into slots_
  FreeList& operator=(const FreeList&) = delete;

  bool empty() const { return top_ == slots_.data(); }
  // The slot freed last. Not empty.
  std::uint32_t pop() { return *--top_; }
  [[gnu::always_inline]] void push(std::uint32_t slot) {
    if (top_ == end_) [[unlikely]] grow();
    *top_++ = slot;
  }

 private:
  static constexpr std::size_t k_initial_slots = 64;
  [[gnu::noinline]] void grow() {
    const std::size_t n = static_cast<std::size_t>(top_ - slots_.data());
    slots_.resize(std::max(k_initial_slots, 2 * slots_.size()));
    top_ = slots_.data() + n;
    end_ = slots_.data() + slots_.size();
  }

  std::vector<std::uint32_t> slots_;  // [data(), top_): the free slots; the rest is room
  std::uint32_t* top_ = nullptr;      // past the last free slot (slots_.data() when none is)
  std::uint32_t* end_ = nullptr;      // slots_'s end: no room left when top_ reaches it
};

}  // namespace paxsim::sim
