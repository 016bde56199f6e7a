// A safety violation as a checker reports it, and the sink that keeps the
// first one of each invariant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim::checkers {

struct Violation {
  std::string invariant;
  std::uint64_t step = 0;
  Time_us time_us = 0;
  std::string message;                 // one line
  std::vector<std::string> evidence;   // the smallest facts that show it
};

class ViolationSink {
 public:
  void report(Violation v) {
    for (const Violation& seen : first_)
      if (seen.invariant == v.invariant) {
        ++count_;
        return;
      }
    ++count_;
    first_.push_back(std::move(v));
    any_ = true;
  }
  bool any() const { return any_; }
  // any(), as a flag a run loop can test after every step.
  const bool* any_flag() const { return &any_; }
  const std::vector<Violation>& first_of_each() const { return first_; }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<Violation> first_;
  std::uint64_t count_ = 0;
  bool any_ = false;
};

// The safety invariants, by name, and which apply to a protocol.
inline constexpr const char* k_synod_invariants[] = {"agreement", "validity", "promises", "quorums", "stability"};

}  // namespace paxsim::checkers
