// A hash map in one array (open addressing, linear probing) for the tables
// the protocol looks up on every command: the key-value store's data and a
// leader's set of queued commands. A lookup is a hash, an index and, on a
// match of the stored hash, one key comparison; an insertion allocates only
// when the array doubles (std::unordered_map allocates a node per element
// and chases a pointer per lookup). Erasing shifts the following cells of
// the probe run back (no tombstones), so a table that churns stays short.
//
// There is no iteration: the order of the cells depends on the hashes and on
// the history of insertions, and nothing a node does may depend on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace paxsim {

// Equality of short texts (keys of a few bytes), compared in line: a call to
// memcmp costs more than such a comparison. For the tables keyed by text.
// The first and last bytes first: a key of one or two bytes (the kv
// workloads' "k1".."k8") is then compared without a loop, or the setting up
// of one (asked first: GCC entered the loop to test its end).
struct ShortTextEq {
  bool operator()(std::string_view a, std::string_view b) const noexcept {
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    if (n == 0) return true;
    if (a[0] != b[0] || a[n - 1] != b[n - 1]) return false;
    if (n <= 2) return true;
    for (std::size_t i = 1; i + 1 < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
};

// `Eq` compares a stored key with a looked-up one (std::equal_to<> by default).
template <class K, class V, class Hash, class Eq = std::equal_to<>>
class FlatHashMap {
 public:
  // The value stored under `k`, or null.
  template <class Q>
  V* find(const Q& k) {
    if (size_ == 0) return nullptr;
    return find(k, Hash{}(k));
  }
  // The same, with `k`'s hash known (it must be Hash{}(k)).
  template <class Q>
  V* find(const Q& k, std::uint64_t h) {
    if (size_ == 0) return nullptr;
    for (std::size_t i = h & mask(); cells_[i].used; i = (i + 1) & mask())
      if (cells_[i].hash == h && Eq{}(cells_[i].key, k)) return &cells_[i].value;
    return nullptr;
  }
  template <class Q>
  const V* find(const Q& k) const {
    return const_cast<FlatHashMap*>(this)->find(k);
  }
  template <class Q>
  bool contains(const Q& k) const {
    return find(k) != nullptr;
  }
  // The value stored under `k`, value-initialized first if there is none.
  V& operator[](const K& k) { return *slot_for(k).first; }
  // Stores `k` (its value value-initialized) unless it is there; true if it
  // was not. One lookup, for a table used as a set.
  bool insert(const K& k) { return slot_for(k).second; }
  // Removes `k`; true if it was there.
  template <class Q>
  bool erase(const Q& k) {
    if (size_ == 0) return false;
    const std::uint64_t h = Hash{}(k);
    std::size_t i = h & mask();
    for (;; i = (i + 1) & mask()) {
      if (!cells_[i].used) return false;
      if (cells_[i].hash == h && Eq{}(cells_[i].key, k)) break;
    }
    // Backward shift: each later cell of the run that may live in the hole
    // (its home is not between the hole and itself) moves into it, leaving
    // a hole where it was, until the run ends.
    for (std::size_t j = (i + 1) & mask(); cells_[j].used; j = (j + 1) & mask()) {
      const std::size_t home = cells_[j].hash & mask();
      if (((j - home) & mask()) < ((j - i) & mask())) continue;  // its home lies after the hole
      cells_[i].hash = cells_[j].hash;
      cells_[i].key = std::move(cells_[j].key);
      cells_[i].value = std::move(cells_[j].value);
      i = j;
    }
    Cell& hole = cells_[i];
    hole.used = false;
    hole.key = K{};  // lets go of what it held (a value handle's share of its text)
    hole.value = V{};
    --size_;
    return true;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    if (size_ == 0) return;
    for (Cell& c : cells_) c = Cell{};
    size_ = 0;
  }

 private:
  struct Cell {
    std::uint64_t hash = 0;
    bool used = false;
    K key{};
    V value{};
  };
  // cells_.size() - 1, kept: a vector's size divides by the cell's size.
  std::size_t mask() const { return mask_; }
  // The value under `k`, and whether it was just added.
  std::pair<V*, bool> slot_for(const K& k) {
    if ((size_ + 1) * 2 > cells_.size()) grow();  // at most half full: probe runs stay short
    const std::uint64_t h = Hash{}(k);
    std::size_t i = h & mask();
    for (; cells_[i].used; i = (i + 1) & mask())
      if (cells_[i].hash == h && Eq{}(cells_[i].key, k)) return {&cells_[i].value, false};
    Cell& c = cells_[i];
    c.used = true;
    c.hash = h;
    c.key = k;
    c.value = V{};
    ++size_;
    return {&c.value, true};
  }
  void grow() {
    std::vector<Cell> old = std::exchange(cells_, std::vector<Cell>(cells_.empty() ? 16 : cells_.size() * 2));
    mask_ = cells_.size() - 1;
    for (Cell& c : old) {
      if (!c.used) continue;
      std::size_t i = c.hash & mask();
      while (cells_[i].used) i = (i + 1) & mask();
      cells_[i] = std::move(c);
    }
  }

  std::vector<Cell> cells_;  // a power of two long (or empty)
  std::size_t mask_ = 0;     // cells_.size() - 1 (0 while empty: size_ is 0 then, and nothing probes)
  std::size_t size_ = 0;
};

}  // namespace paxsim
