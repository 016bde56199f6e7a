// The messages in flight, each in a numbered slot (a delivery event names its
// slot). Each slot's message lives in a block of its own that stays put
// while the message waits, so a message is delivered in place, by
// reference, while the step it causes sends others into other slots. A
// table of pointers to the blocks finds a slot's message in one load.
// A block is the element of a node's send list (paxos/effects.hpp), an
// Outgoing, so that a node's send comes in by exchanging blocks with that
// list: two pointers, where moving the message's fields in (and the slot's
// old contents back out) was about thirty instructions a send.
// A freed slot keeps its message's buffers, so the next message copied in
// reuses them; the free list is last in, first out.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "paxos/effects.hpp"
#include "paxos/message.hpp"
#include "sim/free_list.hpp"

namespace paxsim::sim {

class MessagePool {
 public:
  Message& operator[](std::uint32_t slot) { return messages_[slot]->msg; }
  const Message& operator[](std::uint32_t slot) const { return messages_[slot]->msg; }

  // A slot holding a copy of `m`.
  std::uint32_t put(const Message& m) {
    const std::uint32_t slot = take();
    (*this)[slot].assign(m);
    return slot;
  }
  // A slot holding the message in `block` (an element's of a node's send
  // list, BlockList::blocks), taken by exchanging blocks: `block` holds the
  // slot's old (free) message after.
  std::uint32_t put(std::unique_ptr<Outgoing>& block) {
    const std::uint32_t slot = take();
    messages_[slot].swap(block);
    return slot;
  }
  // A slot holding a reset message, to be filled in place.
  std::uint32_t put_new() {
    const std::uint32_t slot = take();
    (*this)[slot].reset();
    return slot;
  }
  [[gnu::always_inline]] void free(std::uint32_t slot) { free_.push(slot); }

 private:
  // A free slot (inline: every send takes one), or a new one.
  std::uint32_t take() {
    if (!free_.empty()) [[likely]] return free_.pop();
    return take_new();
  }
  [[gnu::noinline]] std::uint32_t take_new() {
    messages_.push_back(std::make_unique<Outgoing>());
    return static_cast<std::uint32_t>(messages_.size() - 1);
  }

  // By slot: its message's block (its after_durable unused here).
  std::vector<std::unique_ptr<Outgoing>> messages_;
  FreeList free_;                     // freed slots, reused last in, first out
};

}  // namespace paxsim::sim
