// Tables indexed by slot (or log index), grown as slots arrive.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "sim/scenario.hpp"

namespace paxsim::checkers {

// The slots a run of `s` will likely fill, for the tables by slot to reserve
// up front, so that they never move what they hold as they grow (their
// entries hold values, which a move must hand over one by one): a
// multi-paxos log takes a slot per command (a kv client's call, or a
// proposal), synod has the one. At most k_reserved_slots_max: a run may end
// long before, and a table still grows past it when it must.
inline constexpr std::uint64_t k_reserved_slots_max = std::uint64_t{1} << 16;
inline std::size_t expected_slots(const sim::Scenario& s) {
  if (s.protocol == sim::Protocol::synod) return 1;
  const sim::Workload& w = s.workload;
  std::uint64_t commands = w.proposals.size();
  if (w.type == sim::Workload::Type::kv)
    commands += w.requests.size() + std::uint64_t{w.clients} * std::min(w.ops_per_client, k_reserved_slots_max);
  return static_cast<std::size_t>(std::min(commands, k_reserved_slots_max));
}

// An allocator whose elements, made with no initial value, are left
// default-initialised: for a table of plain numbers grown ahead of its
// writes, so that growing it does not zero what will be written anyway.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// Makes `v` at least `n` long, with default elements or copies of `fill`,
// which must read as "nothing here yet". Called on every observation, and
// nearly always with nothing to do: the test stays inline, and the growth,
// out of line, at least doubles the length, so a run of slots costs a call
// per doubling, not one per slot. Within the capacity reserved it stops at
// the capacity, so that the table is not moved before it must be.
template <class T, class A>
std::size_t grown_size(const std::vector<T, A>& v, std::size_t n) {
  const std::size_t doubled = std::max(n, v.size() * 2);
  return n <= v.capacity() ? std::min(doubled, v.capacity()) : doubled;
}
template <class T, class A>
[[gnu::noinline]] void grow_to_slow(std::vector<T, A>& v, std::size_t n) {
  v.resize(grown_size(v, n));
}
template <class T>
[[gnu::noinline]] void grow_to_slow(std::vector<T>& v, std::size_t n, const T& fill) {
  v.resize(grown_size(v, n), fill);
}
template <class T>
[[gnu::always_inline]] inline void grow_to(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) [[unlikely]] grow_to_slow(v, n);
}
template <class T>
[[gnu::always_inline]] inline void grow_to(std::vector<T>& v, std::size_t n, const T& fill) {
  if (v.size() < n) [[unlikely]] grow_to_slow(v, n, fill);
}
// For a table that keeps its size beside it (`size`, equal to v.size()):
// a vector's size divides by the element's size, a multiply and shifts
// where that is not a power of two, on every check of an index.
template <class T, class A>
[[gnu::always_inline]] inline void grow_to(std::vector<T, A>& v, std::size_t n, std::size_t& size) {
  if (size < n) [[unlikely]] {
    grow_to_slow(v, n);
    size = v.size();
  }
}

}  // namespace paxsim::checkers
