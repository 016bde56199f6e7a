// The run's fingerprint: a running 64-bit hash over every step (the fields
// are listed at Simulation::hash_step). Words go in two at a time:
//   p = (a ^ h ^ 0x9e3779b97f4a7c15) * (b ^ 0xe7037ed1a0b428db)  (64 x 64 -> 128 bits)
//   h = low64(p) ^ high64(p)
// starting from h = 0xcbf29ce484222325. A value (a command, a result) goes in
// as its text hash (Value::text_hash, paxos/value.hpp), computed once when
// the value is made, not byte by byte on every step that carries it.
//
// It is not the nodes' state hash (paxos/state_hash.hpp), which the explorer
// keys states by: that one folds a word at a time and keeps the words. This
// one is on the path of every step of every run, and two words per multiply
// make it about a third of the cost.
#pragma once

#include <cstdint>

namespace paxsim::sim {

class Fingerprint {
 public:
  void add(std::uint64_t a, std::uint64_t b) {
    __extension__ using U128 = unsigned __int128;
    const U128 p = static_cast<U128>(a ^ h_ ^ 0x9e3779b97f4a7c15ull) * (b ^ 0xe7037ed1a0b428dbull);
    h_ = static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace paxsim::sim
