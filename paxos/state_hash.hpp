// A hasher for a node's whole state (volatile and what it rebuilt from
// disk), so an exhaustive explorer can tell states apart cheaply and never
// expand one twice. Same folding as the run fingerprint.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim {

class StateHasher {
 public:
  StateHasher() = default;
  // Also appends every word folded in to `*words`, so the explorer can build a
  // wider key (or compare states exactly) from the same words.
  explicit StateHasher(std::vector<std::uint64_t>* words) : words_(words) {}

  // On every step of every run (the fingerprint): kept inline, the explorer's
  // word list out of line.
  [[gnu::always_inline]] void add(std::uint64_t w) {
    if (words_) [[unlikely]] keep(w);
    h_ = (h_ ^ w) * 0x9e3779b97f4a7c15ull;
    h_ ^= h_ >> 29;
  }
  void add(const Ballot& b) {
    add(b.round);
    add(b.node);
  }
  void add_bytes(std::string_view s) {
    add(s.size());
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      add(w);
    }
    if (i < s.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      add(w);
    }
  }
  std::uint64_t value() const { return h_; }

 private:
  [[gnu::noinline]] void keep(std::uint64_t w) { words_->push_back(w); }

  std::uint64_t h_ = 0xcbf29ce484222325ull;
  std::vector<std::uint64_t>* words_ = nullptr;
};

}  // namespace paxsim
