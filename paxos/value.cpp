// Value blocks' slow path and the pool of ended threads' blocks (see
// detail::ValueBlocks in paxos/value.hpp): out of line, so that the hot
// paths in the header stay as they were.
#include "paxos/value.hpp"

#include <cstddef>
#include <mutex>
#include <new>

namespace paxsim::detail {

namespace {

// The blocks of threads that ended. Its lock is taken only when a thread
// ends and when a thread would take a new slab (once per 64 KiB at most).
struct ValueBlockPool {
  // An unused rest of a slab (16 bytes at least), linked through its start.
  struct Rest {
    Rest* next;
    char* end;
  };
  std::mutex lock;
  ValueBlocks::Free* head[ValueBlocks::k_classes];  // by class, as a thread's
  ValueBlocks::Free* tail[ValueBlocks::k_classes];  // each list's last block (when head is not null)
  Rest* rests;
};
constinit ValueBlockPool g_value_pool{};

// A free block's link, read with the block poisoned around it.
ValueBlocks::Free* next_free_block(ValueBlocks::Free* f) {
  unpoison_value_block(f, sizeof(ValueBlocks::Free));
  ValueBlocks::Free* const next = f->next;
  poison_value_block(f, sizeof(ValueBlocks::Free));
  return next;
}
void link_free_block(ValueBlocks::Free* f, ValueBlocks::Free* next) {
  unpoison_value_block(f, sizeof(ValueBlocks::Free));
  f->next = next;
  poison_value_block(f, sizeof(ValueBlocks::Free));
}

// Hands this thread's free blocks and the rest of its newest slab to the
// pool: run when a thread that took a slab ends (ValueBlocksOwner).
void hand_over_value_blocks() noexcept {
  ValueBlocks& b = t_value_blocks;
  ValueBlockPool& pool = g_value_pool;
  const std::lock_guard<std::mutex> held(pool.lock);
  for (std::size_t c = 0; c < ValueBlocks::k_classes; ++c) {
    ValueBlocks::Free* const first = b.head[c];
    if (!first) continue;
    ValueBlocks::Free* last = first;
    while (ValueBlocks::Free* next = next_free_block(last)) last = next;
    link_free_block(last, pool.head[c]);
    if (!pool.head[c]) pool.tail[c] = last;
    pool.head[c] = first;
    b.head[c] = nullptr;
  }
  if (static_cast<std::size_t>(b.fresh_end - b.fresh) >= sizeof(ValueBlockPool::Rest)) {
    unpoison_value_block(b.fresh, sizeof(ValueBlockPool::Rest));
    pool.rests = ::new (b.fresh) ValueBlockPool::Rest{pool.rests, b.fresh_end};
    poison_value_block(b.fresh, sizeof(ValueBlockPool::Rest));
  }
  b.fresh = b.fresh_end = nullptr;
}
// Its destructor hands a thread's blocks over as the thread ends. Only a
// thread that took a slab (take_value_slab) registers one, so the hot paths
// never touch it; a thread that only frees blocks made elsewhere keeps them
// to its end, as before the pool.
struct ValueBlocksOwner {
  bool registered = false;
  ~ValueBlocksOwner() {
    if (registered) hand_over_value_blocks();
  }
};
thread_local ValueBlocksOwner t_value_blocks_owner;

// Takes the pool's blocks into this thread's lists, and a rest of a slab
// with room for a block of `size` as this thread's fresh space (its own
// rest, shorter than `size`, is left unused, as when it takes a new slab).
void adopt_value_blocks(std::size_t size) {
  ValueBlocks& b = t_value_blocks;
  ValueBlockPool& pool = g_value_pool;
  const std::lock_guard<std::mutex> held(pool.lock);
  for (std::size_t c = 0; c < ValueBlocks::k_classes; ++c) {
    if (!pool.head[c]) continue;
    link_free_block(pool.tail[c], b.head[c]);
    b.head[c] = pool.head[c];
    pool.head[c] = nullptr;
  }
  while (ValueBlockPool::Rest* r = pool.rests) {
    unpoison_value_block(r, sizeof(ValueBlockPool::Rest));
    pool.rests = r->next;
    char* const end = r->end;
    poison_value_block(r, sizeof(ValueBlockPool::Rest));
    if (static_cast<std::size_t>(end - reinterpret_cast<char*>(r)) >= size) {
      b.fresh = reinterpret_cast<char*>(r);
      b.fresh_end = end;
      return;
    }
    // Too short for this block, dropped: under 256 bytes, once per ended thread.
  }
}

}  // namespace

// Takes the pool first, then, if that brought no block of the class and no
// room, a new slab (the rest of the last one, too short for this block,
// stays unused).
void* take_value_slab(std::size_t size) {
  t_value_blocks_owner.registered = true;  // this thread's blocks go to the pool when it ends
  adopt_value_blocks(size);
  ValueBlocks& b = t_value_blocks;
  const std::size_t c = ValueBlocks::class_of(size);
  if (ValueBlocks::Free* f = b.head[c]) {
    unpoison_value_block(f, sizeof(ValueBlocks::Free));
    b.head[c] = f->next;
    return f;
  }
  if (static_cast<std::size_t>(b.fresh_end - b.fresh) >= size) {
    void* const p = b.fresh;
    b.fresh += size;
    return p;
  }
  char* const slab = static_cast<char*>(::operator new(ValueBlocks::k_slab_bytes));
  void* head = g_value_slabs.load(std::memory_order_relaxed);
  do *reinterpret_cast<void**>(slab) = head;
  while (!g_value_slabs.compare_exchange_weak(head, slab, std::memory_order_release, std::memory_order_relaxed));
  char* const first = slab + ValueBlocks::k_class_bytes;  // after the link, aligned as operator new's
  b.fresh = first + size;
  b.fresh_end = slab + ValueBlocks::k_slab_bytes;
  poison_value_block(b.fresh, static_cast<std::size_t>(b.fresh_end - b.fresh));
  return first;
}

}  // namespace paxsim::detail
