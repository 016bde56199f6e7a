// What a node's step returns. The simulator carries the effects out in this
// order: persist the records, then send the messages (those marked
// after_durable only once every record this node has written so far is
// durable, so a crash between the two loses the send, never the write), then
// set the timers. `learned` and `quorums` are observations for the checkers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "paxos/message.hpp"
#include "paxos/types.hpp"

namespace paxsim {

enum class RecordKind : std::uint8_t {
  promise,         // acceptor promised `ballot` (never to accept below it)
  accept,          // acceptor accepted (`ballot`, `value`) in `slot`; implies a promise of `ballot`
  proposer_round,  // proposer will use rounds above `ballot.round` (ballots stay unique across restarts)
  decided,         // learner learned `value` in `slot` (an optimisation: a node may also re-learn)
};
std::string_view to_string(RecordKind k);

struct Record {
  RecordKind kind = RecordKind::promise;
  Slot slot = 0;
  Ballot ballot;
  Value value;
  std::uint32_t group = 0;  // shards > 1: the Paxos group that wrote it
};

struct Outgoing {
  Message msg;
  bool after_durable = true;  // persist-before-send; only a known-bug switch clears it
};

enum class TimerKind : std::uint8_t {
  retry,     // a proposer's next attempt; delay doubles per failure (backoff)
  catchup,   // a learner that has not learned asks its peers
  heartbeat,
  election,
};
inline constexpr int k_timer_kind_count = 4;
std::string_view to_string(TimerKind k);

// The node names the kind of timer; the simulator draws the delay from the
// node's own random stream and the scenario's params (the node never sees a
// random source). A fired timer comes back with its token; a node ignores
// tokens it no longer expects, so there is no cancel.
struct TimerRequest {
  TimerKind kind = TimerKind::retry;
  std::uint64_t token = 0;
  std::uint32_t backoff = 0;  // retry only: the delay is drawn, times 2^backoff, capped
};

struct Learned {
  Slot slot = 0;
  Value value;
  std::uint32_t group = 0;  // shards > 1: the slot's Paxos group
};

// A quorum the node acted on, reported so the `quorums` checker can verify it
// is a majority of distinct acceptors that really answered for `ballot`.
struct QuorumUse {
  enum class Phase : std::uint8_t { promise, accepted } phase = Phase::promise;
  Slot slot = 0;
  Ballot ballot;
  std::vector<NodeId> members;  // as counted, duplicates included
  std::uint32_t group = 0;      // shards > 1: the Paxos group
};

// A list that keeps its elements' storage across clear(): an element is
// overwritten by assignment, so a message or record copied into a slot used
// before reuses that slot's string and vector buffers instead of allocating.
// Only the first size() elements are the list; the rest are spare.
template <class T>
class ReusedList {
 public:
  using value_type = T;
  using iterator = typename std::vector<T>::iterator;
  using const_iterator = typename std::vector<T>::const_iterator;

  // The next element, holding whatever it held before: assign every field.
  T& next() {
    if (n_ == capacity_) grow();
    return items_[n_++];
  }
  void push_back(const T& v) { next() = v; }
  void push_back(T&& v) { next() = std::move(v); }
  void clear() { n_ = 0; }

  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T& operator[](std::size_t i) { return items_[i]; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T& front() { return items_[0]; }
  const T& front() const { return items_[0]; }
  T& back() { return items_[n_ - 1]; }
  const T& back() const { return items_[n_ - 1]; }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.begin() + static_cast<std::ptrdiff_t>(n_); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.begin() + static_cast<std::ptrdiff_t>(n_); }
  // A copy of the list as a plain vector (tests keep a step's records).
  operator std::vector<T>() const { return std::vector<T>(begin(), end()); }

 private:
  // Out of line: a list soon has room for every step's elements.
  [[gnu::noinline]] void grow() {
    items_.emplace_back();
    capacity_ = items_.size();
  }

  std::vector<T> items_;
  std::size_t n_ = 0;
  // items_.size(), kept: a vector's size divides by the element's size.
  std::size_t capacity_ = 0;
};

// A ReusedList whose elements each live in a block of their own, which the
// list owns: the simulator takes a sent message (an Outgoing, ~120 bytes)
// into its pool by exchanging that element's block for a free one of its
// own (two pointers, see blocks) instead of moving the message's fields
// into the pool and its old contents back. Read as a ReusedList.
template <class T>
class BlockList {
  using Blocks = std::vector<std::unique_ptr<T>>;

  template <class Item, class Base>
  class Iter {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = Item*;
    using reference = Item&;
    Iter() = default;
    explicit Iter(Base at) : at_(at) {}
    Item& operator*() const { return **at_; }
    Item* operator->() const { return at_->get(); }
    Iter& operator++() {
      ++at_;
      return *this;
    }
    Iter operator++(int) {
      Iter was = *this;
      ++at_;
      return was;
    }
    friend bool operator==(const Iter& a, const Iter& b) { return a.at_ == b.at_; }

   private:
    Base at_{};
  };

 public:
  using value_type = T;
  using iterator = Iter<T, typename Blocks::const_iterator>;
  using const_iterator = Iter<const T, typename Blocks::const_iterator>;

  // The next element, holding whatever it held before: assign every field.
  T& next() {
    if (n_ == capacity_) grow();
    return *items_[n_++];
  }
  void push_back(const T& v) { next() = v; }
  void push_back(T&& v) { next() = std::move(v); }
  void clear() { n_ = 0; }

  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T& operator[](std::size_t i) { return *items_[i]; }
  const T& operator[](std::size_t i) const { return *items_[i]; }
  T& front() { return *items_[0]; }
  const T& front() const { return *items_[0]; }
  T& back() { return *items_[n_ - 1]; }
  const T& back() const { return *items_[n_ - 1]; }
  iterator begin() { return iterator(items_.cbegin()); }
  iterator end() { return iterator(items_.cbegin() + static_cast<std::ptrdiff_t>(n_)); }
  const_iterator begin() const { return const_iterator(items_.cbegin()); }
  const_iterator end() const { return const_iterator(items_.cbegin() + static_cast<std::ptrdiff_t>(n_)); }
  // A copy of the list as a plain vector (tests keep a step's sends).
  operator std::vector<T>() const { return std::vector<T>(begin(), end()); }

  // The elements' blocks, in order, to exchange each for another block (not
  // null): the element is then what that block held.
  std::span<std::unique_ptr<T>> blocks() { return {items_.data(), n_}; }

 private:
  // Out of line: a list soon has room for every step's elements.
  [[gnu::noinline]] void grow() {
    items_.push_back(std::make_unique<T>());
    capacity_ = items_.size();
  }

  Blocks items_;
  std::size_t n_ = 0;
  std::size_t capacity_ = 0;  // items_.size(), kept
};

struct Effects;

// A list of one kind of observation for the checkers: read as a ReusedList,
// added to only through Effects (Effects::observe), which counts what goes
// into every such list, so that one count tells whether a step made any.
template <class T>
class ObservedList : private ReusedList<T> {
  using Base = ReusedList<T>;
  friend struct Effects;

 public:
  using typename Base::const_iterator;
  using typename Base::iterator;
  using typename Base::value_type;
  using Base::back;
  using Base::begin;
  using Base::empty;
  using Base::end;
  using Base::front;
  using Base::operator[];
  using Base::operator std::vector<T>;
  using Base::size;
};

struct Effects {
  ReusedList<Record> persist;
  BlockList<Outgoing> send;  // the simulator takes each out by exchange
  ReusedList<TimerRequest> timers;
  ObservedList<Learned> learned;
  ObservedList<QuorumUse> quorums;
  // Multi-Paxos: commands applied to the replicated state machine, in log
  // order (`slot` is the log index); the `log` checker compares replicas.
  ObservedList<Learned> applied;
  // Values the node proposes on its own (the lock service's expiry commands),
  // reported so that `validity` counts them as proposed.
  ObservedList<Value> proposed;

  // The next element of an observation list (learned, quorums, applied or
  // proposed), holding whatever it held before: assign every field.
  template <class T>
  T& observe(ObservedList<T>& list) {
    ++observations_;
    return list.next();
  }
  // How many observations the four lists hold: most steps make none, and
  // the simulator asks this one count before it reads any list.
  std::size_t observations() const { return observations_; }
  // Empties the four observation lists.
  void clear_observations() {
    learned.clear();
    quorums.clear();
    applied.clear();
    proposed.clear();
    observations_ = 0;
  }

  // These copy into reused slots: no allocation once a slot has had room
  // for a value as long (the hot path of every step).
  void send_copy(const Message& m, bool after_durable) {
    Outgoing& o = send.next();
    o.msg.assign(m);
    o.after_durable = after_durable;
  }
  // A new message to send, default-constructed (a reused slot, reset): the
  // caller fills it in place. The reference is good until the next send.
  Message& send_new(bool after_durable) {
    Outgoing& o = send.next();
    o.msg.reset();
    o.after_durable = after_durable;
    return o.msg;
  }
  // A new phase-2 message, whole (Message::reset with its fields).
  void send_new(bool after_durable, MsgKind k, EndpointId from, EndpointId to, Slot s, const Ballot& b, const Value& v) {
    Outgoing& o = send.next();
    o.msg.reset(k, from, to, s, b, v);
    o.after_durable = after_durable;
  }
  // A record to persist, written into a reused slot (no temporary).
  void persist_new(RecordKind kind, Slot s, Ballot b, const Value& v) {
    Record& r = persist.next();
    r.kind = kind;
    r.slot = s;
    r.ballot = b;
    r.value = v;
    r.group = 0;
  }
  void learned_copy(Slot s, const Value& v) { assign(observe(learned), s, v); }
  void applied_copy(Slot s, const Value& v) { assign(observe(applied), s, v); }
  void quorum_copy(QuorumUse::Phase phase, Slot s, Ballot b, std::span<const NodeId> members) {
    QuorumUse& q = observe(quorums);
    q.phase = phase;
    q.slot = s;
    q.ballot = b;
    q.members.assign(members.begin(), members.end());
    q.group = 0;
  }

  void clear() {
    persist.clear();
    send.clear();
    timers.clear();
    clear_observations();
  }

 private:
  std::size_t observations_ = 0;  // the sizes of learned, quorums, applied and proposed, summed
  static void assign(Learned& l, Slot s, const Value& v) {
    l.slot = s;
    l.value = v;
    l.group = 0;
  }
};

}  // namespace paxsim
