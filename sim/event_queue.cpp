#include "sim/event_queue.hpp"

namespace paxsim::sim {

// A walk of more than a few steps goes on in place_long: its shortcut here
// would cost the usual short walk a stack frame.
void EventQueue::place(Ends& ends, std::uint32_t n) {
  const Event& e = nodes_[n].event;
  std::uint32_t* link = &ends.head;
  for (std::uint32_t steps = 0; steps < k_short_walk; ++steps) {
    if (before(e, nodes_[*link].event)) {
      nodes_[n].next = *link;
      *link = n;
      return;
    }
    link = &nodes_[*link].next;
  }
  place_long(ends, n, link);
}

// place's walk from `link` on. It jumps ahead to the node the last long walk
// in this bucket linked in, where that is still in the bucket, further on,
// and precedes n's place: events pushed for one instant into a bucket that
// holds a later one (a resumed node's held events, all due now, and what
// their steps push for now; or the writes a node issues at one instant, all
// durable at one time) each walked from the head past all those before
// them, quadratic in their number.
void EventQueue::place_long(Ends& ends, std::uint32_t n, std::uint32_t* link) {
  const Event& e = nodes_[n].event;
  const auto p = static_cast<std::size_t>(&ends - ends_.data());
  if (placed_.empty()) placed_.assign(k_buckets, k_none);
  // (n itself may be that node, popped since, and now taken for e.)
  if (const std::uint32_t last = placed_[p]; last != k_none && last != n) {
    const Event& x = nodes_[last].event;
    if (bucket_of(x.time) == bucket_of(e.time) && still_queued(x, nodes_[ends.head].event) && !before(e, x) &&
        before(nodes_[*link].event, x))
      link = &nodes_[last].next;
  }
  while (!before(e, nodes_[*link].event)) link = &nodes_[*link].next;
  nodes_[n].next = *link;
  *link = n;
  placed_[p] = n;
}

// Whether `x`, the event a node holds, is queued (in the bucket whose first
// event is `head`, if due in it), not popped and left in its free node. A
// popped event is due no later than every queued one (the last pop's time);
// at one instant, it precedes every queued event of its class: one queued
// then came after it, and one pushed since has a higher sequence number
// (take_first puts events back with their old ones, and forgets placed_).
// Not so with another class: a push at the instant just popped may precede
// what was popped (an undo due at once, pushed by a nemesis tick), so that
// case is not trusted.
bool EventQueue::still_queued(const Event& x, const Event& head) {
  if (x.time != head.time) return x.time > head.time;
  return x.klass == head.klass && x.seq >= head.seq;
}

}  // namespace paxsim::sim
