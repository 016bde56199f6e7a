#include "cli/merge_cmd.hpp"

#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/merge.hpp"
#include "cli/options.hpp"

namespace po = boost::program_options;

namespace paxsim::cli {

namespace {

const char* k_merge_help = R"(Merges the shards of one fuzz campaign (paxsim fuzz --shard I/N, each in its
own folder) into one campaign folder, as if one machine had done all their runs.
An input may also be an earlier merge, so merges can be merged in a tree.

Counters are summed. Failures are deduplicated by folder (invariant and
signature): each keeps the repro.json, reports and trace of the shard that
found it first (the files one campaign would have written) and the smallest
shrunk repro.min.json of any shard. OUT/campaign.json lists every shard, its
status (done, running, stopped) and what is missing.

Safe to run while shards are still running (only files their campaign.json
vouches for are read; every file is written by temp+rename) and idempotent:
run it again and the same inputs give the same OUT. A shard that never
started (no folder, no campaign.json), an unreadable one, or a hole in 0..N-1
is reported, and the rest is merged. With --final (after every shard has
ended, as in the Slurm merge job), a shard whose status is not done counts as
failed too.

Exit 1 if the merged campaign holds a failure; else 2 if a shard is missing or
failed (nothing found, but not everything was searched), or on bad usage
(inputs of different campaigns, a shard given twice; nothing is written then);
else 0.

)";

}  // namespace

int cmd_merge(int argc, char** argv) {
  po::options_description opts("paxsim merge DIR... --out DIR [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("dirs", po::value<std::vector<std::string>>()->multitoken(), "the shard folders (or earlier merges)")
    ("out,o", po::value<std::string>(), "the merged campaign's folder (created; an earlier merge of the same campaign is updated)")
    ("final", po::bool_switch(), "every shard has ended: one not done counts as failed")
    ("json", po::bool_switch(), "print OUT/campaign.json instead of the summary")
    ("quiet", po::bool_switch(), "nothing on stderr");
  // clang-format on
  po::positional_options_description pos;
  pos.add("dirs", -1);
  const auto vm = parse_options("merge", argc, argv, opts, pos);
  if (vm.count("help")) {
    std::cout << k_merge_help << opts
              << "\nExamples:\n"
                 "  paxsim merge camp/shard-0 camp/shard-1 camp/shard-2 camp/shard-3 --out camp/merged\n"
                 "  paxsim merge camp/shard-* --out camp/merged --final\n"
                 "  paxsim merge rack1/merged rack2/merged --out all     # a merge of merges\n";
    return k_exit_ok;
  }
  MergeOptions o;
  if (vm.count("dirs")) o.inputs = vm["dirs"].as<std::vector<std::string>>();
  if (vm.count("out")) o.out_dir = vm["out"].as<std::string>();
  o.final = vm["final"].as<bool>();
  const MergeResult r = merge_campaigns(o);
  if (!vm["quiet"].as<bool>()) {
    for (std::uint32_t i : r.missing) std::cerr << "merge: shard " << i << "/" << r.shard_count << " is missing\n";
    for (const MergeProblem& p : r.problems) std::cerr << "merge: " << p.dir << ": " << p.what << "\n";
    for (const std::string& w : r.warnings) std::cerr << "merge: warning: " << w << "\n";
  }
  if (vm["json"].as<bool>()) {
    std::cout << r.campaign.dump(2) << "\n";
  } else {
    std::cout << merge_summary(o, r);
  }
  return merge_exit_code(r);
}

}  // namespace paxsim::cli
