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
// in this bucket linked in, where that is still in the bucket, not before
// `link`'s, and not after n: events pushed for one instant into a bucket that
// holds a later one (a resumed node's held events, all due now, and what
// their steps push for now; or the writes a node issues at one instant, all
// durable at one time) each walked from the head past all those before
// them, quadratic in their number.
void EventQueue::place_long(Ends& ends, std::uint32_t n, std::uint32_t* link) {
  const Event& e = nodes_[n].event;
  const auto p = static_cast<std::size_t>(&ends - ends_.data());
  if (placed_.empty()) placed_.assign(k_buckets, k_none);
  // (n itself may be that node, popped since, and now taken for e.) A queued
  // node in e's bucket is in this list. From any node there not after e,
  // the walk finds e's place; one equal to the node at `link` in (time,
  // class) may lie before it, which costs a few steps more at most.
  if (const std::uint32_t last = placed_[p]; last != k_none && last != n && !is_free(nodes_[last])) {
    const Event& x = nodes_[last].event;
    if (bucket_of(x.time) == bucket_of(e.time) && !before(e, x) && !before(x, nodes_[*link].event))
      link = &nodes_[last].next;
  }
  while (!before(e, nodes_[*link].event)) link = &nodes_[*link].next;
  nodes_[n].next = *link;
  *link = n;
  placed_[p] = n;
}

}  // namespace paxsim::sim
