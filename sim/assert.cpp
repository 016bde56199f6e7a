#include "sim/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace paxsim {

void assertion_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "paxsim: internal error: assertion failed: %s (%s:%d)\n", condition, file, line);
  std::fflush(stderr);
  std::_Exit(70);
}

}  // namespace paxsim
