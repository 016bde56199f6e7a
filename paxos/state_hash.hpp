// A hasher for a node's whole state (volatile and what it rebuilt from
// disk), so an exhaustive explorer can tell states apart cheaply and never
// expand one twice. Same folding as a value's text hash (paxos/value.hpp).
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
  // `canonical`: the explorer's canonical form of a node's state, which
  // leaves out what cannot change any future the explorer sees (its state
  // reductions, explore/world.hpp):
  //  - tallies of voters are folded in as sorted multisets (add_voters);
  //  - timer tokens are left out (add_token): the explorer keys whether a
  //    timer of each kind is pending, and a pending timer's token is always
  //    the node's live one (every new token comes with a timer request, which
  //    replaces the pending one);
  //  - state that only shapes messages to clients (a leader hint, who waits
  //    for a reply) is left out by the roles (`canonical()`): the explorer
  //    absorbs messages to clients, and no checker it runs reads them.
  // Off, every word goes in as the role keeps it.
  StateHasher(std::vector<std::uint64_t>* words, bool canonical) : words_(words), canonical_(canonical) {}
  bool canonical() const { return canonical_; }
  void add_token(std::uint64_t token) {
    if (!canonical_) add(token);
  }

  // On every step of every run (the fingerprint): kept inline, the explorer's
  // word list out of line.
  [[gnu::always_inline]] void add(std::uint64_t w) {
    if (words_) [[unlikely]] keep(w);
    h_ = detail::fold(h_, w);
  }
  void add(const Ballot& b) {
    add(b.round);
    add(b.node);
  }
  void add_bytes(std::string_view s) {
    detail::for_each_word(s, [this](std::uint64_t w) { add(w); });
  }
  // A tally of voters (promisers, acceptors), kept by the roles in arrival
  // order: folded in sorted, with repeats, so two states that differ only in
  // the order the same answers arrived are one state. Sound because nothing
  // a role does with a tally depends on that order: it asks who is in it
  // (membership) and how many (its size), and hands it to the quorums
  // checker, whose verdict depends on the multiset alone.
  void add_voters(std::span<const NodeId> ids) {
    add(ids.size());
    if (!canonical_) {
      for (NodeId n : ids) add(n);
      return;
    }
    std::array<NodeId, 16> small;  // a sorted copy, on the stack unless the tally is large
    std::vector<NodeId> large;
    NodeId* sorted = small.data();
    if (ids.size() > small.size()) {
      large.resize(ids.size());
      sorted = large.data();
    }
    std::copy(ids.begin(), ids.end(), sorted);
    std::sort(sorted, sorted + ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) add(sorted[i]);
  }
  std::uint64_t value() const { return h_; }

 private:
  [[gnu::noinline]] void keep(std::uint64_t w) { words_->push_back(w); }

  std::uint64_t h_ = detail::k_hash_start;
  std::vector<std::uint64_t>* words_ = nullptr;
  bool canonical_ = false;
};

}  // namespace paxsim
