// Scenario files (spec/scenario.md) into sim::Scenario: the edge where JSON
// meets the simulator. Parsing is strict: an unknown key, a wrong type, a name
// that does not exist, a value out of range is an InputError that names the
// file and the JSON pointer of what is wrong. Nothing else escapes these
// functions: nlohmann's exceptions are caught and wrapped here.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario.hpp"

namespace paxsim::cli {

// An error in the user's input (exit code 2). `path` is an RFC 6901 pointer
// into the document ("/faults/3/node"), empty for the whole document.
// what() is "FILE: PATH: MESSAGE", or "FILE: MESSAGE" when the path is empty.
struct InputError : std::runtime_error {
  InputError(std::string file, std::string path, std::string message);
  std::string file, path, message;
};

// nlohmann's message without its "[json.exception...] parse error at ...: "
// prefix (the caller says where: file, line and column, or JSON path).
std::string json_error_message(const nlohmann::json::exception& e);

// Reads and parses a JSON file. A syntax error names its line and column; a
// key repeated in one object is an error too (JSON parsers keep the last one
// silently, which hides typos like two "at_ms").
nlohmann::json load_json_file(const std::string& file);

// Applies one `--set PATH=VALUE` (spec/cli.md) to a document: PATH is dotted
// ("network.drop", "faults.2.at_ms"); a numeric part indexes an array (an
// index equal to its size appends); missing object keys are created. VALUE
// must be JSON ('workload.mix={"put":1}', 'name="x"'). On error the document
// is left unchanged. `file` is the document's file, for the error.
void apply_set(nlohmann::json& doc, const std::string& assignment, const std::string& file);

// Validates a whole scenario document and builds the plain-data Scenario:
// names resolved to indices, times in integer microseconds, faults sorted by
// (time, position in the file), "*" expanded, defaults filled in. A field the
// build does not support yet is reported as "... not supported yet", but only
// once the rest of the document is known to be valid.
sim::Scenario parse_scenario(const nlohmann::json& doc, const std::string& file);

// Why the scenario's bug switch cannot act in it ("" when it can, or when it
// has none): a switch in code that the scenario's protocol or workload never
// runs would quietly change nothing.
std::string bug_misfit(const sim::Scenario& s);

// A tape (sim/decisions.hpp) as a scenario's optional "tape" holds it: an
// object, per stream ("network", "timers/n1", ...) an array of decisions. A
// message's fate (stream "network") is "drop", a delay in microseconds, or
// [delay, delay] when duplicated; other decisions are true/false (a chance),
// an integer (an index) or a number (a unit draw, or a duration in ms). A
// duration is clamped into its distribution's range (0: the shortest).
nlohmann::json tape_to_json(const sim::Tape& tape);

// load_json_file, then each --set in order, then parse_scenario.
sim::Scenario load_scenario(const std::string& file, const std::vector<std::string>& sets);

}  // namespace paxsim::cli
