// The lock service: named locks with leases, as part of the replicated state
// machine that Multi-Paxos orders commands for (the kv store hands lock
// commands to a LockTable). A grant is a committed log entry: a client holds
// the lock only once its acquire is chosen and applied, and every grant gets
// a fencing token one above the last one ever given, so tokens rise with
// every grant and no two grants share one.
//
// Commands (kv Commands with the lock ops; `key` names the lock):
//   acquire  value = lease in µs    free, or held by the same client: granted
//                                   a new token; held by another: busy
//   renew    value = token          the holder of that token: renewed; else lost
//   release  value = token          the holder of that token: released; else lost
//   expire   value = generation     proposed by the leader itself, as client
//                                   k_lock_service_client, once the lease of the
//                                   grant it saw ran out by its own clock; frees
//                                   the lock if nothing happened to it since
//                                   (same generation), else does nothing
// Results, in KvResult::value: "G<token>" granted or renewed, "B" busy,
// "L" lost (not the holder of that token), "R" released, "E" expired,
// "-" a stale expiry.
//
// Time never enters the replicated state (replicas would disagree on it).
// Each replica notes, on its own clock, when it applied the grant or renewal
// that is current (LockLeaseWatch); a leader proposes `expire` once a full
// lease has passed since then. Applying happens after the client sent its
// request, so the service's lease ends, in true time, no earlier than the
// client's own lease counted from its send time with the drift margin
// (sim/lock_clients.hpp): the holder has stopped before anyone else is
// granted the lock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "paxos/state_hash.hpp"
#include "paxos/types.hpp"

namespace paxsim {

struct Command;

// The client id of the lock service's own expiry commands.
inline constexpr std::uint32_t k_lock_service_client = 0xfffffff0u;
inline constexpr std::uint32_t k_no_holder = 0xffffffffu;

enum class LockOp : std::uint8_t { acquire, renew, release, expire };

struct LockState {
  std::uint32_t holder = k_no_holder;  // client index, or k_no_holder
  std::uint64_t token = 0;             // fencing token of the current grant
  std::uint64_t generation = 0;        // rises with every grant, renewal, release and expiry
  Time_us lease_us = 0;                // of the current grant
};

class LockTable {
 public:
  // Applies one lock command; returns its result (see above).
  std::string apply(std::uint32_t client, LockOp op, const std::string& key, const std::string& arg);
  // What an acquire would get if it were applied now (the lock-grant-before-commit bug answers with it).
  std::string would_acquire(std::uint32_t client, const std::string& key) const;

  const LockState* find(const std::string& key) const;
  const std::map<std::string, LockState>& locks() const { return locks_; }
  std::uint64_t last_token() const { return last_token_; }

 private:
  std::map<std::string, LockState> locks_;
  std::uint64_t last_token_ = 0;
};

struct LockReply {
  enum class Kind : std::uint8_t { granted, busy, lost, released, expired, stale } kind = Kind::busy;
  std::uint64_t token = 0;  // granted
};
std::optional<LockReply> parse_lock_reply(const std::string& result);

// Commands as the lock clients and the service build them.
Command lock_acquire(std::uint32_t client, std::uint64_t request, const std::string& key, Time_us lease_us);
Command lock_renew(std::uint32_t client, std::uint64_t request, const std::string& key, std::uint64_t token);
Command lock_release(std::uint32_t client, std::uint64_t request, const std::string& key, std::uint64_t token);
Command lock_expire(const std::string& key, std::uint64_t generation);

// Volatile, per replica: when this replica applied each lock's current grant
// or renewal, by its own clock. Rebuilt after a restart from the replay (at
// the restart's time: later, so safe).
class LockLeaseWatch {
 public:
  // Call after applying commands, at the node's local time.
  void observe(const LockTable& table, Time_us local_now);
  // The expiry commands (encoded) due at `local_now`: held locks whose lease
  // has run out since this replica saw them granted or renewed.
  std::vector<Value> due(Time_us local_now) const;
  bool empty() const { return seen_.empty(); }

  void hash_state(StateHasher& h) const {
    for (const auto& [key, s] : seen_) {
      h.add_bytes(key);
      h.add(s.generation);
      h.add(static_cast<std::uint64_t>(s.since));
      h.add(static_cast<std::uint64_t>(s.lease_us));
    }
  }

 private:
  struct Seen {
    std::uint64_t generation = 0;
    Time_us since = 0;     // local time this replica applied that generation
    Time_us lease_us = 0;  // 0: not held
  };
  std::map<std::string, Seen> seen_;
};

}  // namespace paxsim
