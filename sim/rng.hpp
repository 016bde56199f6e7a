// Randomness, all of it. One root seed; each component (the network, each
// disk, each node's timers, the nemesis, fault resolution) draws from its own
// stream, derived from (seed, component name, index), so that a draw added in
// one place does not shift the choices of every other component.
// Boost.Random engines and distributions give the same numbers on every
// platform, which std:: distributions do not promise.
// Each stream can also record its decisions and replay them from a tape
// (sim/decisions.hpp); off, that costs a null test per draw.
#pragma once

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cstdint>
#include <limits>
#include <string_view>

#include "sim/decisions.hpp"
#include "sim/scenario.hpp"

namespace paxsim::sim {

// splitmix64: a bijective mixer, used to derive stream seeds.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

constexpr std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

// stream seed = mix64(mix64(seed) ^ fnv1a(component) ^ mix64(index + 1))
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::string_view component, std::uint64_t index) {
  return mix64(mix64(seed) ^ fnv1a(component) ^ mix64(index + 1));
}

// xoshiro256** (Blackman and Vigna, 2018): 256 bits of state, period 2^256 - 1,
// a handful of instructions per 64-bit draw. Seeded by running splitmix64
// (mix64 over a counter) from the stream seed, which never gives the
// all-zero state from which it could not move. A Boost.Random engine: its
// distributions take it as they take any other.
class Xoshiro256 {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  explicit Xoshiro256(std::uint64_t seed = 0) {
    for (int i = 0; i < 4; ++i) s_[i] = mix64(seed + static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ull);
  }
  result_type operator()() {
    const std::uint64_t out = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return out;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// A distribution in milliseconds, checked once for the usual case of a
// delay (a message's, a write's fsync): a uniform range [a, b) with
// a < b and a * 1000 at least 0.5 and b * 1000 below 2^52. A draw from it
// skips the tests every draw from a Distribution makes (its kind, an empty
// range, a range too wide for a double, a microsecond count too large or
// negative to round by hand), the same draw to the bit.
// The kinds fuzz runs draw besides are sorted out once too: a constant (or
// an empty range) is its microseconds, worked out here (it draws nothing,
// taped or not), and an exponential keeps its rate and its cap, so that its
// draw, untaped, is the general one without the tests and the division
// that make the rate.
class Delay {
 public:
  explicit Delay(const Distribution& d)
      : d_(d),
        usual_(d.kind == Distribution::Kind::uniform && d.a * 1000.0 >= 0.5 && d.a < d.b && d.b * 1000.0 < 0x1p52),
        other_(d.kind == Distribution::Kind::exponential ? Other::exponential
               : d.draws_nothing()                        ? Other::constant
                                                          : Other::general),
        width_(d.b - d.a),
        scale_(width_ * 0x1p-64),
        rate_(other_ == Other::exponential ? 1.0 / d.a : 0),
        // exponential: b > 0 caps it; no cap (b = 0) caps nothing
        cap_(d.b > 0 ? d.b : std::numeric_limits<double>::infinity()),
        constant_us_(other_ == Other::constant ? ms_to_us(d.a) : 0) {}
  const Distribution& distribution() const { return d_; }
  // A constant (or an empty range) draws nothing, taped or not: its
  // microseconds, for callers that take a constant without a call.
  bool constant() const { return other_ == Other::constant; }
  // The usual case: Rng::draw_usual_us draws from it.
  bool usual() const { return usual_; }
  Time_us constant_us() const { return constant_us_; }

 private:
  friend class Rng;
  // How a draw that is not the usual one goes.
  enum class Other : std::uint8_t { general, constant, exponential };
  Distribution d_;
  bool usual_;
  Other other_;
  double width_;  // b - a, as raw_uniform computes it
  double scale_;  // width_ / 2^64, exact (see uniform_below)
  double rate_;   // exponential: 1 / a, as raw_draw_ms computes it
  double cap_;    // exponential: b, or infinity for none
  Time_us constant_us_;  // constant: ms_to_us(a)
};

class Rng {
 public:
  Rng() = default;
  Rng(std::uint64_t seed, std::string_view component, std::uint64_t index = 0)
      : engine_(stream_seed(seed, component, index)) {}

  // Record and replay: decisions go through `stream` from now on (null: off).
  void attach(DecisionStream* stream) { tape_ = stream; }

  double unit() { return tape_ ? taped_unit() : raw_unit(); }
  // true with probability p; exactly never for p = 0 and always for p = 1
  // (neither draws, nor is a decision).
  bool chance(double p) {
    if (!(p > 0)) return false;
    if (p >= 1) return true;
    return tape_ ? taped_chance(p) : raw_unit() < p;
  }
  // uniform in [0, n); n > 0
  std::uint64_t below(std::uint64_t n) { return tape_ ? taped_below(n) : raw_below(n); }

  // A constant (or an empty range) draws nothing, and is not a decision.
  // Inline, to the bit the same draw: a uniform one untaped (a message's
  // delay, a write's fsync) is a handful of instructions, less than a call.
  [[gnu::always_inline]] double draw_ms(const Distribution& d) {
    if (d.kind == Distribution::Kind::uniform && !tape_) [[likely]]
      return d.b <= d.a ? d.a : raw_uniform(d.a, d.b);
    return draw_ms_other(d);
  }
  // Always inline too: GCC left it a call on every write (the disk's delay).
  [[gnu::always_inline]] Time_us draw_us(const Distribution& d) { return ms_to_us(draw_ms(d)); }
  // draw_us(d.distribution()), to the bit; its usual case untaped in a few
  // instructions: raw_uniform's loop (uniform_below), then ms_to_us for x = ms * 1000 known
  // to be in [0.5, 2^52). There, 0.5 is a multiple of x's last bit, so
  // x + 0.5 is exact, or else at least the power of two above x (an integer)
  // and rounded by less than 1/2: its truncation is x rounded half up,
  // llround's rounding for x >= 0. (Below 0.5 it is not: 0.5 - 2^-54 + 0.5
  // rounds to 1.)
  [[gnu::always_inline]] Time_us draw_us(const Delay& d) {
    if (d.usual_ && !tape_) [[likely]] return usual_us(d);
    return draw_us_other(d);
  }
  // draw_us(d) for a usual `d` (Delay::usual) from an untaped stream, both
  // asked by the caller once for many draws: no test at all.
  [[gnu::always_inline]] Time_us draw_usual_us(const Delay& d) { return usual_us(d); }
  // draw_us(d) for a `d` that is not usual, from an untaped stream (asked
  // as for draw_usual_us): a call, none of the usual draw's code in line.
  Time_us draw_unusual_us(const Delay& d) { return draw_us_other(d); }

  // A message's fate on `link`, one decision: lost (drop), else duplicated
  // (duplicate), then a delay per copy. The same draws, in the same order, as
  // drawing each in turn. `delay_ms` is Delay(link.delay_ms) (the network
  // keeps it), through which an untaped fate draws its delays.
  Decision send_fate(const LinkModel& link, const Delay& delay_ms) {
    return tape_ ? taped_send_fate(link) : raw_send_fate(link, delay_ms);
  }
  // Decisions go through a tape (recorded or replayed).
  bool taped() const { return tape_ != nullptr; }

 private:
  // draw_us(Delay)'s usual case, untaped.
  [[gnu::always_inline]] Time_us usual_us(const Delay& d) {
    const double x = uniform_below(d.d_.a, d.scale_, d.d_.b) * 1000.0;
    return static_cast<Time_us>(x + 0.5);
  }
  // draw_us(d) as if untaped: ms_to_us(raw_draw_ms(d.distribution())) to the
  // bit, a constant's and an exponential's without raw_draw_ms's tests.
  [[gnu::always_inline]] Time_us raw_draw_us(const Delay& d) {
    if (d.usual_) return usual_us(d);
    switch (d.other_) {
      case Delay::Other::constant: return d.constant_us_;
      case Delay::Other::exponential: return ms_to_us(raw_exponential(d.rate_, d.cap_));
      case Delay::Other::general: break;
    }
    return ms_to_us(raw_draw_ms(d.d_));
  }
  // draw_us(Delay), for every draw but its usual one untaped. A constant
  // draws nothing, taped or not.
  [[gnu::noinline]] Time_us draw_us_other(const Delay& d) {
    if (d.other_ == Delay::Other::constant) return d.constant_us_;
    if (tape_) return ms_to_us(taped_draw_ms(d.d_));
    return raw_draw_us(d);
  }
  // draw_ms, for every draw but an untaped uniform one.
  [[gnu::noinline]] double draw_ms_other(const Distribution& d) {
    if (d.draws_nothing()) return d.a;
    return tape_ ? taped_draw_ms(d) : raw_draw_ms(d);
  }
  double raw_unit() { return boost::random::uniform_01<double>()(engine_); }
  bool raw_chance(double p) { return p > 0 && (p >= 1 || raw_unit() < p); }
  std::uint64_t raw_below(std::uint64_t n) {
    return boost::random::uniform_int_distribution<std::uint64_t>(0, n - 1)(engine_);
  }
  double raw_draw_ms(const Distribution& d) {
    switch (d.kind) {
      case Distribution::Kind::constant: return d.a;
      case Distribution::Kind::uniform:
        if (d.b <= d.a) return d.a;
        return raw_uniform(d.a, d.b);
      case Distribution::Kind::exponential:
        return raw_exponential(1.0 / d.a, d.b > 0 ? d.b : std::numeric_limits<double>::infinity());
    }
    return d.a;
  }
  // An exponential draw of `rate` (1 / mean), capped at `cap` (infinity: no
  // cap; v > cap is then false, an infinite v included).
  double raw_exponential(double rate, double cap) {
    const double v = boost::random::exponential_distribution<double>(rate)(engine_);
    return v > cap ? cap : v;
  }
  // boost::random::uniform_real_distribution<double>(a, b)(engine_), to the
  // bit, inline: its draw is engine() / 2^64 * (b - a) + a, again while not
  // below b, and dividing by 2^64 is multiplying by 2^-64 exactly. (The
  // distribution halves ranges too wide for a double; those go to it.)
  // So do ranges too narrow for uniform_below's scale to be exact (b - a
  // below 2^-958), which no scenario draws from.
  [[gnu::always_inline]] double raw_uniform(double a, double b) {
    if (b / 2 - a / 2 > std::numeric_limits<double>::max() / 2 || b - a < 0x1p-958) [[unlikely]]
      return raw_uniform_wide(a, b);
    return uniform_below(a, (b - a) * 0x1p-64, b);
  }
  // raw_uniform's loop for a range a double holds, scale = (b - a) / 2^64 (a
  // Delay keeps it, worked out once). The draw is engine() / 2^64 * (b - a)
  // + a to the bit, one multiply fewer: dividing by 2^64 is exact on either
  // side of the multiply by b - a (neither an engine's draw over 2^64 nor
  // b - a over 2^64 is below the least normal double, 2^-1022; a Delay's
  // b - a is at least a's last bit, a >= 0.0005), so the one rounding there
  // is of the same product.
  [[gnu::always_inline]] double uniform_below(double a, double scale, double b) {
    static_assert(Xoshiro256::max() == ~std::uint64_t{0});  // draws span [0, 2^64)
    for (;;) {
      const double result = static_cast<double>(engine_()) * scale + a;
      if (result < b) return result;
    }
  }
  [[gnu::noinline]] double raw_uniform_wide(double a, double b) {
    return boost::random::uniform_real_distribution<double>(a, b)(engine_);
  }
  Decision raw_send_fate(const LinkModel& link, const Delay& delay_ms) {
    Decision f;
    f.kind = Decision::Kind::send;
    if (raw_chance(link.drop)) {
      f.dropped = true;
      return f;
    }
    if (raw_chance(link.duplicate)) f.copies = 2;
    for (int c = 0; c < f.copies; ++c) f.delay_us[c] = raw_draw_us(delay_ms);
    return f;
  }
  // With a stream attached (sim/decisions.cpp).
  double taped_unit();
  bool taped_chance(double p);
  std::uint64_t taped_below(std::uint64_t n);
  double taped_draw_ms(const Distribution& d);
  Decision taped_send_fate(const LinkModel& link);

  DecisionStream* tape_ = nullptr;
  Xoshiro256 engine_{0};
};

}  // namespace paxsim::sim
