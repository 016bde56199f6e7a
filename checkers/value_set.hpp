// A set of values for membership tests only (a checker's "was this ever
// proposed?"): open addressing, linear probing, one flat array of handles and
// their hashes, so an insert allocates only when the table doubles, never per
// value. It is never iterated, so its layout cannot leak into any result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "paxos/value.hpp"

namespace paxsim::checkers {

class ValueSet {
 public:
  void insert(const Value& v) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::size_t h = hash(v.view());
    Slot& s = probe(v, h);
    if (s.used) return;
    s = Slot{h, v, true};
    ++size_;
  }
  bool contains(const Value& v) const {
    if (slots_.empty()) return false;
    const std::size_t h = hash(v.view());
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (!s.used) return false;
      if (s.hash == h && s.value == v) return true;
    }
  }

 private:
  // Eight bytes at a time (a value is a short command), then a final mix.
  static std::size_t hash(std::string_view s) {
    std::uint64_t h = s.size() * 0x9e3779b97f4a7c15ull;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
      h ^= h >> 31;
    }
    if (i < s.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    }
    h ^= h >> 29;
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
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (!s.used || (s.hash == h && s.value == v)) return s;
    }
  }
  void grow() {
    std::vector<Slot> old(slots_.empty() ? 64 : slots_.size() * 2);
    old.swap(slots_);
    for (Slot& s : old)
      if (s.used) probe(s.value, s.hash) = std::move(s);
  }

  std::vector<Slot> slots_;  // a power of two in size, at most half full
  std::size_t size_ = 0;
};

}  // namespace paxsim::checkers
