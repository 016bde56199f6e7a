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
  // A client's open calls, by request: the op index of each. A kv client has
  // one call open at a time, so it sits in `one`; a second one, should there
  // be one, goes to `more` (a short list, kept with its capacity). A request
  // is in one place at most.
  struct OpenCall {
    std::uint64_t request = 0;
    std::size_t index = 0;
  };
  struct OpenCalls {
    bool has_one = false;
    OpenCall one;
    std::vector<OpenCall> more;
  };
  // The open call for `request` in `more`, or its end. A plain loop: the
  // list is a call or two long, which std::find_if's unrolled search costs
  // more to set up than to walk.
  static std::vector<OpenCall>::iterator in_more(OpenCalls& open, std::uint64_t request) {
    auto it = open.more.begin();
    while (it != open.more.end() && it->request != request) ++it;
    return it;
  }
  OpenCalls& open_of(std::uint32_t client) {
    if (client >= open_size_) {
      open_.resize(client + 1);
      open_size_ = open_.size();
    }
    return open_[client];
  }

  // on_client_return's other cases, in full; an answer's time and result;
  // a get's result, out of line (its copy calls the library).
  [[gnu::noinline]] void return_slow(Time_us t, std::uint32_t client, const Command& c, const Message& reply);
  [[gnu::always_inline]] inline void returned(Time_us t, Operation& op, const Message& reply);
  [[gnu::noinline]] void set_result(Operation& op, const Message& reply);

  History history_;
  std::vector<OpenCalls> open_;  // by client
  // open_.size() and history_.ops.size(), kept: a vector's size divides by
  // its element's size, on every call and return.
  std::size_t open_size_ = 0;
  std::size_t ops_size_ = 0;
};
static_assert(sim::overridden_hooks<HistoryRecorder>() == HistoryRecorder::k_hooks);

}  // namespace paxsim::checkers
