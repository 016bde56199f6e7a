// `paxsim lincheck HISTORY`: the linearizability checker over a history file
// (history_io.hpp), for histories from paxsim or from real systems.
#pragma once

namespace paxsim::cli {

// argv[0] is "lincheck". Exit 0: linearizable or unknown (budget exhausted);
// 1: not linearizable; 2: bad input or usage.
int cmd_lincheck(int argc, char** argv);

}  // namespace paxsim::cli
