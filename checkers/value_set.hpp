// A set of values for membership tests only (a checker's "was this ever
// proposed?"): open addressing, linear probing, one flat array of handles and
// their hashes, so an insert allocates only when the table doubles, never per
// value. It is never iterated, so its layout cannot leak into any result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "paxos/value.hpp"

namespace paxsim::checkers {

class ValueSet {
 public:
  // In line, the usual insert (a table with room, and the value's first
  // slot free, as a table at most half full mostly has) calls nothing, so it
  // saves no registers: an insert is made per proposal. Anything else (a
  // table to grow, a slot taken, to compare with) is out of line.
  void insert(const Value& v) {
    if ((size_ + 1) * 2 <= mask_ + 1) [[likely]] {  // (an empty table's mask is 0: it grows)
      const std::size_t h = hash(v);
      Slot& s = slots_[h & mask_];
      if (!s.used) [[likely]]
        return fill(s, h, v);
    }
    insert_slow(v);
  }
  // Room for `n` values without growing.
  void reserve(std::size_t n) {
    std::size_t slots = 64;
    while (slots < 2 * n) slots *= 2;
    if (slots > slots_.size()) rehash(slots);
  }
  // Whether the very handle `v` is in the set (its text might be, by
  // another handle, when this says no): a test that calls nothing.
  bool contains_handle(const Value& v) const {
    if (slots_.empty()) return false;
    for (std::size_t i = hash(v) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return false;
      if (s.value.same_text(v)) return true;
    }
  }
  bool contains(const Value& v) const {
    if (slots_.empty()) return false;
    const std::size_t h = hash(v);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return false;
      if (s.hash == h && s.value == v) return true;
    }
  }

 private:
  // The value's text hash (made once with the value), mixed so that its low
  // bits, which pick the slot, depend on all of it.
  static std::size_t hash(const Value& v) {
    std::uint64_t h = v.text_hash();
    h ^= h >> 31;
    h *= 0x94d049bb133111ebull;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }

  struct Slot {
    std::size_t hash = 0;
    Value value;
    bool used = false;
  };
  // The slot holding `v`, or the empty one where it belongs.
  Slot& probe(const Value& v, std::size_t h) {
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used || (s.hash == h && s.value == v)) return s;
    }
  }
  // Filled in place: the slot's empty handle, with nothing to release, is
  // made a count on v's text.
  void fill(Slot& s, std::size_t h, const Value& v) {
    s.hash = h;
    std::construct_at(&s.value, v);
    s.used = true;
    ++size_;
  }
  [[gnu::noinline]] void insert_slow(const Value& v) {
    if ((size_ + 1) * 2 > mask_ + 1) rehash(slots_.empty() ? 64 : slots_.size() * 2);
    const std::size_t h = hash(v);
    Slot& s = probe(v, h);
    if (!s.used) fill(s, h, v);
  }
  void rehash(std::size_t size) {
    std::vector<Slot> old(size);
    old.swap(slots_);
    mask_ = size - 1;
    for (Slot& s : old)
      if (s.used) probe(s.value, s.hash) = std::move(s);
  }

  std::vector<Slot> slots_;  // a power of two in size, at most half full
  std::size_t mask_ = 0;     // slots_.size() - 1, kept (a vector's size divides by the slot's size)
  std::size_t size_ = 0;
};

}  // namespace paxsim::checkers
