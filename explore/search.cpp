#include "explore/search.hpp"

#include <algorithm>
#include <atomic>
#include <set>
#include <span>
#include <thread>
#include <unordered_map>

#include "sim/assert.hpp"

namespace paxsim::explore {

const char* to_string(SearchEnd e) {
  switch (e) {
    case SearchEnd::exhausted: return "exhausted";
    case SearchEnd::max_depth: return "budget reached (max-depth)";
    case SearchEnd::max_states: return "budget reached (max-states)";
    case SearchEnd::violation: return "violation";
  }
  return "?";
}

namespace {

constexpr std::uint32_t k_none = 0xffffffffu;

// Open addressing over 128-bit keys; ids are dense from 0.
class VisitedSet {
 public:
  VisitedSet() { slots_.resize(1 << 16); }
  // The id of `k`, inserting it with `next_id` when new.
  std::pair<std::uint32_t, bool> insert(const Key& k, std::uint32_t next_id) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // at most 3/4 full: keys are uniform hashes
    std::size_t i = k.lo & (slots_.size() - 1);
    while (true) {
      Slot& s = slots_[i];
      if (s.id == k_none) {
        s = Slot{k, next_id};
        ++size_;
        return {next_id, true};
      }
      if (s.key == k) return {s.id, false};
      i = (i + 1) & (slots_.size() - 1);
    }
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    Key key;
    std::uint32_t id = k_none;
  };
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    for (const Slot& s : old) {
      if (s.id == k_none) continue;
      std::size_t i = s.key.lo & (slots_.size() - 1);
      while (slots_[i].id != k_none) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

struct Origin {
  std::uint32_t parent = k_none;
  std::uint32_t choice = 0;  // index among the parent's choices; with k_block: a block (Searcher::blocks_)
  std::uint32_t depth = 0;
};
constexpr std::uint32_t k_block = 0x80000000u;

using Sleep = std::vector<std::uint64_t>;  // sorted transition labels

bool asleep(const Sleep& z, std::uint64_t label) { return std::binary_search(z.begin(), z.end(), label); }

Sleep intersect(const Sleep& a, const Sleep& b) {
  Sleep out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// One state's expansion: each transition taken (or block of them, see
// "Local steps" in search.hpp), with its successor.
struct Successor {
  World world;
  Key key;
  std::vector<std::uint32_t> chain;  // choice indices, the first among the expanded state's choices
  std::vector<checkers::Violation> violations;
  Sleep sleep;
};

// Takes the enabled transitions of `w` not asleep in `z` (and, if `only` is
// given, only those labels; if `node` is given, only that node's), with the
// sleep set each successor inherits. `chain` leads from the expanded state to
// `w` (non-empty inside a block, after a local step at `node`). With the
// state reductions a no-op is not taken, and a local step is not a successor
// of its own: the block goes on with that node's next steps.
// Inside one expansion, the worlds reached between the steps of blocks, with
// the sleep set each was expanded with: local steps at one node often commute,
// and the same world comes back along another order of them.
struct KeyHash {
  std::size_t operator()(const Key& k) const { return static_cast<std::size_t>(k.lo); }
};
using BlockSeen = std::unordered_map<Key, std::vector<Sleep>, KeyHash>;  // looked up only: no order leaks

void expand_into(const Model& model, const World& w, const Sleep& z, std::uint32_t depth, bool reduce,
                 const Sleep* only, NodeId node, const std::vector<std::uint32_t>& chain, std::vector<Successor>& out,
                 BlockSeen& seen) {
  const std::vector<Choice> choices = model.choices(w);
  std::vector<Footprint> fps;
  if (reduce) {
    fps.reserve(choices.size());
    for (const Choice& c : choices) fps.push_back(model.footprint(w, c));
  }
  const auto index_of = [&](std::uint64_t label) -> std::size_t {
    for (std::size_t i = 0; i < choices.size(); ++i)
      if (choices[i].label == label) return i;
    return choices.size();
  };
  std::vector<std::size_t> sleeping;  // indices of z's members among the enabled choices
  for (std::uint64_t l : z) {
    const std::size_t i = index_of(l);
    PAXSIM_ASSERT(i < choices.size());  // a sleeping transition stays enabled (independence)
    sleeping.push_back(i);
  }
  const bool lean = model.options().reduce_states;
  std::vector<std::size_t> taken;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    const Choice& c = choices[i];
    if (asleep(z, c.label)) continue;
    if (only && !asleep(*only, c.label)) continue;
    if (node != k_no_node && c.node != node) continue;
    const std::uint64_t step = depth + chain.size() + 1;
    Outcome o = model.apply(w, c, step);
    // A no-op leads to a state this one covers (world.hpp): not taken.
    if (lean && o.noop && o.violations.empty()) continue;
    if (reduce) model.check_footprint(c, fps[i], o.actual);
    Sleep inherited;
    if (reduce) {
      for (std::size_t j : sleeping)
        if (model.independent(w, choices[j], fps[j], c, fps[i])) inherited.push_back(choices[j].label);
      for (std::size_t j : taken)
        if (model.independent(w, choices[j], fps[j], c, fps[i])) inherited.push_back(choices[j].label);
      std::sort(inherited.begin(), inherited.end());
    }
    std::vector<std::uint32_t> next_chain = chain;
    next_chain.push_back(static_cast<std::uint32_t>(i));
    if (lean && o.local) {
      // Not a state of its own: the block goes on with this node's steps. It
      // is never put to sleep: a sibling cannot rely on having taken it.
      PAXSIM_ASSERT(o.violations.empty());
      // Already expanded in this block with a sleep set inside this one (so
      // with every transition this one would take, and successors that
      // inherit no more sleep): nothing new to find.
      std::vector<Sleep>& before = seen[model.key(o.next)];
      const bool covered = std::any_of(before.begin(), before.end(), [&](const Sleep& b) {
        return std::includes(inherited.begin(), inherited.end(), b.begin(), b.end());
      });
      if (covered) continue;
      before.push_back(inherited);
      expand_into(model, o.next, inherited, depth, reduce, nullptr, c.node, next_chain, out, seen);
      continue;
    }
    Successor s;
    s.chain = std::move(next_chain);
    s.key = model.key(o.next);
    s.violations = std::move(o.violations);
    s.sleep = std::move(inherited);
    s.world = std::move(o.next);
    out.push_back(std::move(s));
    taken.push_back(i);
  }
}

std::vector<Successor> expand(const Model& model, const World& w, const Sleep& z, std::uint32_t depth, bool reduce,
                              const Sleep* only) {
  std::vector<Successor> out;
  BlockSeen seen;
  expand_into(model, w, z, depth, reduce, only, k_no_node, {}, out, seen);
  return out;
}

class Searcher {
 public:
  Searcher(const Model& m, const SearchOptions& o, const std::function<void(const Progress&)>& p)
      : model_(m), opt_(o), progress_(p) {}

  SearchResult run() {
    std::vector<checkers::Violation> at_start;
    World root = model_.initial(&at_start);
    const auto [id, fresh] = visited_.insert(model_.key(root), 0);
    (void)fresh;
    origins_.push_back(Origin{k_none, 0, 0});
    count_depth(0);
    if (!at_start.empty()) {
      record(id, at_start, {}, 0);
      r_.end = SearchEnd::violation;
      return finish();
    }
    if (opt_.dfs) dfs(std::move(root));
    else bfs(std::move(root));
    return finish();
  }

 private:
  struct Entry {
    World world;
    std::uint32_t id = 0;
    Sleep sleep;
  };

  void count_depth(std::uint32_t d) {
    if (r_.states_by_depth.size() <= d) r_.states_by_depth.resize(d + 1, 0);
    ++r_.states_by_depth[d];
    r_.depth = std::max(r_.depth, d);
  }

  std::vector<std::uint32_t> path_to(std::uint32_t id) const {
    std::vector<std::uint32_t> p;
    for (std::uint32_t at = id; origins_[at].parent != k_none; at = origins_[at].parent) {
      const std::uint32_t c = origins_[at].choice;
      if (!(c & k_block)) {
        p.push_back(c);
        continue;
      }
      const auto& block = blocks_[c & ~k_block];
      p.insert(p.end(), block.rbegin(), block.rend());
    }
    std::reverse(p.begin(), p.end());
    return p;
  }

  // The origin's choice for a successor reached by `chain`.
  std::uint32_t origin_choice(const std::vector<std::uint32_t>& chain) {
    if (chain.size() == 1) return chain.front();
    blocks_.push_back(chain);
    return k_block | static_cast<std::uint32_t>(blocks_.size() - 1);
  }

  // A violating state: kept (the first, and with keep_going the first per
  // new invariant), never expanded.
  void record(std::uint32_t id, const std::vector<checkers::Violation>& vs, std::vector<std::uint32_t> path,
              std::uint32_t level) {
    ++r_.violating_states;
    bool new_invariant = false;
    for (const auto& v : vs) new_invariant = invariants_.insert(v.invariant).second || new_invariant;
    if (!r_.found.empty() && !(opt_.keep_going && new_invariant)) return;
    if (path.empty() && id != 0) path = path_to(id);
    std::vector<Choice> full = model_.prefix();  // the scenario's schedule, taken before the search
    for (Choice& c : replay_path(model_, path)) full.push_back(std::move(c));
    r_.found.push_back(FoundViolation{vs, std::move(full), level});
  }

  bool state_budget_hit() const { return opt_.max_states != 0 && visited_.size() >= opt_.max_states; }

  void report(std::uint32_t depth, std::uint64_t frontier) {
    if (!progress_) return;
    progress_(Progress{visited_.size(), r_.transitions, depth, frontier});
  }

  // ---------------------------------------------------------------- breadth-first

  void bfs(World root) {
    std::vector<Entry> level;
    level.push_back(Entry{std::move(root), 0, {}});
    std::uint32_t depth = 0;
    constexpr std::size_t k_chunk = 512;  // states expanded between merges (independent of -j)
    while (!level.empty()) {
      if (depth >= opt_.max_depth) {
        for (const Entry& e : level)
          if (!model_.choices(e.world).empty()) {
            r_.end = SearchEnd::max_depth;
            break;
          }
        return;
      }
      std::vector<Entry> next;
      const std::uint32_t next_first_id = static_cast<std::uint32_t>(origins_.size());
      for (std::size_t from = 0; from < level.size(); from += k_chunk) {
        const std::size_t to = std::min(level.size(), from + k_chunk);
        std::vector<std::vector<Successor>> succ(to - from);
        std::atomic<std::size_t> cursor{from};
        auto work = [&] {
          for (std::size_t i; (i = cursor.fetch_add(1)) < to;)
            succ[i - from] = expand(model_, level[i].world, level[i].sleep, depth, opt_.reduce, nullptr);
        };
        const unsigned threads = std::max(1u, std::min<unsigned>(opt_.jobs, static_cast<unsigned>(to - from)));
        if (threads == 1) {
          work();
        } else {
          std::vector<std::thread> pool;
          for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
          for (auto& t : pool) t.join();
        }
        // Merge in frontier order: the result does not depend on -j.
        for (std::size_t i = from; i < to; ++i) {
          for (Successor& s : succ[i - from]) {
            ++r_.transitions;
            const auto [id, fresh] = visited_.insert(s.key, static_cast<std::uint32_t>(origins_.size()));
            if (!fresh) {
              if (!s.violations.empty()) {
                // A violating step into a state reached cleanly before: the
                // report belongs to the step, so it counts all the same.
                std::vector<std::uint32_t> path = path_to(level[i].id);
                path.insert(path.end(), s.chain.begin(), s.chain.end());
                record(id, s.violations, std::move(path), depth + 1);
              } else if (id >= next_first_id && opt_.reduce) {
                Entry& e = next[id - next_first_id];
                e.sleep = intersect(e.sleep, s.sleep);
              }
              continue;
            }
            origins_.push_back(Origin{level[i].id, origin_choice(s.chain), depth + 1});
            count_depth(depth + 1);
            if (!s.violations.empty()) {
              record(id, s.violations, {}, depth + 1);
              next.push_back(Entry{});  // keeps ids and positions aligned; never expanded
              next.back().id = k_none;
              continue;
            }
            next.push_back(Entry{std::move(s.world), id, std::move(s.sleep)});
          }
          level[i].world = World{};  // expanded: free it
        }
        report(depth + 1, next.size());
        if (!r_.found.empty() && !opt_.keep_going) {
          r_.end = SearchEnd::violation;
          return;
        }
        if (state_budget_hit()) {
          r_.end = SearchEnd::max_states;
          return;
        }
      }
      std::erase_if(next, [](const Entry& e) { return e.id == k_none; });
      level = std::move(next);
      ++depth;
    }
  }

  // ---------------------------------------------------------------- depth-first

  struct Frame {
    World world;
    std::uint32_t id = 0;
    std::uint32_t depth = 0;
    std::vector<std::uint32_t> via;  // the choices that led here from the frame below
    std::vector<Successor> todo;
    std::size_t next = 0;
  };

  // Depth-first, per visited state: the smallest depth it was expanded at and
  // its sleep set then, in 12 bytes and a shared pool of labels (a sleep set
  // only ever shrinks in place: it is replaced by an intersection with it).
  // Paths come from the stack, so no origin is kept per state.
  class Expanded {
   public:
    void add(std::uint32_t depth, const Sleep& z) {
      recs_.push_back(Rec{depth, static_cast<std::uint32_t>(pool_.size()), static_cast<std::uint32_t>(z.size())});
      PAXSIM_ASSERT(pool_.size() + z.size() < 0xffffffffull);
      pool_.insert(pool_.end(), z.begin(), z.end());
    }
    std::uint32_t depth(std::uint32_t id) const { return recs_[id].depth; }
    std::span<const std::uint64_t> sleep(std::uint32_t id) const {
      return {pool_.data() + recs_[id].offset, recs_[id].size};
    }
    // A new visit at a smaller depth: its sleep set replaces the old one
    // (appended when it does not fit where the old one was).
    void reset(std::uint32_t id, std::uint32_t depth, const Sleep& z) {
      Rec& r = recs_[id];
      r.depth = depth;
      if (z.size() > r.size) {
        r.offset = static_cast<std::uint32_t>(pool_.size());
        pool_.insert(pool_.end(), z.begin(), z.end());
      } else {
        std::copy(z.begin(), z.end(), pool_.begin() + r.offset);
      }
      r.size = static_cast<std::uint32_t>(z.size());
    }
    void shrink(std::uint32_t id, const Sleep& subset) { reset(id, recs_[id].depth, subset); }

   private:
    struct Rec {
      std::uint32_t depth;
      std::uint32_t offset;
      std::uint32_t size;
    };
    std::vector<Rec> recs_;
    std::vector<std::uint64_t> pool_;
  };

  void dfs(World root) {
    Expanded seen;
    seen.add(0, Sleep{});
    std::uint32_t next_id = 1;
    std::vector<Frame> stack;
    auto open = [&](World w, std::uint32_t id, std::uint32_t depth, std::vector<std::uint32_t> via, const Sleep& z,
                    const Sleep* only) {
      Frame f;
      f.id = id;
      f.depth = depth;
      f.via = std::move(via);
      if (depth < opt_.max_depth) {
        f.todo = expand(model_, w, z, depth, opt_.reduce, only);
      } else if (!model_.choices(w).empty()) {
        cut_by_depth_ = true;
      }
      f.world = std::move(w);
      stack.push_back(std::move(f));
    };
    open(std::move(root), 0, 0, {}, {}, nullptr);
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == top.todo.size()) {
        stack.pop_back();
        continue;
      }
      Successor s = std::move(top.todo[top.next++]);
      ++r_.transitions;
      const std::uint32_t depth = top.depth + 1;
      const auto [id, fresh] = visited_.insert(s.key, next_id);
      if (fresh || !s.violations.empty()) {
        if (fresh) {
          PAXSIM_ASSERT(next_id < k_none);
          ++next_id;
          seen.add(depth, s.sleep);
          count_depth(depth);
        }
        if (!s.violations.empty()) {
          // (A violating step into a state reached cleanly before counts too:
          // the report belongs to the step.)
          std::vector<std::uint32_t> path;
          for (std::size_t k = 1; k < stack.size(); ++k) path.insert(path.end(), stack[k].via.begin(), stack[k].via.end());
          path.insert(path.end(), s.chain.begin(), s.chain.end());
          record(id, s.violations, std::move(path), depth);
          if (!opt_.keep_going) {
            r_.end = SearchEnd::violation;
            return;
          }
          continue;
        }
        if (visited_.size() % 4096 == 0) report(depth, stack.size());
        if (state_budget_hit()) {
          r_.end = SearchEnd::max_states;
          return;
        }
        open(std::move(s.world), id, depth, std::move(s.chain), s.sleep, nullptr);
        continue;
      }
      if (depth < seen.depth(id)) {
        // Reached higher up than before, where the depth bound cut it short: again, in full.
        seen.reset(id, depth, s.sleep);
        open(std::move(s.world), id, depth, std::move(s.chain), s.sleep, nullptr);
        continue;
      }
      const std::span<const std::uint64_t> was = seen.sleep(id);
      if (!opt_.reduce || std::includes(s.sleep.begin(), s.sleep.end(), was.begin(), was.end())) continue;
      // Transitions asleep at the earlier visit but awake now must be taken.
      Sleep woken, z;
      std::set_difference(was.begin(), was.end(), s.sleep.begin(), s.sleep.end(), std::back_inserter(woken));
      std::set_intersection(was.begin(), was.end(), s.sleep.begin(), s.sleep.end(), std::back_inserter(z));
      seen.shrink(id, z);
      if (seen.depth(id) >= opt_.max_depth) continue;
      open(std::move(s.world), id, seen.depth(id), std::move(s.chain), z, &woken);
    }
    if (cut_by_depth_ && r_.end == SearchEnd::exhausted) r_.end = SearchEnd::max_depth;
  }

  SearchResult finish() {
    r_.states = visited_.size();
    r_.invariants_violated.assign(invariants_.begin(), invariants_.end());
    if (r_.end == SearchEnd::exhausted && !r_.found.empty()) r_.end = SearchEnd::violation;
    return std::move(r_);
  }

  const Model& model_;
  const SearchOptions& opt_;
  const std::function<void(const Progress&)>& progress_;
  VisitedSet visited_;
  std::vector<Origin> origins_;
  std::vector<std::vector<std::uint32_t>> blocks_;  // the choices of each block origin
  std::set<std::string> invariants_;
  bool cut_by_depth_ = false;
  SearchResult r_;
};

}  // namespace

std::vector<Choice> replay_path(const Model& model, const std::vector<std::uint32_t>& indices) {
  std::vector<Choice> out;
  World w = model.initial();
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::vector<Choice> choices = model.choices(w);
    PAXSIM_ASSERT(indices[k] < choices.size());
    const Choice c = choices[indices[k]];
    w = model.apply(w, c, k + 1).next;
    out.push_back(c);
  }
  return out;
}

SearchResult search(const Model& model, const SearchOptions& opt, const std::function<void(const Progress&)>& progress) {
  return Searcher(model, opt, progress).run();
}

}  // namespace paxsim::explore
