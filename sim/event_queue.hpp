// The event queue: a min-heap ordered by (time, class, sequence).
// Timeline fault actions have the lowest class, so at one instant they run
// before anything else, in file order; the nemesis undoes before it strikes;
// every other event at that instant follows in the order it was scheduled.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include "paxos/types.hpp"
#include "sim/assert.hpp"
#include "sim/free_list.hpp"

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

// A radix heap of 16-byte keys, in front of it a short sorted run.
//
// A key is the time and one word: class (2 bits), sequence number
// (k_seq_bits) and the index of the event's other fields in a side slab
// (k_index_bits). Comparing the words compares class, then sequence; the
// sequence is unique, so the index never decides.
//
// The radix heap relies on time never going back: every key pushed is at or
// after the last time popped, and `base_` is at or before it (a simulation
// schedules nothing in its past). A key goes into bucket i, where i is the
// bit width of (its time XOR base_): bucket 0 holds keys at base_, and every
// key in a bucket comes before every key in a higher one. The next keys
// leave from `run_`, sorted by (time, word); a key pushed before the run's
// last joins the run in order, so every key in a bucket comes after the run.
// When the run is empty, the lowest bucket becomes the run if it is short
// (sorted), or else is split: its earliest time becomes base_ and its keys
// move to lower buckets. Each key moves a few times at most, and a push is
// a bit scan and an append: far-off events (a kv client's timeouts, mostly
// stale when they fall due) wait in high buckets at no cost to the near
// ones. The order is total, so the queue pops the same events in the same
// order however they are laid out.
class EventQueue {
 public:
  void push(Event e) {
    e.seq = next_seq_++;
    PAXSIM_ASSERT(e.seq < k_seq_limit);
    insert(e);
  }
  bool empty() const { return keys_ == 0; }
  // The time of the next event (the queue is not empty).
  Time_us top_time() {
    settle();
    return run_.back().time;
  }
  Event pop() {
    settle();
    const Key k = run_.back();
    run_.pop_back();
    --keys_;
    return take(k);
  }
  std::size_t size() const { return keys_; }

  // Removes and returns the earliest event (by the queue's order) for which
  // `pick` holds. Linear in the queue's size: only a pinned schedule uses it.
  template <class Pick>
  std::optional<Event> take_first(Pick pick) {
    std::vector<Event> all;
    for (const Key& k : run_) all.push_back(take(k));
    run_.clear();
    for (std::vector<Key>& bucket : buckets_) {
      for (const Key& k : bucket) all.push_back(take(k));
      bucket.clear();
    }
    occupied_ = 0;
    keys_ = 0;
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
  static constexpr std::size_t k_run_max = 16;  // a bucket this short is sorted, not split

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
  // run_ is sorted last first, so the next key is at its back. A function
  // object, so sort and upper_bound inline the comparison.
  struct After {
    bool operator()(const Key& x, const Key& y) const { return before(y, x); }
  };

  // Puts `e` (its sequence number already set) into the heap.
  void insert(const Event& e) {
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.pop();
    } else {
      index = static_cast<std::uint32_t>(bodies_.size());
      PAXSIM_ASSERT(index < k_index_limit);
      bodies_.emplace_back();
    }
    bodies_[index] = Body{e.arg, e.target, e.incarnation, e.kind, e.aux};
    const Key k{e.time, order_word(e) | index};
    ++keys_;
    if (!run_.empty() && before(k, run_.front())) {
      run_.insert(std::upper_bound(run_.begin(), run_.end(), k, After{}), k);
      return;
    }
    place(k);
  }
  // Puts a key into its bucket: the bit width of (its time XOR base_).
  void place(const Key& k) {
    PAXSIM_ASSERT(k.time >= base_);
    const auto diff = static_cast<std::uint64_t>(k.time) ^ static_cast<std::uint64_t>(base_);
    const int b = std::bit_width(diff);  // 0..63: times are not negative
    buckets_[static_cast<std::size_t>(b)].push_back(k);
    occupied_ |= std::uint64_t{1} << b;
  }
  // Makes run_ hold the next keys, unless the heap is empty.
  void settle() {
    while (run_.empty() && occupied_ != 0) {
      const auto b = static_cast<std::size_t>(std::countr_zero(occupied_));
      std::vector<Key>& bucket = buckets_[b];
      occupied_ &= ~(std::uint64_t{1} << b);
      if (b == 0 || bucket.size() <= k_run_max) {  // bucket 0: one time, nothing to split
        run_.swap(bucket);
        std::sort(run_.begin(), run_.end(), After{});
        base_ = run_.back().time;
        return;
      }
      Time_us earliest = bucket.front().time;
      for (const Key& k : bucket) earliest = std::min(earliest, k.time);
      base_ = earliest;
      split_.swap(bucket);  // its keys all go to lower buckets, never back to this one
      for (const Key& k : split_) place(k);
      split_.clear();
    }
  }
  // The event of a key taken off the heap; its slab entry is free again.
  Event take(const Key& k) {
    const auto index = static_cast<std::uint32_t>(k.word & (k_index_limit - 1));
    const Body& b = bodies_[index];
    free_.push(index);
    return Event{k.time,
                 (k.word & ~(std::uint64_t{3} << 62)) >> k_index_bits,
                 b.arg,
                 b.target,
                 b.incarnation,
                 b.kind,
                 static_cast<EventClass>(k.word >> 62),
                 b.aux};
  }

  std::vector<Key> run_;                      // the next keys, sorted last first
  std::array<std::vector<Key>, 64> buckets_;  // bucket i: keys whose time XOR base_ is i bits wide
  std::vector<Key> split_;                    // the bucket being split (its buffer reused)
  std::uint64_t occupied_ = 0;                // bit i: bucket i is not empty
  Time_us base_ = 0;                          // at or before every key's time in the buckets
  std::size_t keys_ = 0;                      // keys in the heap
  std::vector<Body> bodies_;          // by slab index
  FreeList free_;                     // free slab indices, reused last in, first out
  std::uint64_t next_seq_ = 0;
};

}  // namespace paxsim::sim
