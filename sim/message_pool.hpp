// The messages in flight, each in a numbered slot (a delivery event names its
// slot). Slots live in fixed chunks that never move, so a message is
// delivered in place, by reference, while the step it causes sends others
// into new slots. A table of pointers finds a slot's message in one load,
// where the chunk's number, its pointer and the place in it (a multiply by a
// message's 120 bytes) took nine instructions, two or three times a message.
// A freed slot keeps its message's buffers, so the next message copied in
// reuses them; the free list is last in, first out.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "paxos/message.hpp"
#include "sim/free_list.hpp"

namespace paxsim::sim {

class MessagePool {
 public:
  Message& operator[](std::uint32_t slot) { return *messages_[slot]; }
  const Message& operator[](std::uint32_t slot) const { return *messages_[slot]; }

  // A slot holding a copy of `m` (or `m` itself, moved in).
  std::uint32_t put(const Message& m) {
    const std::uint32_t slot = take();
    (*this)[slot].assign(m);
    return slot;
  }
  std::uint32_t put(Message&& m) {
    const std::uint32_t slot = take();
    (*this)[slot] = std::move(m);
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
  static constexpr unsigned k_chunk_bits = 8;
  static constexpr std::uint32_t k_chunk_mask = (1u << k_chunk_bits) - 1;

  // A free slot (inline: every send takes one), or a new one.
  std::uint32_t take() {
    if (!free_.empty()) [[likely]] return free_.pop();
    return take_new();
  }
  [[gnu::noinline]] std::uint32_t take_new() {
    if ((size_ & k_chunk_mask) == 0) chunks_.push_back(std::make_unique<Message[]>(std::size_t{1} << k_chunk_bits));
    messages_.push_back(&chunks_.back()[size_ & k_chunk_mask]);
    return size_++;
  }

  std::vector<std::unique_ptr<Message[]>> chunks_;
  std::vector<Message*> messages_;    // by slot: its message, in chunks_
  std::uint32_t size_ = 0;            // slots ever used
  FreeList free_;                     // freed slots, reused last in, first out
};

}  // namespace paxsim::sim
