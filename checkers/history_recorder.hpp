// Records the kv client history (calls and the answers clients got, in true
// simulated time) for the `linearizable` checker and for `--history`.
#pragma once

#include <map>
#include <utility>

#include "checkers/history.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace paxsim::checkers {

class HistoryRecorder : public sim::Observer {
 public:
  explicit HistoryRecorder(const sim::Scenario& s);

  sim::HookSet hooks() const override { return sim::hook_set(); }
  void on_client_call(Time_us t, std::uint32_t client, const Command& c) override;
  void on_client_return(Time_us t, std::uint32_t client, const Command& c, const Message& reply) override;

  const History& history() const { return history_; }

 private:
  History history_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::size_t> open_;  // (client, request) -> op index
};

}  // namespace paxsim::checkers
