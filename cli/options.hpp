// What every subcommand shares: option parsing that turns a bad command line
// into a UsageError (exit 2), and the build identity that traces and repros record.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace paxsim::cli {

// Bad usage of a subcommand; main_entry prints it and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses a subcommand's options (argv[0] is its name); throws UsageError
// naming the subcommand and pointing at its --help. A number option may not
// be negative, and a floating-point one must be finite.
boost::program_options::variables_map parse_options(const char* cmd, int argc, char** argv,
                                                    const boost::program_options::options_description& opts,
                                                    const boost::program_options::positional_options_description& pos);

// The -j of check, fuzz and explore: between 1 and k_max_jobs threads, else
// UsageError.
inline constexpr unsigned k_max_jobs = 1024;
unsigned parse_jobs(const char* cmd, const boost::program_options::variables_map& vm);
// The default -j of check and fuzz: one per hardware thread, within 1..k_max_jobs.
unsigned default_jobs();

// A decimal unsigned 64-bit integer (a seed, a run count); UsageError naming
// WHAT otherwise.
std::uint64_t parse_u64(const std::string& text, const char* what);

// "paxsim 0.1.0 (git abcdef123456, Release, GNU-12.2.0)".
std::string build_identity();

}  // namespace paxsim::cli
