#include "cli/lincheck_cmd.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "checkers/linearizability.hpp"
#include "cli/commands.hpp"
#include "cli/history_io.hpp"
#include "cli/scenario_json.hpp"

namespace po = boost::program_options;

namespace paxsim::cli {

namespace {

using checkers::KvOp;
using checkers::LinResult;
using Verdict = LinResult::Verdict;

const char* k_help_text = R"(Checks that a key-value client history is linearizable: that every operation
can be given one instant between its call and its return, such that the
operations, run one at a time in that order on a map of registers, give the
results the clients saw. put sets a key, append adds to the end of its value
("" when absent), get reads it (or finds it absent).

Prints one of:
  linearizable
  not linearizable   with the key and a minimal window of operations that
                     cannot be linearized (evidence), one per line
  unknown            the search budget ran out before an answer (not a pass,
                     not a failure: raise --max-states)

Each key is checked on its own (linearizability is local). An operation that
returns at the same microsecond another is called counts as concurrent with it.
An operation never answered may have taken effect at any time after its call,
or never.

History format: JSON lines, one object per call and one per return.
  {"type":"call","id":7,"client":"c1","op":"put","key":"k1","value":"x","time_us":1200}
  {"type":"return","id":7,"client":"c1","time_us":1450}
  {"type":"call","id":8,"client":"c2","op":"get","key":"k1","time_us":1300}
  {"type":"return","id":8,"client":"c2","time_us":1500,"result":"x"}
  - id: unsigned integer, unique; the return repeats its call's id and client
  - op: "put" | "append" (with "value", a string) | "get" (no "value")
  - time_us (integer microseconds) or time_ms (number of milliseconds)
  - result: on a get's return only: the string read, or null for absent
  - a call without a return was never answered; blank lines are ignored;
    any other key or a wrong type is an error naming the line (exit 2)

)";

std::uint64_t parse_states(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19 || std::stoull(s) == 0)
    throw po::error(fmt::format("--max-states must be a positive integer, got \"{}\"", s));
  return std::stoull(s);
}

const char* op_name(KvOp op) {
  switch (op) {
    case KvOp::put: return "put";
    case KvOp::get: return "get";
    case KvOp::append: return "append";
  }
  return "?";
}

std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One operation of the window, for people: id, client, what, times, result.
std::string op_line(const LoadedHistory& lh, std::size_t i) {
  const checkers::Operation& o = lh.history.ops[i];
  const HistorySource& src = lh.sources[i];
  std::string what = fmt::format("{} {} {}", lh.history.clients[o.client], op_name(o.op), json_string(o.key));
  if (o.op != KvOp::get) what += " " + json_string(o.value);
  std::string line = fmt::format("  id {:<6} {:<32} call {}us, return {}", src.id, what, o.call_us,
                                 o.return_us ? fmt::format("{}us", *o.return_us) : std::string("never"));
  if (o.op == KvOp::get && o.return_us) line += " -> " + (o.result ? json_string(*o.result) : std::string("absent"));
  return line + fmt::format("  (line {})", src.call_line);
}

nlohmann::ordered_json op_json(const LoadedHistory& lh, std::size_t i) {
  const checkers::Operation& o = lh.history.ops[i];
  const HistorySource& src = lh.sources[i];
  nlohmann::ordered_json j{{"id", src.id},
                   {"line", src.call_line},
                   {"client", lh.history.clients[o.client]},
                   {"op", op_name(o.op)},
                   {"key", o.key},
                   {"call_us", o.call_us}};
  if (o.op != KvOp::get) j["value"] = o.value;
  j["return_us"] = o.return_us ? nlohmann::ordered_json(*o.return_us) : nlohmann::ordered_json();
  if (o.op == KvOp::get && o.return_us) j["result"] = o.result ? nlohmann::ordered_json(*o.result) : nlohmann::ordered_json();
  return j;
}

int run(int argc, char** argv) {
  po::options_description opts("paxsim lincheck HISTORY [options]");
  // clang-format off
  opts.add_options()
    ("help,h", "this help")
    ("history", po::value<std::string>(), "the history file (JSON lines)")
    ("max-states", po::value<std::string>()->default_value("10000000"), "search budget: configurations explored over all keys (about 90 bytes of memory each)")
    ("json", po::bool_switch(), "print one JSON object instead of the human report");
  // clang-format on
  po::positional_options_description pos;
  pos.add("history", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << k_help_text << opts
              << "\nExit codes: 0 linearizable or unknown, 1 not linearizable, 2 bad input or usage.\n"
                 "Example:\n  paxsim lincheck history.jsonl\n  paxsim lincheck history.jsonl --max-states 100000000 --json\n";
    return k_exit_ok;
  }
  if (!vm.count("history")) throw po::error("missing HISTORY");
  checkers::LinOptions opt;
  opt.max_states = parse_states(vm["max-states"].as<std::string>());

  const LoadedHistory lh = load_history_file(vm["history"].as<std::string>());
  const LinResult r = checkers::check_linearizable(lh.history, opt);

  if (vm["json"].as<bool>()) {
    nlohmann::ordered_json j{{"verdict", r.verdict == Verdict::linearizable       ? "linearizable"
                                 : r.verdict == Verdict::not_linearizable ? "not_linearizable"
                                                                          : "unknown"},
                     {"message", r.message},
                     {"operations", lh.history.ops.size()},
                     {"states", r.states},
                     {"max_states", opt.max_states}};
    if (r.verdict != Verdict::linearizable) j["key"] = r.key;
    if (r.verdict == Verdict::not_linearizable) {
      j["window"] = nlohmann::ordered_json::array();
      for (std::size_t i : r.window) j["window"].push_back(op_json(lh, i));
    }
    std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    switch (r.verdict) {
      case Verdict::linearizable:
        std::cout << fmt::format("linearizable ({} operations, {} states searched)\n", lh.history.ops.size(), r.states);
        break;
      case Verdict::unknown:
        std::cout << fmt::format("unknown (search budget of {} states exhausted on key {}; try a larger --max-states)\n",
                                 opt.max_states, json_string(r.key));
        break;
      case Verdict::not_linearizable:
        std::cout << fmt::format("not linearizable: key {}: {} cannot be linearized:\n", json_string(r.key),
                                 r.window.size() == 1 ? std::string("this operation")
                                                      : fmt::format("these {} operations", r.window.size()));
        for (std::size_t i : r.window) std::cout << op_line(lh, i) << "\n";
        std::cout << fmt::format("({} operations in the history, {} states searched)\n", lh.history.ops.size(),
                                 r.states);
        break;
    }
  }
  return r.verdict == Verdict::not_linearizable ? k_exit_failed : k_exit_ok;
}

}  // namespace

int cmd_lincheck(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const po::error& e) {
    std::cerr << fmt::format("paxsim lincheck: {} (see paxsim lincheck --help)\n", e.what());
    return k_exit_usage;
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return k_exit_usage;
  }
}

}  // namespace paxsim::cli
