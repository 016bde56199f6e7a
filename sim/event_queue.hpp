// The event queue: a binary min-heap ordered by (time, class, sequence).
// Timeline fault actions have the lowest class, so at one instant they run
// before anything else, in file order; the nemesis undoes before it strikes;
// every other event at that instant follows in the order it was scheduled.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

#include "paxos/types.hpp"

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

class EventQueue {
 public:
  void push(Event e) {
    e.seq = next_seq_++;
    heap_.push(e);
  }
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.top(); }
  Event pop() {
    Event e = heap_.top();
    heap_.pop();
    return e;
  }
  std::size_t size() const { return heap_.size(); }

  // Removes and returns the earliest event (by the queue's order) for which
  // `pick` holds. Linear in the queue's size: only a pinned schedule uses it.
  template <class Pick>
  std::optional<Event> take_first(Pick pick) {
    std::vector<Event> all;
    all.reserve(heap_.size());
    while (!heap_.empty()) {
      all.push_back(heap_.top());
      heap_.pop();
    }
    std::optional<Event> found;
    for (const Event& e : all) {
      if (!found && pick(e)) found = e;
      else heap_.push(e);
    }
    return found;
  }

 private:
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      if (x.time != y.time) return x.time > y.time;
      if (x.klass != y.klass) return x.klass > y.klass;
      return x.seq > y.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace paxsim::sim
