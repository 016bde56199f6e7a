// The lock workload's clients and the resource the lock protects. Workload,
// not protocol: they live in the simulated world, read only their own clocks
// (sim/clock.hpp), and talk to the lock service (paxos/lock_service.hpp)
// through client_request messages, routed like the kv clients' (the last
// leader known, else the home node; redirects followed; a timeout retries the
// same request id at the next node).
//
// One client, `acquires_per_client` times over:
//   1. acquire the lock with a lease of L = lease_ms (drawn), remembering the
//      local time it first sent that request; a busy lock is asked again
//      after `retry_ms`;
//   2. once granted token T, hold for hold_ms (by its clock): act on the
//      resource again and again, each action taking act_ms; before starting
//      an action it checks, on its own clock, that the action ends before its
//      lease may have run out: first send + L x (1 - d) / (1 + d)
//      (paxos/lease.hpp; d from params.max_drift_ppm);
//   3. renew when less than half of that is left and the hold goes on;
//   4. release at the end of the hold; or give up (stop acting) when the lease
//      may have run out, or when a renewal comes back "lost".
// An action is a check, then the action landing at the resource act_ms later:
// a client paused in between lands it at resume without checking again,
// which is exactly the pause that fencing tokens guard against.
//
// The resource: without fencing it accepts every action; with fencing
// (`workload.fencing`) it remembers the highest token it accepted and rejects
// any action with a lower one.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "paxos/kv.hpp"
#include "paxos/message.hpp"
#include "sim/observer.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace paxsim::sim {

enum class LockTimer : std::uint8_t {
  issue,    // the client may send its next acquire
  timeout,  // the current request went unanswered (arg: token)
  resend,   // after a redirect that named no leader (arg: token)
  act,      // an action lands at the resource (arg: token)
  check,    // look again whether the lease allows another action (arg: token)
};
const char* to_string(LockTimer t);

// What the lock clients ask of the world. The simulation implements it.
class LockWorld {
 public:
  virtual ~LockWorld() = default;
  virtual void lock_send(const Message& m) = 0;
  // A timer `local_us` from now on the client's own clock.
  virtual void lock_timer(std::uint32_t client, Time_us local_us, LockTimer kind, std::uint64_t arg) = 0;
  virtual Time_us lock_local_now(std::uint32_t client) const = 0;
  virtual void lock_call(std::uint32_t client, const Command& c) = 0;    // a request opens
  virtual void lock_return(std::uint32_t client, const Command& c) = 0;  // ... is answered
  virtual void lock_dropped(std::uint32_t client, const Command& c) = 0; // ... dies with its client
  virtual void lock_event(const LockEvent& e) = 0;
};

struct LockStats {
  std::uint64_t grants = 0;          // acquires answered "granted"
  std::uint64_t busy = 0;            // acquires answered "busy"
  std::uint64_t renewals = 0;
  std::uint64_t releases = 0;
  std::uint64_t given_up = 0;        // holds ended because the lease may have run out
  std::uint64_t actions_accepted = 0;
  std::uint64_t actions_rejected = 0;  // by fencing
};

class LockClients {
 public:
  static constexpr std::uint32_t k_max_hops_per_attempt = 8;
  static constexpr Time_us k_no_leader_backoff_us = 20'000;
  static constexpr Time_us k_check_again_us = 1'000;  // while a renewal is on its way
  static constexpr const char* k_lock_name = "lock";

  explicit LockClients(const Scenario& s);

  void start(LockWorld& w);
  bool timer_live(std::uint32_t client, LockTimer kind, std::uint64_t arg) const;
  void on_timer(std::uint32_t client, LockTimer kind, std::uint64_t arg, LockWorld& w);
  void on_message(const Message& m, LockWorld& w);

  // Client faults (the lock workload only).
  bool is_down(std::uint32_t client) const { return clients_[client].down; }
  void crash(std::uint32_t client, LockWorld& w);
  void restart(std::uint32_t client, LockWorld& w);

  // Every client did all its acquires (or is down) and has nothing in flight.
  bool settled() const;
  const LockStats& stats() const { return stats_; }
  // A client's random stream, for record and replay (sim/decisions.hpp).
  Rng& rng(std::uint32_t client) { return clients_[client].rng; }

 private:
  enum class Want : std::uint8_t { acquire, renew, release };
  struct Client {
    std::uint32_t index = 0;
    NodeId target = 0;
    std::optional<NodeId> leader;
    Rng rng;
    bool down = false;
    std::uint64_t completed = 0;  // acquisitions over (released or given up)
    std::uint64_t next_request = 1;
    std::uint64_t token_seq = 0;  // timer tokens
    // The one service request in flight, if any.
    bool busy = false;
    Want want = Want::acquire;
    Command current;
    Time_us first_send_local = 0;
    std::uint64_t request_token = 0;
    std::uint32_t hops = 0;
    Time_us lease_us = 0;         // of the acquire in flight or the current hold
    // Waiting to send the next acquire.
    std::uint64_t issue_token = 0;
    // Holding.
    bool holding = false;
    bool release_due = false;     // the hold is over; release once the request in flight is answered
    std::uint64_t fence = 0;      // the fencing token granted
    Time_us deadline_local = 0;   // the last local time an action may end
    Time_us hold_end_local = 0;
    std::uint64_t act_token = 0;  // of the action in flight (0: none)
    std::uint64_t check_token = 0;
  };

  void schedule_issue(Client& c, const Distribution& delay, LockWorld& w);
  void issue(Client& c, LockWorld& w);
  void request(Client& c, Want want, Command cmd, LockWorld& w);
  void send_attempt(Client& c, LockWorld& w, bool arm_timeout);
  void answered(Client& c, const Message& reply, LockWorld& w);
  void begin_hold(Client& c, std::uint64_t token, LockWorld& w);
  void act_step(Client& c, LockWorld& w);
  void land(Client& c, LockWorld& w);
  void end_hold(Client& c, bool give_up, LockWorld& w);
  void after_hold(Client& c, LockWorld& w);
  // How long the holder may rely on its lease, by its own clock (paxos/lease.hpp).
  Time_us holder_lease(const Client& c) const;
  EndpointId endpoint(const Client& c) const { return nodes_ + c.index; }
  NodeId next_node(NodeId n) const { return (n + 1) % nodes_; }
  bool ignores_lease() const { return s_.bug && *s_.bug == Bug::holder_ignores_lease; }

  const Scenario& s_;
  std::uint32_t nodes_;
  std::vector<Client> clients_;
  bool fencing_ = false;
  std::uint64_t highest_fence_ = 0;  // the resource's: highest token it accepted
  LockStats stats_;
};

}  // namespace paxsim::sim
