// Records the kv client history (calls and the answers clients got, in true
// simulated time) for the `linearizable` checker and for `--history`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "checkers/history.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

class HistoryRecorder : public sim::Observer {
 public:
  explicit HistoryRecorder(const sim::Scenario& s);

  static constexpr sim::HookSet k_hooks = sim::hook_set(sim::Hook::client_call, sim::Hook::client_return);
  sim::HookSet hooks() const override { return k_hooks; }
  void on_client_call(Time_us t, std::uint32_t client, const Command& c) override;
  void on_client_return(Time_us t, std::uint32_t client, const Command& c, const Message& reply) override;

  const History& history() const { return history_; }

 private:
  // A client's open calls: (request, op index). A client has a call or two
  // open at a time, so a short list per client, kept (with its capacity)
  // across calls, instead of a tree node per call.
  using OpenCalls = std::vector<std::pair<std::uint64_t, std::size_t>>;
  // The open call for `request`, or the list's end. A plain loop: the list
  // is a call or two long, which std::find_if's unrolled search costs more
  // to set up than to walk.
  static OpenCalls::iterator open_call(OpenCalls& open, std::uint64_t request) {
    auto it = open.begin();
    while (it != open.end() && it->first != request) ++it;
    return it;
  }
  OpenCalls& open_of(std::uint32_t client) {
    if (client >= open_.size()) open_.resize(client + 1);
    return open_[client];
  }

  History history_;
  std::vector<OpenCalls> open_;  // by client
};
static_assert(sim::overridden_hooks<HistoryRecorder>() == HistoryRecorder::k_hooks);

}  // namespace paxsim::checkers
