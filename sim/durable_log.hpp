// A node's disk: its durable records, in the order they became durable, and
// after them its writes still in flight (a disk's writes become durable in
// the order they were issued, so the next to become durable is always the
// first in flight). A write goes in once, when issued: becoming durable moves
// nothing, and a crash drops the writes in flight. It grows by one record per
// write (two per command on every node) and is read whole only when the node
// restarts, so it keeps its records in fixed chunks that never move: a
// std::vector here moved every record, value handle and all, at each
// doubling. A chunk's records are made as they come (its buffer is reserved
// whole), so a short run with a few records per node does not construct and
// destroy a whole chunk. A restart copies the durable records into one span.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "paxos/effects.hpp"

namespace paxsim::sim {

class DurableLog {
 public:
  // A write issued, moved in from `r`: in flight until make_durable.
  void write(Record&& r) {
    if (size_ % k_chunk == 0) [[unlikely]] add_chunk();
    ++size_;
    chunks_.back().emplace_back(std::move(r));  // within the reserved buffer: nothing moves
  }
  // The first write in flight becomes durable (there is one: the caller
  // checks its pending write); its record.
  const Record& make_durable() {
    const std::size_t i = durable_++;
    return chunks_[i / k_chunk][i % k_chunk];
  }
  // How many writes are in flight.
  std::size_t in_flight() const { return size_ - durable_; }
  // A crash: the writes in flight are lost.
  void drop_in_flight() {
    for (; size_ > durable_; --size_) {
      chunks_.back().pop_back();
      if (chunks_.back().empty()) chunks_.pop_back();  // a push adds a chunk at a multiple of k_chunk
    }
  }
  // A wiped disk (the node is down: nothing in flight).
  void clear() {
    chunks_.clear();
    size_ = 0;
    durable_ = 0;
  }
  // Every durable record, in order, for a node restarting from its disk.
  std::vector<Record> records() const {
    std::vector<Record> all;
    all.reserve(durable_);
    for (std::size_t i = 0; i < durable_; ++i) all.push_back(chunks_[i / k_chunk][i % k_chunk]);
    return all;
  }

 private:
  static constexpr std::size_t k_chunk = 256;
  [[gnu::noinline]] void add_chunk() { chunks_.emplace_back().reserve(k_chunk); }

  std::vector<std::vector<Record>> chunks_;  // each holds at most k_chunk records
  std::size_t size_ = 0;     // records written
  std::size_t durable_ = 0;  // of which the first durable_ are durable
};

}  // namespace paxsim::sim
