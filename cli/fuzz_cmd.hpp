// The `paxsim fuzz` and `paxsim shrink` subcommands: option parsing, signals,
// output. argv[0] is the subcommand's name. Bad usage prints the error and
// returns k_exit_usage; an InputError escapes to main_entry (exit 2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace paxsim::cli {

int cmd_fuzz(int argc, char** argv);
int cmd_shrink(int argc, char** argv);

// "90s", "10m", "8h", "1d", or a number of seconds; nullopt when malformed.
std::optional<double> parse_duration_seconds(const std::string& text);

}  // namespace paxsim::cli
