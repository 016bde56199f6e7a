#include "cli/options.hpp"

#include <fmt/format.h>

namespace po = boost::program_options;

namespace paxsim::cli {

po::variables_map parse_options(const char* cmd, int argc, char** argv, const po::options_description& opts,
                                const po::positional_options_description& pos) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("paxsim {}: {} (see paxsim {} --help)", cmd, e.what(), cmd));
  }
  return vm;
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
