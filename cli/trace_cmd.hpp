// `paxsim trace convert IN --to shiviz|chrome|html [-o OUT]` and
// `paxsim stats TRACE [--json]` (also `paxsim trace stats`): commands over a
// trace file written by `paxsim run --trace`.
#pragma once

namespace paxsim::cli {

// argv[0] is "trace". Exit 0 done, 2 bad input or usage.
int cmd_trace(int argc, char** argv);
// argv[0] is "stats". Exit 0 done, 2 bad input or usage.
int cmd_stats(int argc, char** argv);

}  // namespace paxsim::cli
