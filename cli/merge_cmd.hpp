// The `paxsim merge` subcommand: option parsing and output (merge.hpp does
// the work). argv[0] is the subcommand's name.
#pragma once

namespace paxsim::cli {

int cmd_merge(int argc, char** argv);

}  // namespace paxsim::cli
