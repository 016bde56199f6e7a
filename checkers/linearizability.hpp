// The `linearizable` checker: is a key-value client history (history.hpp)
// linearizable with respect to a map of registers?
//
// The model: put(k, v) sets k to v; append(k, v) sets k to (old value, or ""
// when absent) + v; get(k) returns k's value, or "absent" (result unset).
//
// Real-time order: A precedes B iff A returned strictly before B was called
// (A.return_us < B.call_us). Intervals are closed, so an operation that
// returns at the very microsecond another is called is concurrent with it.
// This is the cautious choice: two events at one simulated microsecond may have
// happened in either order, and treating them as ordered could report a
// violation that did not happen. The same holds for one client's own
// operations: they are ordered only by their times.
//
// An operation never answered (return unset) may take effect at any time after
// its call, or never: a put or append that timed out is optional, and a get
// with no answer constrains nothing and is dropped up front.
//
// The search (Wing & Gong, with Lowe's memoisation, as in Porcupine):
// linearizability is local, so each key's sub-history is checked on its own,
// keys in name order. Per key, a depth-first search over a time-ordered list of
// call and return entries linearizes any pending call whose result the model
// accepts, lifting its entries out of the list and putting them back on
// backtrack; an explicit stack, no recursion. A configuration (which
// operations are linearized, and the register's value) is explored at most
// once: visited configurations are kept exactly, not as a hash, so the answer
// never rests on luck. The register's value is an interned id, equal ids iff
// equal strings, so a long appended value costs nothing per step.
//
// What keeps many concurrent clients on one key tractable (lin_search.hpp,
// lin_model.hpp; each rule only drops work that cannot find a linearization
// the rest would miss, and a test checks the verdicts against brute force):
// a get that reads the current value is linearized at once, alone; values no
// get ever reads (or begins to read) are one "dead" value; a configuration in
// which some get can no longer read what it read fails at once, found through
// the only way to build each read from the key's puts and appends; timed-out
// writes are tried last, and never when nothing could read their effect.
//
// Budget: LinOptions::max_states configurations over all keys; running out
// gives `unknown`, never a guess. Memory: about 90 bytes per configuration.
//
// Evidence: for a key that fails, the sub-history is shrunk (a prefix, then a
// suffix, then dropping single operations) as long as it stays provably not
// linearizable, within a bounded extra effort; what remains is the window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "checkers/history.hpp"

namespace paxsim::checkers {

struct LinOptions {
  std::uint64_t max_states = 10'000'000;  // search budget over all keys
};

struct LinResult {
  enum class Verdict { linearizable, not_linearizable, unknown } verdict = Verdict::linearizable;
  std::string key;                  // the key whose sub-history failed (or ran out of budget)
  std::vector<std::size_t> window;  // not_linearizable: indices into History::ops, in call order
  std::string message;              // one line a person reads
  std::uint64_t states = 0;         // search states explored (the main search, then shrinking)
};

LinResult check_linearizable(const History& h, const LinOptions& opt = {});

// "linearizable", "not linearizable", "unknown".
const char* to_string(LinResult::Verdict v);

// One operation in a line, for reports: `c1 put k1 "x" [1200us, 1450us]`,
// `c2 get k1 -> absent [1500us, 1600us]`, `c3 append k1 "y" [1700us, never]`.
std::string describe_operation(const History& h, std::size_t op);

}  // namespace paxsim::checkers
