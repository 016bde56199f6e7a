// Local clocks. Every endpoint (node or client) reads its own clock, never
// true time: local = local_base + (true - true_base) x (1 + drift_ppm / 1e6),
// one linear piece per `clock` action. With one action at time 0 (or none)
// that is the spec's local = true x (1 + drift) + offset.
//
// A `clock` action at true time t re-bases the clock there: it keeps reading
// what it read at t, plus `offset_ms` (a step, as NTP might make), and runs at
// 1 + drift_ppm / 1e6 true speed from then on. A field left out keeps its
// value (no step; the same rate). The rate must stay positive.
//
// Timers measure intervals on the local oscillator (like CLOCK_MONOTONIC): a
// step does not move them, and an interval is converted to true time at the
// rate in force when the timer is set.
#pragma once

#include <cstdint>
#include <optional>

#include "paxos/types.hpp"

namespace paxsim::sim {

class LocalClock {
 public:
  // The reading at true time `true_us` (>= the last re-base).
  // Inline: every node step reads its clock, and most clocks never drift.
  // Without drift the reading is true time plus a fixed offset, asked by a
  // flag (comparing the rate, a double, with 0 cost a few instructions more).
  Time_us local_at(Time_us true_us) const {
    if (!drifts_) return true_us + offset_us_;
    return true_base_us_ + offset_us_ + drifted(true_us - true_base_us_);
  }
  // How long in true time a local interval lasts at the current rate (at
  // least 1 µs for a positive interval; exactly `local_us` at drift 0).
  Time_us true_duration(Time_us local_us) const;
  // A `clock` action at true time `now_us`.
  void set(Time_us now_us, std::optional<double> offset_ms, std::optional<double> drift_ppm);

  double drift_ppm() const { return drift_ppm_; }
  bool is_true_time() const { return !drifts_ && offset_us_ == 0; }

 private:
  Time_us drifted(Time_us elapsed) const;  // elapsed true time, on this clock (drift_ppm_ != 0)
  Time_us true_base_us_ = 0;
  Time_us offset_us_ = 0;  // the reading at true_base_us_, minus true_base_us_
  double drift_ppm_ = 0;
  bool drifts_ = false;    // drift_ppm_ != 0
};

}  // namespace paxsim::sim
