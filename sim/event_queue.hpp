// The event queue: a min-heap ordered by (time, class, sequence).
// Timeline fault actions have the lowest class, so at one instant they run
// before anything else, in file order; the nemesis undoes before it strikes;
// every other event at that instant follows in the order it was scheduled.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "paxos/types.hpp"
#include "sim/assert.hpp"

namespace paxsim::sim {

enum class EventKind : std::uint8_t {
  fault,          // arg: index into the scenario's sorted faults
  nemesis_undo,   // arg: id of the nemesis fault to undo
  nemesis_end,    // the nemesis's until_ms: undo everything still in force
  nemesis_tick,   // draw the next random fault
  propose,        // arg: index into the workload's proposals
  deliver,        // arg: slot in the message pool
  timer,          // target node; incarnation; aux: TimerKind; arg: token
  durable,        // target node; incarnation: the disk's epoch; arg: write id
  client,         // target client index; aux: ClientTimer; arg: its argument
};

enum class EventClass : std::uint8_t { fault = 0, nemesis_undo = 1, nemesis = 2, other = 3 };

struct Event {
  Time_us time = 0;
  std::uint64_t seq = 0;
  std::uint64_t arg = 0;
  std::uint32_t target = 0;
  std::uint32_t incarnation = 0;
  EventKind kind = EventKind::deliver;
  EventClass klass = EventClass::other;
  std::uint8_t aux = 0;
};

// A 4-ary min-heap of 16-byte keys with hole-based sifting, beside a
// first-in, first-out lane for events that come after every event already in
// the lane: most of those are far-off timeouts pushed in time order (a kv
// client's, one per request, mostly stale by the time they fall due), which
// would otherwise make the heap hundreds deep. pop() takes the earlier of the
// two fronts.
//
// A heap key is the time and one word: class (2 bits), sequence number
// (k_seq_bits) and the index of the event's other fields in a side slab
// (k_index_bits). Comparing the words compares class, then sequence; the
// sequence is unique, so the index never decides. Four keys fill a cache
// line, and sifting moves 16 bytes, not a whole event. The order is total, so
// the queue pops the same events in the same order however they are laid out.
class EventQueue {
 public:
  void push(Event e) {
    e.seq = next_seq_++;
    PAXSIM_ASSERT(e.seq < k_seq_limit);
    // Once the lane holds a far-off event, nearer ones (deliveries, writes)
    // go to the heap, which stays small.
    if (lane_.empty() || !before(e, lane_.back())) {
      lane_.push_back(e);
      return;
    }
    insert(e);
  }
  bool empty() const { return heap_.empty() && lane_.empty(); }
  // The time of the next event (the queue is not empty).
  Time_us top_time() const { return from_lane() ? lane_.front().time : heap_.front().time; }
  Event pop() {
    if (from_lane()) {
      const Event e = lane_.front();
      lane_.pop_front();
      return e;
    }
    const Key k = heap_.front();
    const Key last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
    return take(k);
  }
  std::size_t size() const { return heap_.size() + lane_.size(); }

  // Removes and returns the earliest event (by the queue's order) for which
  // `pick` holds. Linear in the queue's size: only a pinned schedule uses it.
  template <class Pick>
  std::optional<Event> take_first(Pick pick) {
    std::vector<Event> all(lane_.begin(), lane_.end());
    lane_.clear();
    for (const Key& k : heap_) all.push_back(take(k));
    heap_.clear();
    std::optional<Event> found;
    std::size_t best = all.size();
    for (std::size_t i = 0; i < all.size(); ++i)
      if (pick(all[i]) && (best == all.size() || before(all[i], all[best]))) best = i;
    if (best != all.size()) found = all[best];
    for (std::size_t i = 0; i < all.size(); ++i)
      if (i != best) insert(all[i]);  // keeps each event's sequence number
    return found;
  }

 private:
  static constexpr unsigned k_index_bits = 24;
  static constexpr unsigned k_seq_bits = 62 - k_index_bits;
  static constexpr std::uint64_t k_seq_limit = std::uint64_t{1} << k_seq_bits;
  static constexpr std::uint32_t k_index_limit = std::uint32_t{1} << k_index_bits;
  static constexpr std::size_t k_arity = 4;

  struct Key {
    Time_us time;
    std::uint64_t word;  // class | sequence | slab index
  };
  // An event's fields other than time, class and sequence.
  struct Body {
    std::uint64_t arg;
    std::uint32_t target;
    std::uint32_t incarnation;
    EventKind kind;
    std::uint8_t aux;
  };

  static std::uint64_t order_word(const Event& e) {
    return (std::uint64_t{static_cast<std::uint8_t>(e.klass)} << 62) | (e.seq << k_index_bits);
  }
  // (time, class, sequence), lexicographically.
  static bool before(const Event& x, const Event& y) {
    if (x.time != y.time) return x.time < y.time;
    return order_word(x) < order_word(y);
  }
  static bool before(const Key& x, const Key& y) {
    if (x.time != y.time) return x.time < y.time;
    return x.word < y.word;
  }

  // Puts `e` (its sequence number already set) into the heap.
  void insert(const Event& e) {
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      index = static_cast<std::uint32_t>(bodies_.size());
      PAXSIM_ASSERT(index < k_index_limit);
      bodies_.emplace_back();
    }
    bodies_[index] = Body{e.arg, e.target, e.incarnation, e.kind, e.aux};
    sift_up(heap_.size(), Key{e.time, order_word(e) | index});
  }
  // The event of a key taken off the heap; its slab entry is free again.
  Event take(const Key& k) {
    const auto index = static_cast<std::uint32_t>(k.word & (k_index_limit - 1));
    const Body& b = bodies_[index];
    free_.push_back(index);
    return Event{k.time,
                 (k.word & ~(std::uint64_t{3} << 62)) >> k_index_bits,
                 b.arg,
                 b.target,
                 b.incarnation,
                 b.kind,
                 static_cast<EventClass>(k.word >> 62),
                 b.aux};
  }

  // Places `k` at or above the hole at index `hole` (== size(): a new leaf).
  void sift_up(std::size_t hole, const Key& k) {
    if (hole == heap_.size()) heap_.push_back(k);
    while (hole > 0) {
      const std::size_t parent = (hole - 1) / k_arity;
      if (!before(k, heap_[parent])) break;
      heap_[hole] = heap_[parent];
      hole = parent;
    }
    heap_[hole] = k;
  }
  // Places `k` at or below the hole at index `hole`.
  void sift_down(std::size_t hole, const Key& k) {
    const std::size_t n = heap_.size();
    for (;;) {
      const std::size_t first = hole * k_arity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t last = std::min(first + k_arity, n);
      for (std::size_t c = first + 1; c < last; ++c)
        if (before(heap_[c], heap_[best])) best = c;
      if (!before(heap_[best], k)) break;
      heap_[hole] = heap_[best];
      hole = best;
    }
    heap_[hole] = k;
  }

  bool from_lane() const {
    if (lane_.empty()) return false;
    if (heap_.empty()) return true;
    const Event& f = lane_.front();
    const Key& h = heap_.front();
    return f.time != h.time ? f.time < h.time : order_word(f) < h.word;
  }

  std::vector<Key> heap_;
  std::vector<Body> bodies_;          // by slab index
  std::vector<std::uint32_t> free_;   // free slab indices, reused last in, first out
  std::deque<Event> lane_;            // in queue order
  std::uint64_t next_seq_ = 0;
};

}  // namespace paxsim::sim
