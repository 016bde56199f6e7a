// Tables indexed by slot (or log index), grown as slots arrive.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace paxsim::checkers {

// Makes `v` at least `n` long, with default elements or copies of `fill`,
// which must read as "nothing here yet". Called on every observation, and
// nearly always with nothing to do: the test stays inline, and the growth,
// out of line, at least doubles the length, so a run of slots costs a call
// per doubling, not one per slot.
template <class T>
[[gnu::noinline]] void grow_to_slow(std::vector<T>& v, std::size_t n) {
  v.resize(std::max(n, v.size() * 2));
}
template <class T>
[[gnu::noinline]] void grow_to_slow(std::vector<T>& v, std::size_t n, const T& fill) {
  v.resize(std::max(n, v.size() * 2), fill);
}
template <class T>
[[gnu::always_inline]] inline void grow_to(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) [[unlikely]] grow_to_slow(v, n);
}
template <class T>
[[gnu::always_inline]] inline void grow_to(std::vector<T>& v, std::size_t n, const T& fill) {
  if (v.size() < n) [[unlikely]] grow_to_slow(v, n, fill);
}

}  // namespace paxsim::checkers
