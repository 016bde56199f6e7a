// Key-value client histories as JSON lines: what `paxsim lincheck` reads and
// what paxsim records for its own kv runs.
//
// One JSON object per line: a "call" line when a client issues an operation,
// a "return" line when it gets the answer.
//
//   {"type":"call","id":7,"client":"c1","op":"put","key":"k1","value":"x","time_us":1200}
//   {"type":"return","id":7,"client":"c1","time_us":1450}
//   {"type":"call","id":8,"client":"c2","op":"get","key":"k1","time_us":1300}
//   {"type":"return","id":8,"client":"c2","time_us":1500,"result":"x"}
//
// - "id": an unsigned integer naming the operation; unique in the file. The
//   return line carries its call's id and client.
// - "op": "put" (sets the key), "append" (adds "value" to the end of the
//   key's value, "" when absent) or "get". "value" (a string) is required for
//   put and append and not allowed for get.
// - Time: "time_us", an unsigned integer of microseconds, or "time_ms", a
//   non-negative number of milliseconds (rounded to the microsecond); one of
//   the two. Only the order of times matters; a return is not before its call.
//   An operation that returns at the same time another is called is
//   concurrent with it.
// - "result": on the return of a get only, required: the string read, or null
//   when the key was absent.
// - A call with no return line was never answered: a put or append may or may
//   not have taken effect; a get constrains nothing.
// - Lines may come in any order, except that a return comes after its call.
//   Blank lines are ignored. Any other key, a repeated key, a wrong type is an
//   error naming the line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/history.hpp"

namespace paxsim::cli {

// Where an operation came from, for reports that point into the file.
struct HistorySource {
  std::uint64_t id = 0;
  std::size_t call_line = 0;
  std::size_t return_line = 0;  // 0: never answered
};

struct LoadedHistory {
  checkers::History history;           // ops in the order of their call lines
  std::vector<HistorySource> sources;  // parallel to history.ops
};

// Parses JSON-lines text; `file` names it in errors. Throws InputError(file,
// "line N", message) on the first error.
LoadedHistory parse_history_jsonl(std::string_view text, const std::string& file);

// Reads and parses a file (InputError if it cannot be read).
LoadedHistory load_history_file(const std::string& file);

// The history as JSON lines: ids are positions in h.ops, times in time_us;
// lines in time order, calls before returns at equal times, then by position.
// Reading it back gives h again when h.ops is in call order (ties by
// position). Bytes that are not UTF-8 are written as U+FFFD.
std::string write_history_jsonl(const checkers::History& h);

}  // namespace paxsim::cli
