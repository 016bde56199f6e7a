// The `paxsim` command line (spec/cli.md): one binary, subcommands, the exit
// codes of the spec.
#pragma once

namespace paxsim::cli {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failed = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_nondeterministic = 3;
inline constexpr int k_exit_internal = 70;

int main_entry(int argc, char** argv);

}  // namespace paxsim::cli
