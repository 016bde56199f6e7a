// The replicated key-value state machine that Multi-Paxos orders commands
// for, and the commands' encoding as log values. Applying the same commands
// in the same order gives the same state on every replica. At-most-once
// execution: the per-client table (part of the replicated state) remembers
// each client's latest request id and its result, so a retried request that
// lands in the log twice takes effect once.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "paxos/bugs.hpp"
#include "paxos/command.hpp"
#include "paxos/flat_hash_map.hpp"
#include "paxos/lock_service.hpp"
#include "paxos/shard_map.hpp"
#include "paxos/types.hpp"

namespace paxsim {

// A command as a log value: "C<client>|<request>|<op>|<key>|<value>", where
// key and value are length-prefixed so any bytes round-trip.
// The value carries the command it was encoded from (Value::command), so
// decoding it again costs no parsing.
Value encode(const Command& c);
std::optional<Command> decode(const Value& v);
// The command `v` encodes, without copying it when `v` carries it; otherwise
// parsed into `scratch`, its key and value views into `v`'s text (good while
// `v` is). Null if `v` is not a command. Inline, so that a carried command
// (the usual case, on every request and every apply) costs no call;
// parse_command is the rest: `v` parsed, whatever it carries.
const CommandView* parse_command(const Value& v, CommandView& scratch);
inline const CommandView* command_of(const Value& v, CommandView& scratch) {
  if (const CommandView* c = v.command()) return c;
  return parse_command(v, scratch);
}

struct KvResult {
  std::string value;   // get: the value read
  bool absent = false; // get: the key did not exist
};

// Writes n in decimal, zero-padded to at least `width` digits (as
// std::to_string, or %0*llu), so that it ends at `end`; returns where it
// begins (room for max(20, width) characters before `end`). A text built
// backwards this way, in a buffer, is assigned to its string once.
inline char* decimal_ending_at(char* end, std::uint64_t n, std::size_t width = 0) {
  char* p = end;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (static_cast<std::size_t>(end - p) < width) *--p = '0';
  return p;
}

// Makes `to` the text `from`. A text replaced by one of the same length
// (the workloads' values are of a fixed size, so a put's value over the old
// one, a get's result over the last get's) is overwritten in place, with no
// library call: 8 to 16 bytes as two overlapping words. Forced in line:
// with KvStore::apply in a replica's learn, GCC left it a call.
[[gnu::always_inline]] inline void assign_text(std::string& to, std::string_view from) {
  const std::size_t n = from.size();
  if (to.size() != n) [[unlikely]] {
    to.assign(from);
  } else if (n >= 8 && n <= 16) {
    std::uint64_t head, tail;
    std::memcpy(&head, from.data(), 8);
    std::memcpy(&tail, from.data() + n - 8, 8);
    std::memcpy(to.data(), &head, 8);
    std::memcpy(to.data() + n - 8, &tail, 8);
  } else if (n != 0) {
    std::memcpy(to.data(), from.data(), n);
  }
}

// Appends n in decimal, zero-padded to at least `width` digits (as
// std::to_string, or %0*llu), without a temporary string.
void append_decimal(std::string& out, std::uint64_t n, std::size_t width = 0);

class KvStore {
 public:
  // Applies one command; returns its result, or null for a duplicate of an
  // older request (its answer is long gone). A retry of the latest request
  // returns the remembered result without executing it again. The result
  // is the one remembered for the client: good until the next apply.
  // Inline (below): every replica applies every command, in the learn that
  // decided it, whose frame then serves both (apply's own frame, a call and
  // six saved registers, cost more).
  const KvResult* apply(const CommandView& c, const BugSet& bugs);
  // The result of a request already applied, if it is the client's latest
  // (good until the next apply). Inline: a leader asks for every request.
  const KvResult* cached(std::uint32_t client, std::uint64_t request) const {
    const ClientEntry* e = find_entry(client);
    if (e == nullptr || e->request != request || request == 0) return nullptr;  // 0: a client never seen
    return result_of(*e);
  }
  std::uint64_t applied_requests() const { return executed_; }
  const LockTable& locks() const { return locks_; }
  // Reads a key outside the log (only the stale-local-read bug does this).
  KvResult peek(std::string_view key) const {
    const std::string* v = data_.find(key);
    return v ? KvResult{*v, false} : KvResult{{}, true};
  }

 private:
  // apply's rare cases (see there), out of line.
  [[gnu::noinline]] const KvResult* apply_slow(const CommandView& c, const BugSet& bugs);

  struct ClientEntry {
    std::uint64_t request = 0;
    // The latest request's result: `result`, or `shared` when that is not
    // null (one of the results below). A put's empty result is shared, so
    // that it leaves the text of the client's last get in `result`: the
    // next get, of a value as long, overwrites it in place (assign_text)
    // instead of regrowing a string a put emptied.
    KvResult result;
    const KvResult* shared = nullptr;
  };
  // The results with no text: a put's (and an append's), a get's of an absent key.
  static const KvResult k_done;
  static const KvResult k_absent;
  static const KvResult* result_of(const ClientEntry& e) { return e.shared ? e.shared : &e.result; }
  // Hash tables, looked up by key only and never iterated, so their order
  // cannot leak into a run: every replica applies every command, and a
  // lookup here costs a hash and one comparison rather than a walk down a
  // tree of string comparisons. The data sits in a flat table
  // (paxos/flat_hash_map.hpp): no node to allocate per key, no pointer to
  // follow per lookup.
  // FNV-1a: keys are short, and std::hash's longer mix cost more than the
  // rest of a lookup.
  struct KeyHash {
    std::size_t operator()(std::string_view k) const noexcept { return fnv1a64(k); }
  };
  // Keys are a few bytes: compared in line (ShortTextEq).
  FlatHashMap<std::string, std::string, KeyHash, ShortTextEq> data_;
  // By client index: the simulated clients are numbered from 0, so a vector
  // serves them; other ids (the lock service's own, any id a command may
  // carry) go to a map.
  static constexpr std::uint32_t k_dense_clients = 4096;
  ClientEntry& entry(std::uint32_t client) {
    if (client >= k_dense_clients) [[unlikely]] return other_clients_[client];
    if (client >= clients_size_) [[unlikely]] {
      clients_.resize(client + 1);
      clients_size_ = clients_.size();
    }
    return clients_[client];
  }
  const ClientEntry* find_entry(std::uint32_t client) const {
    if (client < clients_size_) return &clients_[client];
    return find_other(client);
  }
  [[gnu::noinline]] const ClientEntry* find_other(std::uint32_t client) const {
    auto it = other_clients_.find(client);
    return it == other_clients_.end() ? nullptr : &it->second;
  }
  std::vector<ClientEntry> clients_;
  // clients_.size(), kept: a vector's size divides by the element's size.
  std::size_t clients_size_ = 0;
  std::unordered_map<std::uint32_t, ClientEntry> other_clients_;
  std::uint64_t executed_ = 0;
  LockTable locks_;
};

inline const KvResult* KvStore::apply(const CommandView& c, const BugSet& bugs) {
  // The usual command (a put of a key that exists, or a get, by a client
  // seen before) is done in line; the rest goes to a call (a new client, a
  // new key, an append, a lock operation), so that the caller's frame holds
  // the usual one alone.
  if (c.client >= clients_size_) [[unlikely]] return apply_slow(c, bugs);
  ClientEntry& entry = clients_[c.client];
  // The usual request, newer than the client's last, passes at one test;
  // the bug is asked about only for the others.
  if (c.request <= entry.request && !bugs.has(Bug::duplicate_execution)) {
    if (c.request == entry.request) return result_of(entry);  // a retry: answered, not executed again
    return nullptr;                                           // older than what the client already moved past
  }
  // The result is remembered for a retry.
  if (c.op == KvOpKind::put) {
    std::string* v = data_.find(c.key, c.key_hash);
    if (!v) [[unlikely]] return apply_slow(c, bugs);
    entry.shared = &k_done;
    assign_text(*v, c.value);
  } else if (c.op == KvOpKind::get) {
    if (const std::string* v = data_.find(c.key, c.key_hash)) {
      entry.shared = nullptr;
      entry.result.absent = false;
      assign_text(entry.result.value, *v);
    } else {
      entry.shared = &k_absent;
    }
  } else {
    return apply_slow(c, bugs);
  }
  ++executed_;
  entry.request = std::max(entry.request, c.request);
  return result_of(entry);
}

}  // namespace paxsim
