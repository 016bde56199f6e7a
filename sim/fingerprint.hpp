// The run's fingerprint: a running 64-bit hash over every step. Each 64-bit
// word w is folded in as h = (h ^ w) * 0x9e3779b97f4a7c15; h ^= h >> 29,
// starting from h = 0xcbf29ce484222325; byte strings go in as their length,
// then 8 bytes at a time (little-endian, the last word zero-padded). Cheap
// enough to run on every step of every run.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace paxsim::sim {

class Fingerprint {
 public:
  void add(std::uint64_t w) {
    h_ = (h_ ^ w) * 0x9e3779b97f4a7c15ull;
    h_ ^= h_ >> 29;
  }
  void add_bytes(std::string_view s) {
    add(s.size());
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      add(w);
    }
    if (i < s.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      add(w);
    }
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace paxsim::sim
