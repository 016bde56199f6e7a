#include "checkers/lock.hpp"

#include <fmt/format.h>

namespace paxsim::checkers {

namespace {
std::string ms(Time_us t) { return fmt::format("{:.3f} ms", static_cast<double>(t) / 1000.0); }
std::string client_name(std::uint32_t c) { return fmt::format("c{}", c + 1); }
}  // namespace

LockChecker::LockChecker(const sim::Scenario& s, ViolationSink& sink) : sink_(sink), fencing_(s.workload.fencing) {}

void LockChecker::on_lock_event(Time_us t, const sim::LockEvent& e) {
  const Key key{e.client, e.token};
  if (e.kind == sim::LockEvent::Kind::end) {
    open_.erase(key);
    return;
  }
  if (!e.accepted) return;  // the resource refused it: it did not act
  if (fencing_) {
    // Tenures under lower tokens can never act again.
    std::erase_if(open_, [&](const auto& kv) { return kv.first.second < e.token; });
  }
  for (const auto& [other_key, other] : open_) {
    if (other_key == key) continue;
    sink_.report(Violation{
        "lock", step_index(), t,
        fmt::format("{} acted under the lock (token {}) at {} while {} still held it (token {})", client_name(e.client),
                    e.token, ms(t), client_name(other.client), other.token),
        {fmt::format("{} acted under token {} from {} to {} and has not released or given up",
                     client_name(other.client), other.token, ms(other.first_us), ms(other.last_us)),
         fmt::format("{} acted under token {} at {}{}", client_name(e.client), e.token, ms(t),
                     e.token == other.token ? " (the same token: two grants gave it out)" : ""),
         fencing_ ? "the resource checks fencing tokens, and accepted both"
                  : "the resource does not check fencing tokens (workload.fencing is off)"}});
    return;
  }
  auto [it, fresh] = open_.try_emplace(key, Tenure{e.client, e.token, t, t});
  if (fresh) ++tenures_;
  it->second.last_us = t;
}

}  // namespace paxsim::checkers
