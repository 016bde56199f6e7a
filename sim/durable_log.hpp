// A node's durable records, in the order they became durable. It grows by
// one record per durable step (two per command on every node) and is read
// whole only when the node restarts, so it keeps its records in fixed chunks
// that never move: a std::vector here moved every record, value handle and
// all, at each doubling. A chunk's records are made as they come (its
// buffer is reserved whole), so a short run with a few records per node
// does not construct and destroy a whole chunk. A restart copies the
// records into one span.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "paxos/effects.hpp"

namespace paxsim::sim {

class DurableLog {
 public:
  // The record made durable last, moved in from `r`.
  const Record& push(Record&& r) {
    if (size_ % k_chunk == 0) [[unlikely]] add_chunk();
    ++size_;
    return chunks_.back().emplace_back(std::move(r));  // within the reserved buffer: nothing moves
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }
  // Every record, in order, for a node restarting from its disk.
  std::vector<Record> records() const {
    std::vector<Record> all;
    all.reserve(size_);
    for (std::size_t i = 0; i < size_; ++i) all.push_back(chunks_[i / k_chunk][i % k_chunk]);
    return all;
  }

 private:
  static constexpr std::size_t k_chunk = 256;
  [[gnu::noinline]] void add_chunk() { chunks_.emplace_back().reserve(k_chunk); }

  std::vector<std::vector<Record>> chunks_;  // each holds at most k_chunk records
  std::size_t size_ = 0;
};

}  // namespace paxsim::sim
