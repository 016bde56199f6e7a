// Delay draws (sim/rng.hpp): `draw_us(Delay(d))` is a fast path for a
// message's delay and a write's fsync, and every run's steps hang on it giving
// the microseconds `draw_us(d)` gives, from the same generator state, drawing
// the same number of times. Checked here over the distributions its usual
// draw takes (wide and narrow uniform ranges, a low end at the 0.5 µs edge, a
// high end just under 2^52 µs), those it takes by paths of their own (a
// constant or an empty range, kept as microseconds; an exponential, with or
// without a cap) and those it must hand to the general draw (a negative
// range, a low end just under 0.5 µs, a range past 2^52 µs, any draw with a
// tape attached); and its rounding, half up, against llround where a draw
// lands exactly on .5 µs. (Every draw is also checked against llround of the
// milliseconds drawn.) A message's fate drawn through the link's Delay is
// checked against its draws taken one by one.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/decisions.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

using paxsim::Time_us;
using paxsim::sim::Delay;
using paxsim::sim::Distribution;
using paxsim::sim::Rng;

namespace {

constexpr int k_draws = 2'000;

std::string describe(const Distribution& d) {
  return "kind " + std::to_string(static_cast<int>(d.kind)) + " a " + std::to_string(d.a) + " b " +
         std::to_string(d.b);
}

// Two generators from one seed: one draws through Delay, the other through
// the general draw. They must agree on every draw and still agree afterwards
// (the same number of engine draws taken), and each draw must be llround of
// the milliseconds a third generator draws.
void check_same_draws(const Distribution& d, std::uint64_t seed) {
  INFO(describe(d));
  const Delay delay(d);
  Rng fast(seed, "network");
  Rng general(seed, "network");
  Rng plain(seed, "network");
  for (int i = 0; i < k_draws; ++i) {
    const Time_us got = fast.draw_us(delay);
    REQUIRE(got == general.draw_us(d));
    if (delay.constant()) REQUIRE(got == delay.constant_us());
    const double ms = plain.draw_ms(d);
    REQUIRE(got == std::llround(ms * 1000.0));
  }
  CHECK(fast.below(std::uint64_t{1} << 62) == general.below(std::uint64_t{1} << 62));
}

// A range one double wide, [a, next above a): every draw is exactly a (a draw
// that rounds up to the next double is not below it and is drawn again).
Distribution at(double a) { return Distribution::uniform(a, std::nextafter(a, 2 * a + 1)); }

}  // namespace

TEST_CASE("delay: the fast draw gives the general draw's microseconds, from the same generator state") {
  const std::vector<Distribution> taken = {
      Distribution::uniform(1, 10),                     // the default link
      Distribution::uniform(0.5, 5000),                 // wide
      Distribution::uniform(2, 2.003),                  // narrow: three microseconds wide
      Distribution::uniform(7.25, 7.2500001),           // narrower than a microsecond
      at(3.0),                                          // one double wide
      Distribution::uniform(0.0005, 0.002),             // a * 1000 = 0.5, the edge it takes
      at(0.0005),                                       // and nothing but that edge
      Distribution::uniform(1, 0x1p52 / 1000 * 0.999),  // b * 1000 just under 2^52
  };
  const std::vector<Distribution> refused = {
      Distribution::constant(3.2),
      Distribution::constant(0.0004),
      Distribution::uniform(4, 4),                                         // empty: a, no draw
      Distribution::uniform(5, 2),                                         // reversed: a, no draw
      Distribution::uniform(0, 10),                                        // a * 1000 below 0.5
      Distribution::uniform(-3, 3),                                        // negative draws
      Distribution::uniform(-0.0015, -0.0005),                             // negative .5 boundaries
      Distribution::uniform(std::nextafter(0.0005, 0.0), 0.001),           // just under the edge
      at(std::nextafter(0.0005, 0.0)),                                     // and nothing but that
      Distribution::exponential(2, 0),
      Distribution::exponential(2, 5),
      Distribution::exponential(0.3, 1.1),                                 // capped often
      Distribution::exponential(std::nextafter(0.0005, 0.0), 0),           // rounds near .5 µs
      Distribution::uniform(0x1p52 / 1000, 0x1p52 / 1000 * 4),             // past 2^52 µs
  };
  for (const Distribution& d : taken)
    for (std::uint64_t seed : {1u, 42u, 977u}) check_same_draws(d, seed);
  for (const Distribution& d : refused)
    for (std::uint64_t seed : {1u, 42u, 977u}) check_same_draws(d, seed);
}

TEST_CASE("delay: a range below 0.5 µs is drawn as llround rounds, where truncating x + 0.5 would not") {
  // Truncating x + 0.5 rounds half up for x >= 0.5 only. Below, a negative
  // delay (a misconfigured range) would round toward zero: -0.7 µs + 0.5 is
  // -0.2, truncated to 0, where llround gives -1. Delay must hand such a
  // range to the general draw.
  const double a = -0.0007;
  const double x = a * 1000.0;
  REQUIRE(static_cast<Time_us>(x + 0.5) == 0);  // the trap the check guards against
  REQUIRE(std::llround(x) == -1);
  Rng rng(5, "disk", 1);
  for (int i = 0; i < 100; ++i) CHECK(rng.draw_us(Delay(at(a))) == -1);
  // Positive but under 0.5 µs: 0, either way.
  for (int i = 0; i < 100; ++i) CHECK(rng.draw_us(Delay(Distribution::uniform(0.0001, 0.0004999))) == 0);
}

TEST_CASE("delay: a draw that lands on .5 µs rounds half up, as llround does") {
  int exact = 0;
  for (std::int64_t k = 0; k < 5000; k += 7) {
    const double a = (static_cast<double>(k) + 0.5) / 1000.0;
    const double x = a * 1000.0;
    if (x != static_cast<double>(k) + 0.5) continue;  // the product is not exactly k + 0.5
    ++exact;
    INFO("k = " << k);
    const Distribution d = at(a);
    Rng fast(k, "disk");
    Rng general(k, "disk");
    const Time_us got = fast.draw_us(Delay(d));
    CHECK(got == k + 1);
    CHECK(got == std::llround(x));
    CHECK(got == general.draw_us(d));
  }
  CHECK(exact > 300);  // most of the 715 candidates land exactly
  // And the values just either side of a boundary.
  for (double x : {1.5, 2.5, 1000.5, 123456.5}) {
    for (double y : {std::nextafter(x, 0.0), x, std::nextafter(x, 2 * x)}) {
      const double a = y / 1000.0;
      if (a * 1000.0 != y) continue;
      INFO("x = " << y);
      Rng fast(9, "disk");
      CHECK(fast.draw_us(Delay(at(a))) == std::llround(y));
    }
  }
}

TEST_CASE("delay: with a tape attached, both draws go through it alike") {
  for (const Distribution& d : {Distribution::uniform(1, 10), Distribution::uniform(0.0005, 0.002),
                                Distribution::exponential(3, 20), Distribution::constant(2.5)}) {
    INFO(describe(d));
    paxsim::sim::DecisionStream fast_stream("network", nullptr);
    paxsim::sim::DecisionStream general_stream("network", nullptr);
    fast_stream.set_recording(true);
    general_stream.set_recording(true);
    Rng fast(3, "network");
    Rng general(3, "network");
    fast.attach(&fast_stream);
    general.attach(&general_stream);
    const Delay delay(d);
    for (int i = 0; i < 200; ++i) REQUIRE(fast.draw_us(delay) == general.draw_us(d));
    CHECK(fast_stream.recorded() == general_stream.recorded());
    // A constant is no decision: nothing recorded.
    CHECK(fast_stream.recorded().size() == (d.kind == Distribution::Kind::constant ? 0u : 200u));
  }
}

TEST_CASE("delay: a message's fate drawn through the link's Delay takes the draws one by one would") {
  using paxsim::sim::Decision;
  using paxsim::sim::LinkModel;
  const std::vector<Distribution> delays = {
      Distribution::uniform(1, 10), Distribution::uniform(0, 10), Distribution::constant(4.2),
      Distribution::exponential(5, 30), Distribution::exponential(5, 0)};
  for (const Distribution& d : delays) {
    for (const double drop : {0.0, 0.2}) {
      for (const double duplicate : {0.0, 0.3}) {
        INFO(describe(d) << " drop " << drop << " duplicate " << duplicate);
        const LinkModel link{d, drop, duplicate};
        const Delay delay(d);
        Rng fast(11, "network");
        Rng general(11, "network");
        for (int i = 0; i < k_draws; ++i) {
          const Decision f = fast.send_fate(link, delay);
          // The same draws, in send_fate's order: lost, duplicated, a delay per copy.
          const bool dropped = general.chance(drop);
          REQUIRE(f.dropped == dropped);
          if (dropped) continue;
          const int copies = general.chance(duplicate) ? 2 : 1;
          REQUIRE(f.copies == copies);
          for (int c = 0; c < copies; ++c) REQUIRE(f.delay_us[c] == general.draw_us(d));
        }
        CHECK(fast.below(std::uint64_t{1} << 62) == general.below(std::uint64_t{1} << 62));
      }
    }
  }
}
