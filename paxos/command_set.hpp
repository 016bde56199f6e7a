// A set of values with the equality of their texts, for a leader's commands
// pending or in flight (paxos/leader.hpp), which drops a retried request
// already among them. A leader adds one per command and removes it when its
// slot is decided: in a hash table that was a probe on the way in and a
// probe and a backward shift on the way out, for a set that holds about one
// command per client.
//
// So the set is laid out by client: a command's text determines its client
// (the client the text parses to; a value that carries its command has it
// at hand), so two equal texts always fall to the same client, and a
// client's one command queued sits in that client's cell, an index away.
// What does not fit there goes to a hash set: a client's second command
// (a client that moved on while its last one still waits here), a client id
// beyond the dense range, a value that is no command (a test's). A text is
// in one place at most, so a lookup asks the client's cell and, when it
// holds any, the hash set.
//
// Never iterated: nothing a node does depends on where a value sits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "paxos/command.hpp"
#include "paxos/flat_hash_map.hpp"
#include "paxos/value.hpp"

namespace paxsim {

class CommandSet {
 public:
  // Adds `v` unless an equal text is in the set; true if it was not. In
  // line for the usual command: one that carries its command, from a client
  // with a cell and nothing queued there (and nothing in others_).
  bool insert(const Value& v) { return insert_in_cell(v) || insert_anywhere(v); }
  // insert's usual case alone: adds `v` and returns true if it is that
  // command; otherwise changes nothing and returns false (insert decides).
  // With no call, a caller's usual path needs no frame (Leader::submit).
  bool insert_in_cell(const Value& v) {
    const CommandView* c = v.command();
    if (c && c->client < cells_size_ && others_.empty() && cells_[c->client].empty()) {
      cells_[c->client] = v;
      return true;
    }
    return false;
  }
  // Removes the text of `v`, if it is in the set. In line for the usual
  // one: the very value its client's cell holds.
  void erase(const Value& v) {
    const CommandView* c = v.command();
    if (c && c->client < cells_size_ && cells_[c->client].same_text(v)) {
      cells_[c->client].clear();
      return;
    }
    erase_anywhere(v);
  }
  void clear() {
    for (Value& c : cells_) c.clear();
    others_.clear();
  }

 private:
  // Clients 0 to k_dense_clients - 1 have a cell (the simulated clients are
  // numbered from 0); the lock service's own id and any other go to others_.
  static constexpr std::uint32_t k_dense_clients = 1024;

  // insert and erase, whatever `v` and wherever its text is (paxos/command_set.cpp).
  [[gnu::noinline]] bool insert_anywhere(const Value& v);
  [[gnu::noinline]] void erase_anywhere(const Value& v);
  // The cell of `v`'s client, or null (no cell: `v` belongs in others_).
  // `grow`: make the cell if the client has none yet.
  Value* cell_of(const Value& v, bool grow);

  std::vector<Value> cells_;  // by client; an empty value: nothing queued there
  // cells_.size(), kept: a vector's size divides by the element's size.
  std::size_t cells_size_ = 0;
  // A set, as a flat table whose mapped flag is unused.
  FlatHashMap<Value, bool, std::hash<Value>> others_;
};

}  // namespace paxsim
