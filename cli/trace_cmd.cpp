#include "cli/trace_cmd.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/scenario_json.hpp"
#include "cli/trace.hpp"
#include "cli/trace_convert.hpp"
#include "cli/trace_html.hpp"
#include "cli/trace_read.hpp"
#include "cli/trace_stats.hpp"

namespace po = boost::program_options;

namespace paxsim::cli {

namespace {

const char* k_trace_help = R"(paxsim trace: commands over a trace written by `paxsim run FILE --trace OUT`.

usage:
  paxsim trace convert TRACE --to shiviz|chrome|html [-o OUT]
  paxsim trace stats TRACE [--json]          (the same as paxsim stats)

convert writes the trace in a format another tool reads:
  shiviz  a ShiViz log (https://bestchai.bitbucket.io/shiviz/): one event per
          step with a vector clock; open it with ShiViz's file upload. To paste
          it into ShiViz's text box instead, leave out its first two lines and
          put this in the regex field:
            (?<host>\S*) (?<clock>{.*})\n(?<event>.*)
  chrome  Chrome trace event JSON for Perfetto (ui.perfetto.dev) or
          chrome://tracing: a track per node and client, a slice per step, flow
          arrows for messages, instants for faults and the violation
  html    one self-contained page (works offline): a space-time diagram with a
          lane per node and client, messages as arrows, lost ones crossed out,
          crashes, pauses and cut links shaded, the violation and the messages
          behind it highlighted, zoom, a step slider and the nodes' state
OUT defaults to TRACE with its extension replaced (.shiviz, .chrome.json,
.html); -o - writes to stdout.

Exit codes: 0 done, 2 bad input or usage.
)";

std::string default_output(const std::string& in, const std::string& to) {
  std::string base = in;
  for (const char* ext : {".jsonl", ".json", ".trace"}) {
    const std::string e = ext;
    if (base.size() > e.size() && base.compare(base.size() - e.size(), e.size(), e) == 0) {
      base.resize(base.size() - e.size());
      break;
    }
  }
  if (to == "shiviz") return base + ".shiviz";
  if (to == "chrome") return base + ".chrome.json";
  return base + ".html";
}

// A trace without its end line was cut short (a run killed mid-way, a
// partial copy): what it holds is still shown, with a warning.
void warn_if_cut_short(const TraceModel& t) {
  if (!t.end)
    std::cerr << fmt::format("{}: warning: no end line, so the trace was cut short; showing the {} steps it holds\n",
                             t.file, t.steps.size());
}

int convert(int argc, char** argv) {
  po::options_description opts("paxsim trace convert TRACE --to FORMAT [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("trace", po::value<std::string>(), "the trace (JSON lines from paxsim run --trace)")
    ("to", po::value<std::string>(), "shiviz, chrome or html")
    ("output,o", po::value<std::string>(), "where to write (default: beside TRACE; - for stdout)");
  // clang-format on
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << k_trace_help << "\n" << opts
              << "\nExample:\n  paxsim run scenarios/synod/dueling-proposers.json --bug round-only-ballots --trace run.jsonl\n"
                 "  paxsim trace convert run.jsonl --to html -o run.html\n";
    return k_exit_ok;
  }
  if (!vm.count("trace")) throw po::error("missing TRACE");
  if (!vm.count("to")) throw po::error("missing --to shiviz|chrome|html");
  const std::string to = vm["to"].as<std::string>();
  if (to != "shiviz" && to != "chrome" && to != "html")
    throw po::error(fmt::format("--to must be shiviz, chrome or html, got \"{}\"", to));
  const std::string in = vm["trace"].as<std::string>();
  const std::string out = vm.count("output") ? vm["output"].as<std::string>() : default_output(in, to);

  if (out != "-")
    if (const std::string why = output_problem(out, {in}); !why.empty()) throw po::error("-o: " + why);
  const TraceModel t = read_trace_file(in);
  warn_if_cut_short(t);
  const std::string text = to == "shiviz" ? to_shiviz(t) : to == "chrome" ? to_chrome(t) : to_html(t);
  if (out == "-") {
    std::cout << text;
    return k_exit_ok;
  }
  std::string error;
  if (!write_file_atomic(out, text, error)) throw InputError(out, "", "cannot write: " + error);
  std::cerr << fmt::format("wrote {} ({} steps, {} messages)\n", out, t.steps.size(), t.messages.size());
  return k_exit_ok;
}

int stats(int argc, char** argv) {
  po::options_description opts("paxsim stats TRACE [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("trace", po::value<std::string>(), "the trace (JSON lines from paxsim run --trace)")
    ("json", po::bool_switch(), "print one JSON object instead of the table");
  // clang-format on
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << "Figures from a trace: messages per decision (messages sent / chosen slots), latency of\n"
                 "client operations (kv) or of proposals (synod) from call to answer (p50, p99, max,\n"
                 "nearest rank), leaders elected and leader changes, records and bytes persisted\n"
                 "(each record: a 25-byte header plus its value), faults, and messages by kind.\n\n"
              << opts << "\nExample:\n  paxsim run scenarios/kv/nemesis.json --trace run.jsonl && paxsim stats run.jsonl\n";
    return k_exit_ok;
  }
  if (!vm.count("trace")) throw po::error("missing TRACE");
  const TraceModel t = read_trace_file(vm["trace"].as<std::string>());
  warn_if_cut_short(t);
  const TraceStats s = compute_stats(t);
  if (vm["json"].as<bool>()) {
    nlohmann::json j = stats_json(s);
    j["scenario"] = t.scenario;
    j["seed"] = t.seed;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << stats_text(t, s);
  }
  return k_exit_ok;
}

// Runs a subcommand, turning bad usage and bad input into exit code 2.
int guarded(const char* name, int (*f)(int, char**), int argc, char** argv) {
  try {
    return f(argc, argv);
  } catch (const po::error& e) {
    std::cerr << fmt::format("paxsim {}: {} (see paxsim {} --help)\n", name, e.what(), name);
    return k_exit_usage;
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return k_exit_usage;
  }
}

}  // namespace

int cmd_trace(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << k_trace_help;
    return k_exit_usage;
  }
  const std::string sub = argv[1];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << k_trace_help;
    return k_exit_ok;
  }
  if (sub == "convert") return guarded("trace convert", convert, argc - 1, argv + 1);
  if (sub == "stats") return guarded("trace stats", stats, argc - 1, argv + 1);
  std::cerr << fmt::format("paxsim trace: unknown subcommand \"{}\"\n\n{}", sub, k_trace_help);
  return k_exit_usage;
}

int cmd_stats(int argc, char** argv) { return guarded("stats", stats, argc, argv); }

}  // namespace paxsim::cli
