#include "sim/decisions.hpp"

#include <algorithm>

#include "sim/rng.hpp"

namespace paxsim::sim {

bool Decision::simplest() const {
  switch (kind) {
    case Kind::send: return !dropped && copies == 1 && delay_us[0] == 0;
    case Kind::flag: return !flag;
    case Kind::integer: return integer == 0;
    case Kind::real: return real == 0;
  }
  return false;
}

DecisionStream* DecisionLog::stream(const std::string& name) {
  for (DecisionStream& s : streams_)
    if (s.name() == name) return &s;
  const std::vector<Decision>* pinned = nullptr;
  for (const TapeStream& t : pinned_)
    if (t.stream == name) pinned = &t.decisions;
  DecisionStream& s = streams_.emplace_back(name, pinned);
  s.set_recording(recording_);
  return &s;
}

void DecisionLog::set_recording(bool on) {
  recording_ = on;
  for (DecisionStream& s : streams_) s.set_recording(on);
}

Tape DecisionLog::recorded() const {
  Tape out;
  for (const DecisionStream& s : streams_)
    if (!s.recorded().empty()) out.push_back(TapeStream{s.name(), s.recorded()});
  return out;
}

std::vector<std::pair<std::string, std::size_t>> DecisionLog::consumed() const {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (const DecisionStream& s : streams_) out.emplace_back(s.name(), s.consumed());
  return out;
}

std::uint64_t DecisionLog::missed() const {
  std::uint64_t n = 0;
  for (const DecisionStream& s : streams_) n += s.missed_count();
  return n;
}

// ---------------------------------------------------------------- Rng, with a stream attached

namespace {

// The range a distribution draws from, in ms (hi < 0: no upper bound).
void range_of(const Distribution& d, double& lo, double& hi) {
  switch (d.kind) {
    case Distribution::Kind::constant: lo = hi = d.a; return;
    case Distribution::Kind::uniform: lo = d.a; hi = std::max(d.a, d.b); return;
    case Distribution::Kind::exponential: lo = 0; hi = d.b > 0 ? d.b : -1; return;
  }
}

double clamp_ms(double v, const Distribution& d) {
  double lo = 0, hi = 0;
  range_of(d, lo, hi);
  v = std::max(v, lo);
  return hi >= 0 ? std::min(v, hi) : v;
}

Time_us clamp_us(Time_us v, const Distribution& d) {
  double lo = 0, hi = 0;
  range_of(d, lo, hi);
  v = std::max(v, ms_to_us(lo));
  return hi >= 0 ? std::min(v, ms_to_us(hi)) : v;
}

}  // namespace

double Rng::taped_unit() {
  const Decision* d = tape_->take();
  double v;
  if (d && d->is_number() && d->real >= 0 && d->real < 1) {
    v = d->real;
  } else {
    if (d) tape_->missed();
    v = raw_unit();
  }
  tape_->put(Decision::of_real(v));
  return v;
}

bool Rng::taped_chance(double p) {
  const Decision* d = tape_->take();
  bool v;
  if (d && d->kind == Decision::Kind::flag) {
    v = d->flag;
  } else {
    if (d) tape_->missed();
    v = raw_unit() < p;
  }
  tape_->put(Decision::of_flag(v));
  return v;
}

std::uint64_t Rng::taped_below(std::uint64_t n) {
  const Decision* d = tape_->take();
  std::uint64_t v;
  if (d && d->kind == Decision::Kind::integer && d->integer < n) {
    v = d->integer;
  } else {
    if (d) tape_->missed();
    v = raw_below(n);
  }
  tape_->put(Decision::of_integer(v));
  return v;
}

double Rng::taped_draw_ms(const Distribution& d) {
  const Decision* t = tape_->take();
  double v;
  if (t && t->is_number() && t->real >= 0) {
    v = clamp_ms(t->real, d);
  } else {
    if (t) tape_->missed();
    v = raw_draw_ms(d);
  }
  tape_->put(Decision::of_real(v));
  return v;
}

Decision Rng::taped_send_fate(const LinkModel& link) {
  const Decision* t = tape_->take();
  Decision f;
  // A tape may not lose or duplicate on a link that cannot.
  if (t && t->kind == Decision::Kind::send && (!t->dropped || link.drop > 0) &&
      (t->dropped || t->copies == 1 || (t->copies == 2 && link.duplicate > 0))) {
    f = *t;
    if (f.dropped) {
      f.copies = 1;
      f.delay_us[0] = f.delay_us[1] = 0;
    } else {
      for (int c = 0; c < 2; ++c) f.delay_us[c] = c < f.copies ? clamp_us(f.delay_us[c], link.delay_ms) : 0;
    }
  } else {
    if (t) tape_->missed();
    f = raw_send_fate(link, Delay(link.delay_ms));
  }
  tape_->put(f);
  return f;
}

}  // namespace paxsim::sim
