// Who waits for the reply to a client's request (client, request) -> the
// endpoint that sent it: a leader notes each request it takes and answers
// it once the command is applied. A handful are open in steady state, one
// per client with a request open, so each client's usual one sits in a
// table indexed by the client's id: noting and answering it is an index,
// not a search. Any other (a client's second open request, a client id far
// from the simulated clients' such as the lock service's own) goes to a
// sorted overflow list. Iteration is in (client, request) order all the
// same, as a std::map's would be.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "paxos/types.hpp"

namespace paxsim {

class Waiters {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Notes that `who` waits for (client, request); it replaces whoever
  // waited for that request before.
  void wait(std::uint32_t client, std::uint64_t request, EndpointId who) {
    if (client < first_size_) {
      First& f = first_[client];
      if (f.open && f.request == request) {
        f.who = who;
        return;
      }
      if (!f.open && overflow_.empty()) {  // nothing of this request elsewhere
        f = First{request, who, true};
        ++size_;
        return;
      }
    }
    wait_slow(client, request, who);
  }

  // Who waits for (client, request), forgotten; false if nobody does.
  bool take(std::uint32_t client, std::uint64_t request, EndpointId& who) {
    if (client < first_size_) {
      First& f = first_[client];
      if (f.open && f.request == request) {
        who = f.who;
        f.open = false;
        --size_;
        return true;
      }
    }
    if (overflow_.empty()) return false;
    const Key key{client, request};
    const auto it = std::lower_bound(overflow_.begin(), overflow_.end(), key, before);
    if (it == overflow_.end() || it->first != key) return false;
    who = it->second;
    overflow_.erase(it);
    --size_;
    return true;
  }

  // f(client, request, who) for each, in (client, request) order.
  template <class F>
  void for_each(F&& f) const {
    if (overflow_.empty()) {  // the table alone is in order
      for (std::uint32_t c = 0; c < first_size_; ++c)
        if (first_[c].open) f(c, first_[c].request, first_[c].who);
      return;
    }
    std::vector<std::pair<Key, EndpointId>> all(overflow_);
    for (std::uint32_t c = 0; c < first_size_; ++c)
      if (first_[c].open) all.push_back({Key{c, first_[c].request}, first_[c].who});
    std::sort(all.begin(), all.end());  // keys are distinct
    for (const auto& [k, who] : all) f(k.first, k.second, who);
  }

 private:
  // Client ids below this have a place in the table (the simulated
  // clients are numbered from 0); the table grows to the highest seen.
  static constexpr std::uint32_t k_table_clients = 4096;
  using Key = std::pair<std::uint32_t, std::uint64_t>;
  static bool before(const std::pair<Key, EndpointId>& w, const Key& k) { return w.first < k; }

  // A client's request in the table. A (client, request) is in the table or
  // in the overflow list, never both: wait() looks in both before it adds.
  struct First {
    std::uint64_t request = 0;
    EndpointId who = 0;
    bool open = false;
  };

  [[gnu::noinline]] void wait_slow(std::uint32_t client, std::uint64_t request, EndpointId who) {
    const Key key{client, request};
    const auto it = std::lower_bound(overflow_.begin(), overflow_.end(), key, before);
    if (it != overflow_.end() && it->first == key) {
      it->second = who;
      return;
    }
    if (client < k_table_clients) {
      if (client >= first_size_) {
        first_.resize(client + 1);
        first_size_ = first_.size();
      }
      First& f = first_[client];
      if (f.open && f.request == request) {
        f.who = who;
        return;
      }
      if (!f.open) {
        f = First{request, who, true};
        ++size_;
        return;
      }
    }
    overflow_.insert(it, {key, who});
    ++size_;
  }

  std::vector<First> first_;  // by client id
  // first_.size(), kept: a vector's size divides by the element's size.
  std::uint32_t first_size_ = 0;
  std::vector<std::pair<Key, EndpointId>> overflow_;  // sorted by key
  std::size_t size_ = 0;
};

}  // namespace paxsim
