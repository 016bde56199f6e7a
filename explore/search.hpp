// Exhaustive search over the explorer's world (world.hpp): breadth-first
// (shortest counterexamples; -j threads expand each level, results do not
// depend on them) or depth-first (one thread, less memory on the frontier).
// Visited states are keyed by 128 bits (key.hpp) and never expanded twice.
//
// Partial-order reduction: sleep sets (Godefroid 1996, ch. 5). When a state
// has two enabled transitions that are independent there (world.cpp,
// Model::independent: at different nodes, not racing for a budget or a
// message, and not touching the same checker memory), then taking t then u
// and taking u then t lead to the same state. The search takes both t and u
// from the state, but after taking u it puts t to sleep: the interleaving
// u·t is not tried, because t·u reached the same state. A sleeping transition
// stays asleep along a path until a transition dependent on it is taken.
// Sleep sets prune transitions, never states: every reachable state is still
// visited, at its exact depth, so verdicts, reachable violations, state
// counts and shortest-counterexample depths are those of the full search
// (tests/unit/test_explore.cpp compares them level by level). Soundness with
// state caching:
//  - breadth-first, a state reached again at the level that discovered it,
//    before it is expanded, keeps the intersection of its sleep sets (it then
//    explores everything any of its parents asked for); a state reached again
//    at a deeper level is not expanded again: every trace that goes through
//    that deeper visit is longer than one that reaches the same states through
//    the first visit, and the argument above only ever swaps transitions
//    within traces of one length, so shortest traces never rely on it;
//  - depth-first, a state reached again with a sleep set that does not
//    contain the one it was expanded with is expanded again for the
//    transitions that were asleep then and are awake now (Godefroid's
//    state-caching rule), and one reached at a smaller depth than before is
//    expanded again in full (the depth bound cut the earlier visit short).
// Independence is predicted from each transition's footprint before it is
// taken, and every transition taken is checked against its prediction
// (Model::check_footprint, an always-on assertion), so a protocol change that
// breaks the reduction's assumptions stops the search instead of silently
// pruning.
//
// Local steps (with the state reductions, world.hpp): a delivery that
// changes only its receiver x (its state, disk, timers) and sends nothing
// another node could take (messages to clients are absorbed; a message to x
// itself, as a leader's own acceptor answers it, only x can take) commutes
// with every step at another node: it reads and writes x alone, spends no
// budget, and no other node can take its message. So in any path such a
// step t can be moved later, to just before x's next step, without changing
// any state from there on; and if x takes no later step, t can be left out:
// the steps after it do not read x.
// What the checkers see of t (a value learned, a command applied, a record
// made durable, an answer sent) is judged the same whenever it is seen, and
// commutes with what they see of other nodes' steps:
//  - a learned value is checked against the chosen one, which never changes
//    in a state that violates nothing;
//  - an apply moves the replica's own next index (only x's steps read it)
//    and is compared with the first command applied at its index, by any
//    replica: two applies give the same verdict in either order;
//  - a durable promise is checked against x's own earlier ones (only x's
//    steps make them); a durable acceptance joins the tallies from which
//    chosen values follow, and agreement (two values chosen), stability (an
//    acceptance above a chosen ballot with another value, checked both when
//    the acceptance comes and when the value becomes chosen) and validity
//    (no node holds a value before it is proposed) judge the tallies alike
//    in any order of the acceptances;
//  - an answer sent joins a set (the quorums checker's memory), which only
//    x's own quorums can use before x takes another step.
// So when t moves later, or is left out and then taken last, a step u at
// another node that would have been judged against what t showed is judged
// without it, and t, still enabled, is judged against what u showed, with
// the same verdict; the violation is found where t is taken. A step in which
// the checkers find a violation, or that uses a quorum (judged against the
// answers sent so far, which grow), is never local: its state is kept.
// Hence the search never stops after a local step: t and x's next step form
// one block (t, then each step x can take then, itself possibly local), and
// the state between them is not visited. Every violation stays reachable,
// in as many steps or fewer.
// This removes the states in which some node has absorbed a message that
// changed nothing other nodes can see yet (a promise or an acceptance short
// of a quorum, a nack, a decision, its own prepare or accept) while the
// others move on. A block counts as one step of depth (its path lists each
// step); a local step is never put to sleep (a sibling cannot rely on having
// taken it, since its successor is not a state).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checkers/violation.hpp"
#include "explore/world.hpp"

namespace paxsim::explore {

struct SearchOptions {
  bool dfs = false;
  std::uint32_t max_depth = 0xffffffffu;
  std::uint64_t max_states = 0;  // 0: no limit
  bool reduce = true;            // partial-order reduction (sleep sets)
  bool keep_going = false;       // go on past violations (collects every violated invariant)
  unsigned jobs = 1;             // breadth-first only
};

enum class SearchEnd : std::uint8_t { exhausted, max_depth, max_states, violation };
const char* to_string(SearchEnd e);

struct Progress {
  std::uint64_t states = 0;
  std::uint64_t transitions = 0;
  std::uint32_t depth = 0;
  std::uint64_t frontier = 0;
};

struct FoundViolation {
  std::vector<checkers::Violation> violations;  // as the checkers reported them, one per invariant
  std::vector<Choice> path;                     // from the start, the prefix included (Model::prefix)
  std::uint32_t level = 0;  // search depth: path.size() less the extra steps of blocks (a folded duplicate is one step)
};

struct SearchResult {
  SearchEnd end = SearchEnd::exhausted;
  std::uint64_t states = 0;       // distinct states visited, violating ones included
  std::uint64_t transitions = 0;  // transitions taken (successors computed)
  std::uint32_t depth = 0;        // deepest state reached
  std::vector<std::uint64_t> states_by_depth;
  std::vector<FoundViolation> found;         // the first (shortest under BFS); with keep_going, the first per invariant
  std::vector<std::string> invariants_violated;  // sorted
  std::uint64_t violating_states = 0;
};

SearchResult search(const Model& model, const SearchOptions& opt,
                    const std::function<void(const Progress&)>& progress = nullptr);

// Replays a path of choice indices from the initial state (as the search
// records it, after the prefix) into the choices themselves.
std::vector<Choice> replay_path(const Model& model, const std::vector<std::uint32_t>& indices);

}  // namespace paxsim::explore
