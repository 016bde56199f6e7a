// A hasher for a node's whole state (volatile and what it rebuilt from
// disk), so an exhaustive explorer can tell states apart cheaply and never
// expand one twice. Same folding as the run fingerprint.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim {

class StateHasher {
 public:
  StateHasher() = default;
  // Also appends every word folded in to `*words`, so the explorer can build a
  // wider key (or compare states exactly) from the same words.
  // `sorted_voters`: fold tallies of voters in as sorted multisets (see
  // add_voters); off, in the order the role keeps them (arrival order).
  explicit StateHasher(std::vector<std::uint64_t>* words, bool sorted_voters = true)
      : words_(words), sorted_voters_(sorted_voters) {}

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
  // A tally of voters (promisers, acceptors), kept by the roles in arrival
  // order: folded in sorted, with repeats, so two states that differ only in
  // the order the same answers arrived are one state. Sound because nothing
  // a role does with a tally depends on that order: it asks who is in it
  // (membership) and how many (its size), and hands it to the quorums
  // checker, whose verdict depends on the multiset alone.
  void add_voters(std::span<const NodeId> ids) {
    add(ids.size());
    if (!sorted_voters_) {
      for (NodeId n : ids) add(n);
      return;
    }
    std::array<NodeId, 16> small;
    if (ids.size() <= small.size()) {
      std::copy(ids.begin(), ids.end(), small.begin());
      std::sort(small.begin(), small.begin() + static_cast<std::ptrdiff_t>(ids.size()));
      for (std::size_t i = 0; i < ids.size(); ++i) add(small[i]);
      return;
    }
    std::vector<NodeId> sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    for (NodeId n : sorted) add(n);
  }
  std::uint64_t value() const { return h_; }

 private:
  [[gnu::noinline]] void keep(std::uint64_t w) { words_->push_back(w); }

  std::uint64_t h_ = 0xcbf29ce484222325ull;
  std::vector<std::uint64_t>* words_ = nullptr;
  bool sorted_voters_ = true;
};

}  // namespace paxsim
