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

// A 4-ary min-heap with hole-based sifting (half the depth of a binary heap,
// and the four children of a node share a cache line or two), beside a
// first-in, first-out lane for events that come after every event already in
// the lane: most of those are far-off timeouts pushed in time order (a kv
// client's, one per request, mostly stale by the time they fall due), which
// would otherwise make the heap hundreds deep. pop() takes the earlier of the
// two fronts. The order is total (the sequence number is unique), so the
// queue pops the same events in the same order however they are laid out.
class EventQueue {
 public:
  void push(Event e) {
    e.seq = next_seq_++;
    PAXSIM_ASSERT(e.seq < (std::uint64_t{1} << 56));
    // Once the lane holds a far-off event, nearer ones (deliveries, writes)
    // go to the heap, which stays small.
    if (lane_.empty() || !before(e, lane_.back())) {
      lane_.push_back(e);
      return;
    }
    sift_up(heap_.size(), e);
  }
  bool empty() const { return heap_.empty() && lane_.empty(); }
  const Event& top() const { return from_lane() ? lane_.front() : heap_.front(); }
  Event pop() {
    if (from_lane()) {
      const Event e = lane_.front();
      lane_.pop_front();
      return e;
    }
    Event e = heap_.front();
    Event last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
    return e;
  }
  std::size_t size() const { return heap_.size() + lane_.size(); }

  // Removes and returns the earliest event (by the queue's order) for which
  // `pick` holds. Linear in the queue's size: only a pinned schedule uses it.
  template <class Pick>
  std::optional<Event> take_first(Pick pick) {
    for (const Event& e : lane_) sift_up(heap_.size(), e);  // keeps each event's sequence number
    lane_.clear();
    std::size_t best = heap_.size();
    for (std::size_t i = 0; i < heap_.size(); ++i)
      if (pick(heap_[i]) && (best == heap_.size() || before(heap_[i], heap_[best]))) best = i;
    if (best == heap_.size()) return std::nullopt;
    const Event found = heap_[best];
    heap_[best] = heap_.back();
    heap_.pop_back();
    std::vector<Event> all = std::move(heap_);
    heap_.clear();
    heap_.reserve(all.size());
    for (const Event& e : all) sift_up(heap_.size(), e);  // keeps each event's sequence number
    return found;
  }

 private:
  static constexpr std::size_t k_arity = 4;
  // (time, class, sequence), lexicographically.
  static bool before(const Event& x, const Event& y) {
    if (x.time != y.time) return x.time < y.time;
    const std::uint64_t kx = (std::uint64_t{static_cast<std::uint8_t>(x.klass)} << 56) | x.seq;
    const std::uint64_t ky = (std::uint64_t{static_cast<std::uint8_t>(y.klass)} << 56) | y.seq;
    return kx < ky;
  }
  // Places `e` at or above the hole at index `hole` (== size(): a new leaf).
  void sift_up(std::size_t hole, const Event& e) {
    if (hole == heap_.size()) heap_.push_back(e);
    while (hole > 0) {
      const std::size_t parent = (hole - 1) / k_arity;
      if (!before(e, heap_[parent])) break;
      heap_[hole] = heap_[parent];
      hole = parent;
    }
    heap_[hole] = e;
  }
  // Places `e` at or below the hole at index `hole`.
  void sift_down(std::size_t hole, const Event& e) {
    const std::size_t n = heap_.size();
    for (;;) {
      const std::size_t first = hole * k_arity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t last = std::min(first + k_arity, n);
      for (std::size_t c = first + 1; c < last; ++c)
        if (before(heap_[c], heap_[best])) best = c;
      if (!before(heap_[best], e)) break;
      heap_[hole] = heap_[best];
      hole = best;
    }
    heap_[hole] = e;
  }

  bool from_lane() const { return !lane_.empty() && (heap_.empty() || before(lane_.front(), heap_.front())); }

  std::vector<Event> heap_;
  std::deque<Event> lane_;  // in queue order
  std::uint64_t next_seq_ = 0;
};

}  // namespace paxsim::sim
