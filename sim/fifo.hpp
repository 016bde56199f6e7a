// A first-in, first-out queue in a ring buffer that only grows: a disk's
// writes waiting to become durable and the sends waiting for them pass
// through one of these per node, and a std::deque there allocated and freed
// a block every few writes. Popped elements stay in the ring until
// overwritten, so pop only what was moved out (or holds nothing).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace paxsim::sim {

template <class T>
class Fifo {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  T& front() { return ring_[head_]; }
  const T& front() const { return ring_[head_]; }
  T& back() { return ring_[(head_ + size_ - 1) & mask_]; }
  const T& back() const { return ring_[(head_ + size_ - 1) & mask_]; }
  // The new last element, holding whatever its place held before: assign
  // every field.
  T& push() {
    if (size_ == capacity_) [[unlikely]] grow();
    return ring_[(head_ + size_++) & mask_];
  }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  // Empties the queue; what the elements held is released.
  void clear() {
    for (std::size_t i = 0; i < size_; ++i) ring_[(head_ + i) & mask_] = T{};
    head_ = 0;
    size_ = 0;
  }
  // Calls f on each element, first in first.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < size_; ++i) f(ring_[(head_ + i) & mask_]);
  }

 private:
  // Doubles the ring (a power of two), the elements in order from index 0.
  // Out of line, so that a push, on the path of every write, stays small.
  [[gnu::noinline]] void grow() {
    std::vector<T> bigger(ring_.empty() ? 16 : 2 * ring_.size());
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move(ring_[(head_ + i) & mask_]);
    ring_ = std::move(bigger);
    head_ = 0;
    capacity_ = ring_.size();
    mask_ = capacity_ - 1;
  }

  std::vector<T> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  std::size_t capacity_ = 0;  // ring_.size(), kept: a vector's size divides by the element's
};

}  // namespace paxsim::sim
