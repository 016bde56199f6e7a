#include "cli/options.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <thread>

#include "paxsim_git_rev.h"  // generated at every build (cmake/git_rev.cmake)

namespace po = boost::program_options;

namespace paxsim::cli {

namespace {

// Boost reads "-3" as an unsigned number by wrapping it (2^32 - 3), and takes
// "nan" or "-1" for a double; every number option of paxsim is a count, a
// limit or a duration, so neither may be negative and a double must be finite.
void check_numbers(const char* cmd, const po::parsed_options& parsed, const po::options_description& opts) {
  for (const po::option& o : parsed.options) {
    const po::option_description* d = opts.find_nothrow(o.string_key, false);
    if (!d) continue;
    const po::value_semantic* v = d->semantic().get();
    const bool is_unsigned = dynamic_cast<const po::typed_value<unsigned>*>(v) != nullptr ||
                             dynamic_cast<const po::typed_value<unsigned long>*>(v) != nullptr ||
                             dynamic_cast<const po::typed_value<unsigned long long>*>(v) != nullptr;
    const bool is_double = dynamic_cast<const po::typed_value<double>*>(v) != nullptr;
    if (!is_unsigned && !is_double) continue;
    for (const std::string& text : o.value) {
      const std::size_t first = text.find_first_not_of(" \t");
      bool bad = first != std::string::npos && text[first] == '-';
      if (is_double && !bad) {
        char* end = nullptr;
        const double x = std::strtod(text.c_str(), &end);
        bad = !std::isfinite(x) || x < 0;
      }
      if (bad)
        throw UsageError(fmt::format("paxsim {}: --{} must be {}, got \"{}\" (see paxsim {} --help)", cmd, o.string_key,
                                     is_double ? "a finite number >= 0" : "a whole number >= 0", text, cmd));
    }
  }
}

}  // namespace

po::variables_map parse_options(const char* cmd, int argc, char** argv, const po::options_description& opts,
                                const po::positional_options_description& pos) {
  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(argc, argv).options(opts).positional(pos).run();
    check_numbers(cmd, parsed, opts);
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("paxsim {}: {} (see paxsim {} --help)", cmd, e.what(), cmd));
  }
  return vm;
}

unsigned default_jobs() { return std::clamp(std::thread::hardware_concurrency(), 1u, k_max_jobs); }

unsigned parse_jobs(const char* cmd, const po::variables_map& vm) {
  const unsigned jobs = vm["jobs"].as<unsigned>();
  if (jobs < 1 || jobs > k_max_jobs)
    throw UsageError(fmt::format("paxsim {}: -j must be between 1 and {}, got {}", cmd, k_max_jobs, jobs));
  return jobs;
}

std::uint64_t parse_u64(const std::string& text, const char* what) {
  const auto bad = [&] { return UsageError(fmt::format("{} must be an unsigned 64-bit integer, got \"{}\"", what, text)); };
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) throw bad();
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    throw bad();
  }
}

std::string build_identity() {
  return fmt::format("paxsim {} (git {}, {}, {})", PAXSIM_VERSION, PAXSIM_GIT_REV, PAXSIM_BUILD_TYPE, PAXSIM_COMPILER);
}

}  // namespace paxsim::cli
