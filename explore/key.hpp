// A 128-bit state key: a strong hash (MurmurHash3's x64 128-bit mixing over
// 64-bit words) of a state's canonical word stream. With 2^128 keys the
// chance that two of even 10^9 distinct states share one is below 10^-20, so
// the visited set can keep keys only and still never prune a state silently
// (state_hash.hpp's 64-bit hash alone could).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace paxsim::explore {

struct Key {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  friend bool operator==(const Key&, const Key&) = default;
};

class KeyHasher {
 public:
  void add(std::uint64_t w) {
    if (!have_half_) {
      half_ = w;
      have_half_ = true;
      return;
    }
    mix(half_, w);
    have_half_ = false;
  }
  void add(std::span<const std::uint64_t> words) {
    for (std::uint64_t w : words) add(w);
  }
  void add_bytes(std::string_view s) {
    add(s.size());
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w = 0;
      for (std::size_t b = 0; b < 8; ++b) w |= std::uint64_t{static_cast<unsigned char>(s[i + b])} << (8 * b);
      add(w);
    }
    if (i < s.size()) {
      std::uint64_t w = 0;
      for (std::size_t b = 0; i + b < s.size(); ++b) w |= std::uint64_t{static_cast<unsigned char>(s[i + b])} << (8 * b);
      add(w);
    }
  }
  void add(const Key& k) {
    add(k.hi);
    add(k.lo);
  }

  Key finish() const {
    std::uint64_t h1 = h1_, h2 = h2_;
    if (have_half_) {
      std::uint64_t k1 = half_ * c1;
      k1 = rotl(k1, 31) * c2;
      h1 ^= k1;
    }
    const std::uint64_t len = count_ * 16 + (have_half_ ? 8 : 0);
    h1 ^= len;
    h2 ^= len;
    h1 += h2;
    h2 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 += h2;
    h2 += h1;
    return Key{h1, h2};
  }

 private:
  static constexpr std::uint64_t c1 = 0x87c37b91114253d5ull;
  static constexpr std::uint64_t c2 = 0x4cf5ad432745937full;
  static std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static std::uint64_t fmix(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
  }
  void mix(std::uint64_t k1, std::uint64_t k2) {
    k1 *= c1;
    k1 = rotl(k1, 31);
    k1 *= c2;
    h1_ ^= k1;
    h1_ = rotl(h1_, 27);
    h1_ += h2_;
    h1_ = h1_ * 5 + 0x52dce729;
    k2 *= c2;
    k2 = rotl(k2, 33);
    k2 *= c1;
    h2_ ^= k2;
    h2_ = rotl(h2_, 31);
    h2_ += h1_;
    h2_ = h2_ * 5 + 0x38495ab5;
    ++count_;
  }

  std::uint64_t h1_ = 0x9368e53c2f6af274ull;
  std::uint64_t h2_ = 0x586dcd208f7cd3fdull;
  std::uint64_t half_ = 0;
  std::uint64_t count_ = 0;
  bool have_half_ = false;
};

inline Key key_of(std::span<const std::uint64_t> words) {
  KeyHasher h;
  h.add(words);
  return h.finish();
}

}  // namespace paxsim::explore
