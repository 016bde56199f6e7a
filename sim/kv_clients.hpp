// The kv workload's clients: closed-loop state machines that live in the
// simulated world (they are workload, not protocol). A client sends each
// request to the last leader it knew, else to its home node; follows
// redirects; on a timeout retries the same request id at the next node in
// order; and after an answer thinks, then issues its next operation.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "paxos/kv.hpp"
#include "paxos/message.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace paxsim::sim {

enum class ClientTimer : std::uint8_t {
  issue,    // the client may issue its next operation
  arrival,  // an exact request from the scenario falls due (arg: its index)
  timeout,  // the current request went unanswered (arg: token)
  resend,   // after a redirect that named no leader (arg: token)
};

// The decimal number that ends `text`, after its last '-' (a kv client's
// "c%04u-%07llu" value), one up: its last digit up, carried left through
// nines; past all nines (9999999 and the like), one more digit, as
// decimal_ending_at writes the number above.
inline void increment_decimal_suffix(std::string& text) {
  std::size_t i = text.size() - 1;
  while (text[i] == '9') text[i--] = '0';
  if (text[i] == '-') text.insert(i + 1, 1, '1');
  else ++text[i];
}

// Makes `key` the text "k<n>", in place over the last command's key, its
// digits written backwards from its end (decimal_ending_at): a key as wide
// as the last (every key below 10, as most workloads have) costs no copy and
// no library call, where building it apart and assigning it cost both.
inline void write_key(std::string& key, std::uint64_t n) {
  std::size_t width = 2;  // "k" and a digit
  for (std::uint64_t rest = n; rest >= 10; rest /= 10) ++width;
  if (key.size() != width) [[unlikely]] key.resize(width);
  key[0] = 'k';
  decimal_ending_at(key.data() + width, n);
}

// What the clients ask of the world. The simulation implements it.
class ClientWorld {
 public:
  virtual ~ClientWorld() = default;
  // A message is built where it will travel: client_message() hands out a
  // reset one (Message::reset) to fill in, and client_send() sends it. No
  // temporary is built, copied in and destroyed per request.
  virtual Message& client_message() = 0;
  virtual void client_send() = 0;
  virtual void client_timer(std::uint32_t client, Time_us at, ClientTimer kind, std::uint64_t arg) = 0;
  // `encoded`: the command as its requests carry it (encode(c)).
  virtual void client_call(std::uint32_t client, const Command& c, const Value& encoded) = 0;
  virtual void client_return(std::uint32_t client, const Command& c, const Message& reply) = 0;
};

class KvClients {
 public:
  // Redirect hops one attempt may take before it waits and tries the next node.
  static constexpr std::uint32_t k_max_hops_per_attempt = 8;
  // The wait after a redirect that named no leader.
  static constexpr Time_us k_no_leader_backoff_us = 20'000;

  KvClients(const Scenario& s);

  void start(Time_us now, ClientWorld& w);
  void on_timer(std::uint32_t client, ClientTimer kind, std::uint64_t arg, Time_us now, ClientWorld& w);
  void on_message(const Message& m, Time_us now, ClientWorld& w);

  // Whether a timer still means something (its attempt is not over).
  bool timer_live(std::uint32_t client, ClientTimer kind, std::uint64_t arg) const {
    const Client& c = clients_[client];
    switch (kind) {
      case ClientTimer::issue: return !c.busy && (!c.arrived.empty() || c.generated < s_.workload.ops_per_client);
      case ClientTimer::arrival: return true;
      case ClientTimer::timeout:
      case ClientTimer::resend: return c.busy && arg == c.token;
    }
    return false;
  }

  // Nothing left to issue and nothing outstanding.
  bool settled() const { return busy_ == 0 && remaining_ == 0; }
  std::uint32_t clients() const { return static_cast<std::uint32_t>(clients_.size()); }
  // A client's random stream, for record and replay (sim/decisions.hpp).
  Rng& rng(std::uint32_t client) { return clients_[client].rng; }

 private:
  struct Client {
    std::uint32_t index = 0;
    NodeId target = 0;             // where the next attempt goes
    std::optional<NodeId> leader;  // the last node that answered us
    bool busy = false;
    Command current;
    Value encoded;                 // encode(current), made once per request
    std::uint64_t next_request = 1;
    std::uint64_t generated = 0;   // generated operations issued so far
    // The value a put generated now would carry, "c%04u-%07llu" of index + 1
    // and generated + 1, kept as generated counts: one digit up (a carry
    // now and then) per operation, where writing it afresh took eleven.
    std::string next_value;
    std::deque<std::size_t> arrived;  // exact requests that fell due, waiting for the client
    std::uint64_t token = 0;       // of the current attempt's timers
    std::uint32_t hops = 0;        // redirects followed in this attempt
    Rng rng;
    // Shards: target and leader apply to the group of the current key; the
    // other groups' are kept here (per group: target, leader).
    std::uint32_t group = 0;
    std::vector<std::pair<NodeId, std::optional<NodeId>>> saved;
  };

  // The issue path (an issue timer: try_issue, generate, send_attempt) is
  // made once per command and is one function: as calls, each saved and
  // restored its registers around a body of a few dozen instructions.
  [[gnu::always_inline]] inline void try_issue(Client& c, Time_us now, ClientWorld& w);
  [[gnu::always_inline]] inline void send_attempt(Client& c, Time_us now, ClientWorld& w, bool arm_timeout);
  // Into `cmd`: its op, key and value.
  [[gnu::always_inline]] inline void generate(Client& c, Command& cmd);
  // A timeout or think time for `c`: a constant (the usual case) without a
  // call, the same as c.rng.draw_us(d), which draws nothing for one either.
  static Time_us draw(Client& c, const Delay& d) { return d.constant() ? d.constant_us() : c.rng.draw_us(d); }
  // c.next_value for c.generated + 1 (decimal_ending_at's digits).
  static void write_next_value(Client& c);
  EndpointId endpoint(const Client& c) const { return nodes_ + c.index; }
  // The next node to try after n: in order, among the current group's members.
  NodeId next_node(const Client& c, NodeId n) const;
  // Shards: routes the client by the key of its next request.
  // In line, the usual case (one group, or the same one) a test; the
  // switch itself out of line.
  void switch_group(Client& c, std::uint32_t group) {
    if (layout_.shards > 1 && group != c.group) [[unlikely]] move_to_group(c, group);
  }
  [[gnu::noinline]] void move_to_group(Client& c, std::uint32_t group);

  const Scenario& s_;
  // s_.workload's timeout_ms and think_ms, checked once: each command draws
  // both, and they are constants unless a scenario says otherwise.
  Delay timeout_ms_;
  Delay think_ms_;
  std::uint32_t nodes_;
  std::vector<Client> clients_;
  std::uint32_t busy_ = 0;
  std::uint64_t remaining_ = 0;  // operations not yet issued, generated and exact
  ShardLayout layout_;
  std::vector<std::vector<NodeId>> members_;  // per group (one group: every node)
};

}  // namespace paxsim::sim
