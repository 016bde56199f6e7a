#include "sim/network.hpp"

#include <algorithm>

namespace paxsim::sim {

Network::Network(std::uint32_t nodes, std::uint32_t endpoints, LinkModel model)
    : nodes_(nodes),
      endpoints_(endpoints),
      model_(model),
      plain_(plain(model)),
      delay_(model.delay_ms),
      group_(endpoints, -1),
      cut_count_(static_cast<std::size_t>(endpoints) * endpoints, 0) {}

void Network::patch(const LinkPatch& p) {
  if (p.delay_ms) model_.delay_ms = *p.delay_ms;
  if (p.drop) model_.drop = *p.drop;
  if (p.duplicate) model_.duplicate = *p.duplicate;
  plain_ = plain(model_);
  delay_ = Delay(model_.delay_ms);
}

void Network::partition(const std::vector<std::vector<EndpointId>>& groups, std::uint64_t id) {
  std::fill(group_.begin(), group_.end(), -1);
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (EndpointId e : groups[g]) group_[e] = static_cast<std::int32_t>(g);
  partition_id_ = id;
  update_split();
}

void Network::remove_partition(std::uint64_t id) {
  if (partition_id_ != id) return;
  partition_id_ = 0;
  std::fill(group_.begin(), group_.end(), -1);
  update_split();
}

void Network::count_cut(const Cut& c, int delta) {
  for (EndpointId f : c.from)
    for (EndpointId t : c.to) {
      if (f == t) continue;  // a node's messages to itself are never lost
      auto& n = cut_count_[static_cast<std::size_t>(f) * endpoints_ + t];
      n = static_cast<std::uint16_t>(n + delta);
    }
}

void Network::add_cut(const std::vector<EndpointId>& from, const std::vector<EndpointId>& to, std::uint64_t id) {
  cuts_.push_back(Cut{id, from, to});
  count_cut(cuts_.back(), +1);
  update_split();
}

void Network::remove_cut(std::uint64_t id) {
  auto it = std::find_if(cuts_.begin(), cuts_.end(), [&](const Cut& c) { return c.id == id; });
  if (it == cuts_.end()) return;
  count_cut(*it, -1);
  cuts_.erase(it);
  update_split();
}

void Network::heal() {
  remove_partition(partition_id_);
  for (const Cut& c : cuts_) count_cut(c, -1);
  cuts_.clear();
  update_split();
}

bool Network::can_deliver_split(EndpointId from, EndpointId to) const {
  if (from == to) return true;
  if (partition_id_ != 0) {
    const std::int32_t gf = group_[from], gt = group_[to];
    if (gf >= 0 && gt >= 0) {
      if (gf != gt) return false;
    } else if (gf < 0 && gt < 0) {
      return false;  // a node in no group reaches nobody; clients talk to nodes only
    } else {
      // One side is in no group: allowed only for a client in no group talking
      // with a node that is in a group.
      const EndpointId loose = gf < 0 ? from : to;
      const EndpointId grouped = gf < 0 ? to : from;
      if (is_node(loose) || !is_node(grouped)) return false;
    }
  }
  return cut_count_[static_cast<std::size_t>(from) * endpoints_ + to] == 0;
}

}  // namespace paxsim::sim
