// What a node's step returns. The simulator carries the effects out in this
// order: persist the records, then send the messages (those marked
// after_durable only once every record this node has written so far is
// durable, so a crash between the two loses the send, never the write), then
// set the timers. `learned` and `quorums` are observations for the checkers.
#pragma once

#include <cstdint>
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

struct Effects {
  std::vector<Record> persist;
  std::vector<Outgoing> send;
  std::vector<TimerRequest> timers;
  std::vector<Learned> learned;
  std::vector<QuorumUse> quorums;
  // Multi-Paxos: commands applied to the replicated state machine, in log
  // order (`slot` is the log index); the `log` checker compares replicas.
  std::vector<Learned> applied;
  // Values the node proposes on its own (the lock service's expiry commands),
  // reported so that `validity` counts them as proposed.
  std::vector<Value> proposed;

  void clear() {
    persist.clear();
    send.clear();
    timers.clear();
    learned.clear();
    quorums.clear();
    applied.clear();
    proposed.clear();
  }
};

}  // namespace paxsim
