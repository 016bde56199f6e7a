#include "sim/clock.hpp"

#include <cmath>

#include "sim/assert.hpp"

namespace paxsim::sim {

Time_us LocalClock::drifted(Time_us elapsed) const {
  return static_cast<Time_us>(std::llround(static_cast<double>(elapsed) * (1.0 + drift_ppm_ * 1e-6)));
}

Time_us LocalClock::true_duration(Time_us local_us) const {
  if (drift_ppm_ == 0 || local_us <= 0) return local_us;
  const double t = std::ceil(static_cast<double>(local_us) / (1.0 + drift_ppm_ * 1e-6));
  return std::max<Time_us>(1, static_cast<Time_us>(t));
}

void LocalClock::set(Time_us now_us, std::optional<double> offset_ms, std::optional<double> drift_ppm) {
  const Time_us reading = local_at(now_us);
  true_base_us_ = now_us;
  offset_us_ = reading + (offset_ms ? static_cast<Time_us>(std::llround(*offset_ms * 1000.0)) : 0) - now_us;
  if (drift_ppm) drift_ppm_ = *drift_ppm;
  drifts_ = drift_ppm_ != 0;
  PAXSIM_ASSERT(drift_ppm_ > -1e6);
}

}  // namespace paxsim::sim
