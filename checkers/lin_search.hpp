// The linearizability checker's search over one key (internal to
// checkers/): Wing & Gong's depth-first search with Lowe's memoisation, plus
// the pruning that keeps many concurrent clients tractable.
#pragma once

#include <cstdint>
#include <vector>

#include "checkers/history.hpp"
#include "checkers/lin_model.hpp"
#include "checkers/linearizability.hpp"

namespace paxsim::checkers::lin {

using Verdict = LinResult::Verdict;

struct SearchResult {
  Verdict verdict;
  std::uint64_t states;
};

inline bool call_before(const History& h, std::size_t a, std::size_t b) {
  const Operation &x = h.ops[a], &y = h.ops[b];
  return x.call_us != y.call_us ? x.call_us < y.call_us : a < b;
}

// Is the sub-history `ops` (some of one key's operations, no unanswered gets)
// linearizable? At most `budget` configurations.
//
// From each configuration the candidates are the calls before the first
// return entry left, tried in passes:
// 1. A move that loses nothing (free_now), alone: if it fails, the
//    configuration fails.
// 2. A write that makes the value a candidate get reads, or that is the
//    next step towards it (KeyModel::next_step): answered ones, then
//    unanswered ones.
// 3. The answered operations, in call order (those tried in 2 are found
//    visited at once).
// 4. The unanswered writes, last, so a history whose timed-out writes had no
//    effect never tries them; and only when the value they make may be read
//    (a dead value would make the write useless: leaving it out does as well).
//
// `look_ahead` off skips the reachability checks of gets further on (which
// scan up to k_doom_scan_max entries per configuration): only pruning, so a
// linearization found without them is one all the same. Most histories are
// nearly sequential per key and need no backtracking, so the checker tries
// that first, with a small budget, and searches with look-ahead only if it
// finds nothing. Without look-ahead it also keeps no set of visited
// configurations: with no backtracking none comes twice, and with some the
// small budget bounds the repeats (each counts as a state) before the full
// search, which keeps the set, takes over.
SearchResult search(KeyModel& model, const std::vector<std::size_t>& ops, std::uint64_t budget,
                    bool look_ahead = true);

}  // namespace paxsim::checkers::lin
