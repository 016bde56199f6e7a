// Tables indexed by slot (or log index), grown as slots arrive.
#pragma once

#include <cstddef>
#include <vector>

namespace paxsim::checkers {

// Makes `v` at least `n` long, with default elements or copies of `fill`.
// Called on every observation, and nearly always with nothing to do: the
// test stays inline and the growth (vector's doubling) out of line.
template <class T>
[[gnu::noinline]] void grow_to_slow(std::vector<T>& v, std::size_t n) {
  while (v.size() < n) v.emplace_back();
}
template <class T>
[[gnu::noinline]] void grow_to_slow(std::vector<T>& v, std::size_t n, const T& fill) {
  while (v.size() < n) v.push_back(fill);
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
