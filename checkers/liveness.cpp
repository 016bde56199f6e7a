#include "checkers/liveness.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "paxos/shard_map.hpp"

namespace paxsim::checkers {

static std::string ms(Time_us t) { return fmt::format("{:.3f} ms", static_cast<double>(t) / 1000.0); }

LivenessChecker::LivenessChecker(const sim::Simulation& sim, sim::Liveness bound, ChosenTracker& chosen)
    : sim_(sim), bound_(bound) {
  reserve();
  chosen.on_chosen([this](Slot s, Time_us chosen_us) {
    add_deadline(Deadline{deadline_for(chosen_us), false, 0, s});
  });
}

LivenessChecker::LivenessChecker(const sim::Simulation& sim, sim::Liveness bound, ShardChecks& shards)
    : sim_(sim), bound_(bound), shards_(&shards) {
  reserve();
  shards.on_chosen([this](std::uint32_t g, Slot s, Time_us chosen_us) {
    add_deadline(Deadline{deadline_for(chosen_us), false, g, s});
  });
}

void LivenessChecker::reserve() {
  const sim::Scenario& s = sim_.scenario();
  by_client_.resize(s.clients());
  // A deadline per request and per chosen slot: a slot per command, about.
  due_.reserve(2 * expected_slots(s));
}

void LivenessChecker::on_client_call(Time_us, std::uint32_t, const Command& c) {
  if (shards_) calling_group_ = shard_of(c.key, shards_->shards());
}

void LivenessChecker::on_request_open(Time_us t, std::uint64_t id, NodeId n) {
  const Open o{n, t, shards_ ? calling_group_ : 0};
  ClientOpen* e = client_entry(id);
  if (e && (e->id == 0 || e->id == id)) {
    e->id = id;
    e->open = o;
    if (!open_.empty()) open_.erase(id);  // one entry per id, wherever it was
  } else {
    open_[id] = o;
  }
  add_deadline(Deadline{deadline_for(t), true, 0, id});
}

const LivenessChecker::Open* LivenessChecker::find_open(std::uint64_t id) {
  if (const ClientOpen* e = client_entry(id); e && e->id == id) return &e->open;
  return open_.find(id);
}

void LivenessChecker::insert_deadline(const Deadline& d) {
  // Not seen (a step's time never goes back, and every deadline is that
  // time plus the one bound), but kept right: after those due no later.
  const auto at = std::upper_bound(due_.begin() + static_cast<std::ptrdiff_t>(first_due_), due_.end(), d.at,
                                   [](Time_us a, const Deadline& e) { return a < e.at; });
  due_.insert(at, d);
  if (!failed_) next_due_ = due_[first_due_].at;
}

void LivenessChecker::expire_before(Time_us t, bool inclusive) {
  while (!failed_ && first_due_ < due_.size() &&
         (due_[first_due_].at < t || (inclusive && due_[first_due_].at <= t))) {
    const Deadline d = due_[first_due_++];
    check(d);
  }
  // The queue's front is spent: drop it once it is most of the queue, so a
  // long run keeps only the deadlines of the last bound's worth of time.
  if (first_due_ == due_.size()) {
    due_.clear();
    first_due_ = 0;
  } else if (first_due_ >= 1024 && first_due_ * 2 >= due_.size()) {
    due_.erase(due_.begin(), due_.begin() + static_cast<std::ptrdiff_t>(first_due_));
    first_due_ = 0;
  }
  next_due_ = failed_ || first_due_ == due_.size() ? k_never : due_[first_due_].at;
}

void LivenessChecker::fail(std::string what, Time_us at) {
  failure_ = std::move(what);
  failure_time_us_ = at;
  failed_ = true;
}

void LivenessChecker::check(const Deadline& d) {
  if (d.request) {
    const Open* o = find_open(d.what);
    if (o == nullptr) return;
    // With shards, only the group that holds the key can answer: the client
    // must reach a majority of that group, whatever else it reaches.
    if (shards_ ? !shards_->reaches_majority(sim_, o->group, o->node) : !sim_.is_live(o->node)) return;
    fail(fmt::format("a request by {} (issued at {}) was not answered by {}",
                     sim::endpoint_name(sim_.scenario(), o->node), ms(o->issued_us), ms(d.at)),
         d.at);
    return;
  }
  if (shards_) {
    for (NodeId n : shards_->members(d.group)) {
      if (!shards_->live_in(sim_, d.group, n) || sim_.node(n)->has_learned_in(d.group, d.what)) continue;
      fail(fmt::format("{} is live but had not learned slot {} of group {} by {}", node_name(n), d.what, d.group,
                       ms(d.at)),
           d.at);
      return;
    }
    return;
  }
  for (NodeId n = 0; n < sim_.scenario().nodes; ++n) {
    if (!sim_.is_live(n) || sim_.node(n)->has_learned(d.what)) continue;
    fail(fmt::format("{} is live but had not learned slot {} by {}", node_name(n), d.what, ms(d.at)), d.at);
    return;
  }
}

}  // namespace paxsim::checkers
