// A key-value client history: what clients asked and what they were told,
// with the true (simulated) times of call and return. The `linearizable`
// checker and `paxsim lincheck` read it; paxsim records one for every kv run,
// and `paxsim lincheck` reads the same thing from JSON lines (see README,
// "History format").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim::checkers {

enum class KvOp : std::uint8_t { put, get, append };

struct Operation {
  std::uint32_t client = 0;      // index into History::clients
  KvOp op = KvOp::get;
  std::string key;
  std::string value;             // put / append: the argument
  Time_us call_us = 0;
  // Unset: never answered (timed out, client gave up, run ended): the
  // operation may or may not have taken effect, at any time after its call.
  std::optional<Time_us> return_us;
  // get: the value read; unset when the key was absent. Ignored for put/append.
  std::optional<std::string> result;
};

struct History {
  std::vector<std::string> clients;  // names, e.g. "c1"
  std::vector<Operation> ops;        // in call order is customary, not required
};

}  // namespace paxsim::checkers
