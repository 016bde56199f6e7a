// Record and replay of the run's random decisions (a tape).
//
// Every random choice the world makes goes through an Rng (sim/rng.hpp), one
// per stream: "network", "faults", "nemesis", "timers/nK", "disk/nK",
// "client/cK", "lock-client/cK". A decision is one call: a message's fate
// (dropped, or delivered once or twice and after what delay), a yes/no chance,
// an index, a number (a timeout, an fsync latency, a nemesis interval).
//
// Off (the default) an Rng draws from its seeded engine only, and the one
// extra cost is a null test per draw. On, each stream can:
// - record: every decision taken is appended, so the run's tape can be kept;
// - replay: each decision takes the stream's next tape entry, in order (one
//   entry per decision, whatever it holds, so that changing one entry does not
//   shift the ones after it). An entry that does not apply (the wrong kind, an
//   index out of range, a drop on a link that cannot lose) and decisions past
//   the end of the tape are drawn from the seeded engine instead, which goes on
//   from where it stood: a decision taken from the tape draws nothing from it.
//   So a tape of any length, edited in any way, gives one run, every time.
// Durations on a tape are clamped into their distribution's range, so a
// shrunk tape can say 0 for "as short as this link (disk, timer) allows".
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim::sim {

// One decision. `send`: a message's fate; `flag`: chance(); `integer`:
// below(), or a number written as an integer; `real`: unit() or a duration in
// ms.
struct Decision {
  enum class Kind : std::uint8_t { send, flag, integer, real };
  Kind kind = Kind::real;
  bool dropped = false;      // send
  std::uint8_t copies = 1;   // send: 1, or 2 when duplicated
  bool flag = false;         // flag
  std::uint64_t integer = 0; // integer
  double real = 0;           // real, and integer as a number
  Time_us delay_us[2] = {0, 0};  // send: per copy

  static Decision of_flag(bool v) {
    Decision d;
    d.kind = Kind::flag;
    d.flag = v;
    return d;
  }
  static Decision of_integer(std::uint64_t v) {
    Decision d;
    d.kind = Kind::integer;
    d.integer = v;
    d.real = static_cast<double>(v);
    return d;
  }
  static Decision of_real(double v) {
    Decision d;
    d.kind = Kind::real;
    d.real = v;
    return d;
  }
  bool is_number() const { return kind == Kind::integer || kind == Kind::real; }
  // No loss, no duplicate, and the shortest delay the link allows (a tape
  // writes 0 for that).
  bool simplest() const;
  bool operator==(const Decision&) const = default;
};

// A stream's decisions, as a scenario's "tape" holds them.
struct TapeStream {
  std::string stream;  // "network", "timers/n1", ...
  std::vector<Decision> decisions;
  bool operator==(const TapeStream&) const = default;
};
using Tape = std::vector<TapeStream>;

// One stream's side of record and replay.
class DecisionStream {
 public:
  DecisionStream(std::string name, const std::vector<Decision>* pinned) : name_(std::move(name)), pinned_(pinned) {}

  // The next pinned decision, or null past the end; always moves on by one.
  const Decision* take() {
    if (!pinned_ || next_ >= pinned_->size()) return nullptr;
    return &(*pinned_)[next_++];
  }
  void missed() { ++missed_; }  // a pinned decision that did not apply
  void put(const Decision& d) {
    if (recording_) recorded_.push_back(d);
  }

  const std::string& name() const { return name_; }
  const std::vector<Decision>& recorded() const { return recorded_; }
  std::size_t consumed() const { return next_; }
  std::uint64_t missed_count() const { return missed_; }
  void set_recording(bool on) { recording_ = on; }

 private:
  std::string name_;
  const std::vector<Decision>* pinned_;
  std::size_t next_ = 0;
  std::uint64_t missed_ = 0;
  bool recording_ = false;
  std::vector<Decision> recorded_;
};

// The run's streams, by name; addresses stay valid for the run.
class DecisionLog {
 public:
  explicit DecisionLog(const Tape& pinned) : pinned_(pinned) {}
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // The stream named `name`, created on first use with its pinned decisions.
  DecisionStream* stream(const std::string& name);
  void set_recording(bool on);
  bool recording() const { return recording_; }

  // What was decided, per stream that decided anything, in creation order:
  // replaying it gives this run again.
  Tape recorded() const;
  // Per stream: how many pinned decisions the run reached.
  std::vector<std::pair<std::string, std::size_t>> consumed() const;
  // Pinned decisions that did not apply.
  std::uint64_t missed() const;

 private:
  const Tape& pinned_;
  std::deque<DecisionStream> streams_;
  bool recording_ = false;
};

}  // namespace paxsim::sim
