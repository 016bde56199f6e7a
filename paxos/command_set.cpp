#include "paxos/command_set.hpp"

#include "paxos/kv.hpp"

namespace paxsim {

bool CommandSet::insert_anywhere(const Value& v) {
  Value* cell = cell_of(v, true);
  if (cell && !cell->empty() && *cell == v) return false;
  if (!others_.empty() && others_.contains(v)) return false;
  if (cell && cell->empty()) {
    *cell = v;
    return true;
  }
  return others_.insert(v);
}

void CommandSet::erase_anywhere(const Value& v) {
  Value* cell = cell_of(v, false);
  if (cell && !cell->empty() && *cell == v) {
    cell->clear();
    return;
  }
  if (!others_.empty()) others_.erase(v);
}

Value* CommandSet::cell_of(const Value& v, bool grow) {
  // A value that carries no command may still be one: its text decides.
  CommandView scratch;
  const CommandView* c = command_of(v, scratch);
  if (!c || c->client >= k_dense_clients) return nullptr;
  if (c->client >= cells_size_) {
    if (!grow) return nullptr;
    cells_.resize(c->client + 1);
    cells_size_ = cells_.size();
  }
  return &cells_[c->client];
}

}  // namespace paxsim
