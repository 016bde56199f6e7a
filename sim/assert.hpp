// Always-on assertions for paxsim's own invariants. A failure is a bug in
// paxsim (not in the protocol under test): it prints the condition and where,
// and exits with code 70.
#pragma once

namespace paxsim {
[[noreturn]] void assertion_failed(const char* condition, const char* file, int line);
}

#define PAXSIM_ASSERT(cond) \
  do { \
    if (!(cond)) ::paxsim::assertion_failed(#cond, __FILE__, __LINE__); \
  } while (0)
