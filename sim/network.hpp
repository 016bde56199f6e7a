// Who can talk to whom: the current partition, one-way cuts, and the link
// model (delay, loss, duplication) that the simulator draws from. Whether a
// message is lost to a partition or cut is judged at delivery time.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace paxsim::sim {

class Network {
 public:
  Network(std::uint32_t nodes, std::uint32_t endpoints, LinkModel model);

  const LinkModel& model() const { return model_; }
  // model().delay_ms, checked for the usual draw (kept, as every send draws).
  const Delay& delay() const { return delay_; }
  // The links neither lose nor duplicate: a send's fate is its delay alone.
  // Kept, as every send asks.
  bool plain() const { return plain_; }
  void patch(const LinkPatch& p);

  // Replaces any partition. `id` names it so the nemesis can undo its own.
  void partition(const std::vector<std::vector<EndpointId>>& groups, std::uint64_t id);
  void remove_partition(std::uint64_t id);  // only if it is still the one in force
  void add_cut(const std::vector<EndpointId>& from, const std::vector<EndpointId>& to, std::uint64_t id);
  void remove_cut(std::uint64_t id);
  void heal();

  // Inline for the common case, a network with no partition and no cut.
  bool can_deliver(EndpointId from, EndpointId to) const { return !split_ || can_deliver_split(from, to); }
  bool partitioned() const { return partition_id_ != 0; }
  // A partition or a cut is in force (can_deliver may say no).
  bool split() const { return split_; }
  bool is_cut(EndpointId from, EndpointId to) const {
    return from != to && cut_count_[static_cast<std::size_t>(from) * endpoints_ + to] > 0;
  }

 private:
  bool can_deliver_split(EndpointId from, EndpointId to) const;  // some partition or cut is in force
  struct Cut {
    std::uint64_t id;
    std::vector<EndpointId> from, to;
  };
  void count_cut(const Cut& c, int delta);
  bool is_node(EndpointId e) const { return e < nodes_; }
  // After every change to the partition or the cuts.
  void update_split() { split_ = partition_id_ != 0 || !cuts_.empty(); }

  // The one rule for a plain link, whichever way the model was set.
  static bool plain(const LinkModel& m) { return !(m.drop > 0) && !(m.duplicate > 0); }

  std::uint32_t nodes_;
  std::uint32_t endpoints_;
  LinkModel model_;
  bool plain_;  // plain(model_)
  Delay delay_;  // Delay(model_.delay_ms)
  std::uint64_t partition_id_ = 0;   // 0: no partition
  std::vector<std::int32_t> group_;  // per endpoint; -1: in no group
  std::vector<Cut> cuts_;
  std::vector<std::uint16_t> cut_count_;  // endpoints x endpoints; > 0: cut
  bool split_ = false;  // a partition or a cut is in force: kept, as every delivery asks
};

}  // namespace paxsim::sim
