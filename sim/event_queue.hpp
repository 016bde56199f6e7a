// The event queue, ordered by (time, class, sequence), the sequence being
// the order of the pushes. Timeline fault actions have the lowest class, so
// at one instant they run before anything else, in file order; the nemesis
// undoes before it strikes; every other event at that instant follows in
// the order it was scheduled.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "paxos/types.hpp"
#include "sim/assert.hpp"
#include "sim/fifo.hpp"

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

// An event carries no sequence number: where the queue holds events in
// lists, their place in the list is their order of push (see EventQueue).
struct Event {
  Time_us time = 0;
  std::uint64_t arg = 0;
  std::uint32_t target = 0;
  std::uint32_t incarnation = 0;
  EventKind kind = EventKind::deliver;
  EventClass klass = EventClass::other;
  std::uint8_t aux = 0;
  // Unused: with it, the kind to the end is one 4-byte word, which a push
  // of an event whose fields there are constants (a delivery, a client's
  // timer) stores at once instead of in three parts.
  std::uint8_t spare = 0;
};

// A calendar: a ring of buckets, one per 64 microseconds, for the next 65
// milliseconds, and beyond it a queue in time order and a heap.
//
// `base_` is the time of the last pop: at or before every event's time, and
// a push is never before it (a simulation schedules nothing in its past).
// Bucket number b (time / 64) lives at ring position b mod k_buckets while
// b is within k_buckets of base_'s bucket (`cursor_`); its events are a
// list kept sorted by (time, class), each event after those equal to it,
// so that a push is almost always an append (most events fall due in a
// bucket of their own) and a list's order is the queue's order; the lists
// share one array of nodes. A bit map of the buckets in use finds the next
// one. An event due beyond the ring waits in `far_run_` if the last event
// put there is not before it (a kv client's timeouts, all of one length,
// come in that order: each goes in and out in a few instructions),
// else in `far_`, a heap in the queue's order, each with a sequence number
// of its own; it moves into its bucket once the cursor comes within reach,
// the two merged in the queue's order. That bucket holds no event then (a
// push goes into the ring only within its reach, and whatever waits beyond
// the ring moves in as soon as the cursor brings it there), so the list
// needs no sequence numbers: what moves in together arrives in order, and
// whatever is pushed there later is later in the order too. The order is
// total, so the queue pops the same events in the same order however they
// are laid out.
class EventQueue {
 public:
  EventQueue() { ends_.fill(Ends{k_none, k_none}); }

  [[gnu::always_inline]] void push(const Event& e) { insert(e); }
  bool empty() const { return next_position() == k_none && far_.empty() && far_run_.empty(); }
  // Linear in the queue's size (its events in the ring are not counted as
  // they come and go): for tests.
  std::size_t size() const {
    std::size_t n = far_.size() + far_run_.size();
    for (const Ends& ends : ends_)
      for (std::uint32_t i = ends.head; i != k_none; i = nodes_[i].next) ++n;
    return n;
  }

  // The time of the next event (the queue is not empty).
  Time_us top_time() const {
    const std::uint32_t p = next_position();
    return p == k_none ? far_time() : nodes_[ends_[p].head].event.time;
  }
  // Removes and returns the next event (the queue is not empty).
  Event pop() { return *pop_until(std::numeric_limits<Time_us>::max()); }
  // Removes the next event if it is due at or before `until`, and returns it
  // where it lies, in its node, good until the next push (which may reuse
  // the node): copy it, or read what is needed of it, before any. Null if none is due, and then nothing is
  // removed (the queue is not empty). Inline in Simulation::step, its one
  // hot caller: one search for the next bucket serves the test and the pop.
  // A pointer, not an optional event: GCC zeroed the optional's whole object
  // before every pop, and the caller reads the event in place, after the test.
  [[gnu::always_inline]] const Event* pop_until(Time_us until) {
    // The cursor's own bucket, if it is not empty, holds the next event (a
    // third of pops, the rest of an instant's events): asked before the
    // search of the bit map, which finds the bucket the cursor moves on to.
    std::uint32_t p = position(cursor_);
    if (ends_[p].head == k_none) {
      // The cursor leaves its bucket, empty: its bit goes now (see used_),
      // and the search starts in the word it leaves, as it is after that.
      // (Rotations and shifts, not masks built from a constant: GCC kept
      // that constant in a register all along the run loop.)
      const std::uint32_t w = p / 64;
      const int at = static_cast<int>(p % 64);
      const std::uint64_t word = std::rotl(std::rotr(used_[w], at) & ~std::uint64_t{1}, at);
      used_[w] = word;
      p = first_in_use(w, word >> at << at);
      // The ring is empty (found by the search that finds the next bucket,
      // not by a count of the ring's events kept at every push and pop).
      if (p == k_none) [[unlikely]] {
        p = refill(until);
        if (p == k_none) return nullptr;
      }
      if (nodes_[ends_[p].head].event.time > until) return nullptr;
      cursor_ += (p - position(cursor_)) & k_mask;
      if (far_bucket_ - cursor_ < k_buckets) advance(cursor_);
    } else if (nodes_[ends_[p].head].event.time > until) {
      return nullptr;
    }
    Ends& ends = ends_[p];
    const std::uint32_t n = ends.head;
    Node& node = nodes_[n];
    ends.head = node.next;  // (its tail and its bit are left: see Ends and used_)
    node.next = free_;
    free_ = n | k_free;
    base_ = node.event.time;
    return &node.event;
  }

  // Events due beyond the ring that may turn void before they fall due (a kv
  // client's timeout, once its request is answered): `stale(context, e)` is
  // asked of each as it moves into the ring (and of those first in line
  // beyond it, see advance), and one found stale is dropped there, not put
  // in the ring, popped and skipped. Once stale, an event must stay stale.
  // Null (the default): nothing is dropped.
  using Stale = bool (*)(const void* context, const Event& e);
  void drop_stale(Stale stale, const void* context) {
    stale_ = stale;
    stale_context_ = context;
  }
  // The latest time of an event dropped as stale (the least time if none):
  // its pop would have taken the clock there.
  Time_us dropped_until() const { return dropped_until_; }

  // Removes and returns the earliest event (by the queue's order) for which
  // `pick` holds. Linear in the queue's size: only a pinned schedule uses it.
  template <class Pick>
  std::optional<Event> take_first(Pick pick) {
    std::vector<Event> all;
    const Time_us base = base_;
    const std::uint64_t cursor = cursor_;
    while (!empty()) all.push_back(pop());  // in the queue's order
    used_.fill(0);  // the last pop's bucket may keep its bit (see used_), and the cursor moves back
    std::size_t at = all.size();
    for (std::size_t i = 0; i < all.size() && at == all.size(); ++i)
      if (pick(all[i])) at = i;
    std::optional<Event> found;
    if (at != all.size()) found = all[at];
    // The found event's node is free, and its event may be due after base_
    // (set back below): place() must not take it for a queued one.
    placed_.clear();
    base_ = base;  // at or before every event left, and every push to come
    cursor_ = cursor;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (i != at) insert(all[i]);  // in order: each after those equal to it
    return found;
  }

 private:
  static constexpr unsigned k_width_bits = 6;  // a bucket spans 64 us
  static constexpr std::uint32_t k_buckets = 1024;  // the ring spans 65.5 ms
  static constexpr std::uint32_t k_mask = k_buckets - 1;
  static constexpr std::uint64_t k_no_bucket = std::numeric_limits<std::uint64_t>::max();
  static constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();
  // A free node's link is the next free node's index with this bit set, or
  // k_free_end (the last): never a queued node's link, an index or k_none,
  // so a node's link tells whether it is free (see is_free).
  static constexpr std::uint32_t k_free = std::uint32_t{1} << 31;
  static constexpr std::uint32_t k_free_end = k_none - 1;

  // A bucket is a list of nodes, in the queue's order, kept by its ends;
  // the nodes of every bucket share one array and one free list.
  struct Node {
    Event event;
    std::uint32_t next;  // in its bucket (k_none: the last), or on the free list (tagged k_free)
  };
  struct Ends {
    std::uint32_t head;  // k_none: the bucket is empty
    std::uint32_t tail;  // read only while the bucket is not empty (stale after)
  };

  // (time, class), lexicographically: in a bucket's list, an event goes
  // after every event it is not before.
  static bool before(const Event& x, const Event& y) {
    if (x.time != y.time) return x.time < y.time;
    return x.klass < y.klass;
  }
  // An event beyond the ring, with its place in the order of pushes.
  struct Far {
    Event event;
    std::uint64_t seq;
  };
  // (time, class, sequence), lexicographically.
  static bool far_before(const Far& x, const Far& y) {
    if (x.event.time != y.event.time) return x.event.time < y.event.time;
    if (x.event.klass != y.event.klass) return x.event.klass < y.event.klass;
    return x.seq < y.seq;
  }
  struct Later {
    bool operator()(const Far& x, const Far& y) const { return far_before(y, x); }
  };
  static std::uint64_t bucket_of(Time_us t) { return static_cast<std::uint64_t>(t) >> k_width_bits; }
  static std::uint32_t position(std::uint64_t bucket) { return static_cast<std::uint32_t>(bucket) & k_mask; }

  // Puts `e` into the queue, after every event it is not before. Inline in
  // every push, where the event is built: a call, its saved registers and a
  // copy of the event through memory cost about a third of the insertion.
  // What is due beyond the ring goes in out of line.
  [[gnu::always_inline]] void insert(const Event& e) {
    PAXSIM_ASSERT(e.time >= base_);
    const std::uint64_t b = bucket_of(e.time);
    if (b - cursor_ >= k_buckets) [[unlikely]] {
      insert_far(e);
      return;
    }
    put(position(b), e);
  }
  // By value: a reference would take the address of the caller's event, and
  // keep it in memory on the inline path too (built there, then copied).
  [[gnu::noinline]] void insert_far(Event e) {
    // The run stays in the queue's order: an event at the time of the last
    // one there but of a class before it goes in the heap.
    if (far_run_.empty() || !before(e, far_run_.back().event)) [[likely]] {
      Far& far = far_run_.push();
      far.event = e;  // whole (a Far built first was copied in byte by byte)
      far.seq = next_far_seq_++;
    } else {
      insert_far_heap(e);
    }
    far_bucket_ = std::min(far_bucket_, bucket_of(e.time));
  }
  // Out of line: the heap's code took insert_far a frame of saved registers.
  [[gnu::noinline]] void insert_far_heap(const Event& e) {
    far_.push_back(Far{e, next_far_seq_++});
    std::push_heap(far_.begin(), far_.end(), Later{});
  }
  // The time of the earliest event beyond the ring (there is one).
  Time_us far_time() const {
    if (far_.empty()) return far_run_.front().event.time;
    if (far_run_.empty()) return far_.front().event.time;
    return std::min(far_.front().event.time, far_run_.front().event.time);
  }
  [[gnu::always_inline]] void put(std::uint32_t p, const Event& e) {
    std::uint32_t n = free_;
    if (n != k_free_end) [[likely]] {
      n &= ~k_free;
      free_ = nodes_[n].next;
    } else {
      n = new_node();
    }
    nodes_[n].event = e;
    Ends& ends = ends_[p];
    if (ends.head == k_none) {
      used_[p / 64] |= std::uint64_t{1} << (p % 64);
      nodes_[n].next = k_none;
      ends.head = ends.tail = n;
    } else if (!before(e, nodes_[ends.tail].event)) {
      nodes_[n].next = k_none;
      nodes_[ends.tail].next = n;
      ends.tail = n;
    } else {
      place(ends, n);
    }
  }
  // A node at the end of the array (rare: the free list is empty only while
  // the queue grows past its largest size so far).
  [[gnu::noinline]] std::uint32_t new_node() {
    PAXSIM_ASSERT(nodes_.size() < k_free);  // an index leaves the free tag's bit clear
    nodes_.emplace_back();
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  // Links node `n` into its place in a bucket, before the tail (rare: an
  // event due before the last one pushed into its bucket). In its own file
  // (sim/event_queue.cpp): its long walks' shortcut, in line here, changed
  // how GCC laid out Simulation::run, the one hot caller (7 instructions
  // more per message there).
  void place(Ends& ends, std::uint32_t n);
  void place_long(Ends& ends, std::uint32_t n, std::uint32_t* link);
  static bool is_free(const Node& x) { return (x.next & k_free) != 0 && x.next != k_none; }
  static constexpr std::uint32_t k_short_walk = 8;
  // The ring position of the next event (k_none: the ring is empty). The
  // cursor's own bit, which may be stale, is not asked (see used_): going
  // round from the bucket after the cursor's, it comes last, and then no
  // other bucket is in use.
  std::uint32_t next_position() const {
    const std::uint32_t from = position(cursor_);
    if (ends_[from].head != k_none) return from;
    const std::uint32_t p = first_in_use(from / 64, used_[from / 64] & (~std::uint64_t{1} << (from % 64)));
    return p == from ? k_none : p;
  }
  // The first bucket in use from word `w` on, `bits` being that word's bits
  // from the search's start on, going round once, back to the whole of word
  // `w` (k_none: none is). Most searches end in the first word.
  std::uint32_t first_in_use(std::uint32_t w, std::uint64_t bits) const {
    for (std::uint32_t left = k_buckets / 64; bits == 0; --left) {
      if (left == 0) return k_none;
      w = (w + 1) % (k_buckets / 64);
      bits = used_[w];
    }
    return w * 64 + static_cast<std::uint32_t>(std::countr_zero(bits));
  }
  // The ring is empty (and no bit is set, the cursor's cleared): moves in
  // what falls due next beyond it, unless that is after `until` or nothing
  // is left. Again while all it moved was stale. The ring position of the
  // next event, the first bucket in use from the cursor on (the cursor
  // moves on to it as after any search); or k_none if nothing was moved in,
  // and then the cursor goes back to the last pop's bucket (base_'s, where
  // it stood), so that the ring spans what a push may bring from then on.
  [[gnu::noinline]] std::uint32_t refill(Time_us until) {
    for (;;) {
      if ((far_.empty() && far_run_.empty()) || far_time() > until) {
        cursor_ = bucket_of(base_);
        return k_none;
      }
      advance(bucket_of(far_time()));
      const std::uint32_t from = position(cursor_);
      const std::uint32_t p = first_in_use(from / 64, used_[from / 64] & (~std::uint64_t{0} << (from % 64)));
      if (p != k_none) return p;
    }
  }
  // The cursor moves on to bucket `b`; what `far_run_` and `far_` hold
  // within reach of the ring moves in, the two merged in the queue's order,
  // but for what is stale.
  [[gnu::noinline]] void advance(std::uint64_t b) {
    cursor_ = b;
    const auto in_reach = [&](const Far& f) { return bucket_of(f.event.time) - cursor_ < k_buckets; };
    for (;;) {
      const bool run = !far_run_.empty() && in_reach(far_run_.front());
      const bool heap = !far_.empty() && in_reach(far_.front());
      if (run && !(heap && far_before(far_.front(), far_run_.front()))) {
        move_in(far_run_.front().event);
        far_run_.pop_front();
      } else if (heap) {
        std::pop_heap(far_.begin(), far_.end(), Later{});
        move_in(far_.back().event);
        far_.pop_back();
      } else {
        break;
      }
    }
    // What is stale at the head of the run goes now, within reach or not (it
    // stays stale): a kv client's timeouts wait there in the order they were
    // set, those of answered requests first, and each came within reach on
    // its own, one call here per request. This way the next call is due
    // only when the head, a request still open now, comes within reach, and
    // it drops every timeout set since that is stale by then.
    if (stale_) {
      while (!far_run_.empty() && stale_(stale_context_, far_run_.front().event)) {
        dropped_until_ = std::max(dropped_until_, far_run_.front().event.time);
        far_run_.pop_front();
      }
    }
    far_bucket_ = far_.empty() && far_run_.empty() ? k_no_bucket : bucket_of(far_time());
  }
  void move_in(const Event& e) {
    if (stale_ && stale_(stale_context_, e)) {
      dropped_until_ = std::max(dropped_until_, e.time);
      return;
    }
    put(position(bucket_of(e.time)), e);
  }

  std::vector<Node> nodes_;                            // the buckets' events
  std::uint32_t free_ = k_free_end;                    // the first free node (tagged, as a link)
  // Bit p: bucket p is not empty, but for the cursor's bucket, whose bit
  // may be left set once a pop has emptied it: the pop that finds it empty
  // and moves the cursor on clears it (so does refill), where a test after
  // every pop cleared the bit of each bucket it emptied.
  std::array<std::uint64_t, k_buckets / 64> used_{};
  Fifo<Far> far_run_;                                  // due beyond the ring, pushed in time order
  std::vector<Far> far_;                               // due beyond the ring, the rest: a heap, least on top
  std::uint64_t far_bucket_ = k_no_bucket;             // the bucket of the earliest event beyond the ring, if any
  std::uint64_t cursor_ = 0;                           // the bucket of base_
  Time_us base_ = 0;
  std::uint64_t next_far_seq_ = 0;                     // the sequence of pushes beyond the ring
  Stale stale_ = nullptr;
  const void* stale_context_ = nullptr;
  Time_us dropped_until_ = std::numeric_limits<Time_us>::min();
  // By ring position: the node place() last linked in there (k_none: none);
  // it may have been popped since (see is_free). Empty until the first
  // long walk: most runs take none, and a short run (a seed sweep's, a
  // fuzz run's) paid for filling it.
  std::vector<std::uint32_t> placed_;
  // By ring position: its bucket's first and last nodes. In the queue
  // itself, found from its address at once, not through a vector's pointer
  // loaded at each push and pop.
  std::array<Ends, k_buckets> ends_;
};

}  // namespace paxsim::sim
