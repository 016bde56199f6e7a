// The small containers on the hot path: a log (paxos/slot_map.hpp), a
// leader's window of proposals in flight (paxos/slot_window.hpp), the flat hash table of the key-value store
// and of a leader's queued commands (paxos/flat_hash_map.hpp), the simulator's per-disk queues
// (sim/fifo.hpp) and its event queue (sim/event_queue.hpp), each checked
// against a standard container that does the same job plainly.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "paxos/effects.hpp"
#include "paxos/flat_hash_map.hpp"
#include "paxos/shard_map.hpp"
#include "paxos/slot_map.hpp"
#include "paxos/slot_window.hpp"
#include "paxos/value.hpp"
#include "sim/event_queue.hpp"
#include "sim/fifo.hpp"

namespace {

template <class T>
std::vector<std::pair<paxsim::Slot, T>> items(const paxsim::SlotWindow<T>& w) {
  std::vector<std::pair<paxsim::Slot, T>> out;
  w.for_each([&](paxsim::Slot s, const T& v) { out.emplace_back(s, v); });
  return out;
}

template <class T>
std::vector<std::pair<paxsim::Slot, T>> items(const std::map<paxsim::Slot, T>& m) {
  return {m.begin(), m.end()};
}

}  // namespace

TEST_CASE("slot map: behaves as a map of slots over appends, gaps, fills and replacements across chunks") {
  // A log's pattern: mostly the next slot, sometimes a slot ahead (a gap,
  // sometimes past a chunk's end), a slot filled in below the top, or one
  // replaced; each of the four ways to store checked against std::map.
  struct Entry {
    Entry() = default;
    Entry(int b, std::string t) : ballot(b), text(std::move(t)) {}
    int ballot = -1;
    std::string text;
    bool operator==(const Entry&) const = default;
  };
  paxsim::SlotMap<Entry> log;
  std::map<paxsim::Slot, Entry> m;
  std::uint64_t x = 777;
  auto next = [&x] { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
  paxsim::Slot top = 0;  // one past the highest slot stored
  for (int round = 0; round < 4000; ++round) {
    const std::uint64_t r = next() >> 33;
    paxsim::Slot s = top;  // the next slot
    if (r % 10 == 0) s = top + 1 + (r >> 8) % 300;  // ahead, maybe into a later chunk
    else if (r % 10 == 1 && top > 0) s = (r >> 8) % top;  // below the top: a gap or a stored slot
    const Entry e{static_cast<int>(round), "v" + std::to_string(round)};
    switch ((r >> 4) % 4) {
      case 0: {  // try_emplace: stores only into an empty slot
        const bool stored = log.try_emplace(s, e.ballot, e.text);
        CHECK(stored == !m.contains(s));
        m.emplace(s, e);
        break;
      }
      case 1:  // emplace: replaces, here from the old value itself
        if (const Entry* old = log.find(s)) {
          const Entry want{old->ballot + 1, old->text};
          log.emplace(s, old->ballot + 1, old->text);
          m[s] = want;
        } else {
          log.emplace(s, e.ballot, e.text);
          m[s] = e;
        }
        break;
      case 2:  // operator[]: default-constructed first
        log[s].text += "+";
        m[s].text += "+";
        break;
      default:  // a lookup that stores nothing
        CHECK(log.contains(s) == m.contains(s));
        break;
    }
    if (!m.empty()) top = m.rbegin()->first + 1;
    REQUIRE(log.size() == m.size());
    REQUIRE(log.end_slot() == top);
    if (round % 101 == 0) {
      std::vector<std::pair<paxsim::Slot, Entry>> got;
      log.for_each([&](paxsim::Slot slot, const Entry& v) { got.emplace_back(slot, v); });
      CHECK(got == std::vector<std::pair<paxsim::Slot, Entry>>(m.begin(), m.end()));
      for (paxsim::Slot q = top > 300 ? top - 300 : 0; q <= top + 2; ++q) {
        const Entry* f = log.find(q);
        auto it = m.find(q);
        REQUIRE((f != nullptr) == (it != m.end()));
        if (f) CHECK(*f == it->second);
      }
    }
  }
  CHECK(top > 1000);  // several chunks of 256
}

TEST_CASE("slot window: behaves as a map of slots added in increasing order, erased in any") {
  paxsim::SlotWindow<std::string> w;
  std::map<paxsim::Slot, std::string> m;
  std::uint64_t x = 12345;
  auto next = [&x] { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
  paxsim::Slot top = 7;
  for (int round = 0; round < 3000; ++round) {
    const std::uint64_t r = next() >> 33;
    if (r % 3 != 0 || m.empty()) {
      top += 1 + (r >> 8) % 3;  // sometimes skips slots
      w.add(top) = "v" + std::to_string(top);
      m[top] = "v" + std::to_string(top);
    } else {
      auto it = m.begin();
      std::advance(it, static_cast<long>((r >> 4) % m.size()));
      w.erase(it->first);
      m.erase(it);
    }
    REQUIRE(w.size() == m.size());
    if (round % 97 == 0) {
      CHECK(items(w) == items(m));
      for (paxsim::Slot s = top > 40 ? top - 40 : 0; s <= top + 2; ++s) {
        const std::string* f = w.find(s);
        auto it = m.find(s);
        REQUIRE((f != nullptr) == (it != m.end()));
        if (f) CHECK(*f == it->second);
      }
    }
    if (round == 1500) {  // emptied, then refilled from far above
      w.clear();
      m.clear();
      top += 1000;
      CHECK(w.empty());
      CHECK(w.find(top - 1000) == nullptr);
    }
  }
  CHECK(items(w) == items(m));
}

TEST_CASE("slot window: a slot added again is the same element, and a new one reuses its cell") {
  paxsim::SlotWindow<std::vector<int>> w;
  w.add(5).push_back(1);
  w.add(5).push_back(2);  // present: returned as it is
  CHECK(w.size() == 1);
  CHECK(*w.find(5) == std::vector<int>{1, 2});
  w.erase(5);
  CHECK(w.empty());
  CHECK(w.find(5) == nullptr);
  w.add(6);  // not below the lowest present slot: fine after emptying
  CHECK(w.size() == 1);
  CHECK(w.find(6) != nullptr);
}

namespace {
// A poor hash on purpose (a few distinct values), so that probe runs collide,
// wrap around the end of the table and are shifted back on erase.
struct CrowdedHash {
  std::uint64_t operator()(const std::string& k) const { return paxsim::fnv1a64(k) % 7 * 0x9e3779b97f4a7c15ull + (k.size() & 1); }
};
}  // namespace

TEST_CASE("flat hash map: behaves as std::unordered_map over inserts, lookups and erases") {
  paxsim::FlatHashMap<std::string, std::string, CrowdedHash> crowded;
  struct Fnv {
    std::uint64_t operator()(const std::string& k) const { return paxsim::fnv1a64(k); }
  };
  paxsim::FlatHashMap<std::string, std::string, Fnv> spread;
  std::unordered_map<std::string, std::string> ref;
  std::uint64_t x = 777;
  auto next = [&x] { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
  for (int round = 0; round < 20000; ++round) {
    const std::uint64_t r = next() >> 33;
    const std::string k = "k" + std::to_string((r >> 3) % (round < 10000 ? 300 : 40));  // grows, then churns
    switch (r % 4) {
      case 0:
      case 1: {
        const std::string v = "v" + std::to_string(round);
        crowded[k] = v;
        spread[k] = v;
        ref[k] = v;
        break;
      }
      case 2: {
        const bool was = ref.erase(k) == 1;
        CHECK(crowded.erase(k) == was);
        CHECK(spread.erase(k) == was);
        break;
      }
      case 3:
        if (round % 1000 == 999) {
          crowded.clear();
          spread.clear();
          ref.clear();
        }
        break;
    }
    REQUIRE(crowded.size() == ref.size());
    REQUIRE(spread.size() == ref.size());
    if (round % 101 == 0) {
      for (int i = 0; i < 300; ++i) {  // every key ever used, present or not
        const std::string q = "k" + std::to_string(i);
        auto it = ref.find(q);
        const std::string* a = crowded.find(q);
        const std::string* b = spread.find(q);
        REQUIRE((a != nullptr) == (it != ref.end()));
        REQUIRE((b != nullptr) == (it != ref.end()));
        if (a) CHECK(*a == it->second);
        if (b) CHECK(*b == it->second);
      }
    }
  }
}

TEST_CASE("flat hash map: keyed by values, an erased key lets go of its text") {
  paxsim::FlatHashMap<paxsim::Value, bool, std::hash<paxsim::Value>> m;
  const paxsim::Value a("alpha"), b("beta");
  m[a] = true;
  m[paxsim::Value("beta")] = true;
  CHECK(m.contains(paxsim::Value("alpha")));
  CHECK(m.contains(b));
  CHECK(!m.contains(paxsim::Value("gamma")));
  CHECK(m.erase(paxsim::Value("alpha")));
  CHECK(!m.erase(a));
  CHECK(!m.contains(a));
  CHECK(m.size() == 1);
  // As a set: insert says whether the key is new, and a repeat adds nothing.
  CHECK(m.insert(a));
  CHECK(!m.insert(paxsim::Value("alpha")));
  CHECK(!m.insert(b));
  CHECK(m.size() == 2);
  CHECK(m.contains(a));
}

TEST_CASE("fifo: first in, first out across growth and wrap-around") {
  paxsim::sim::Fifo<std::string> f;
  std::deque<std::string> d;
  int n = 0;
  for (int round = 0; round < 500; ++round) {
    const int pushes = round % 7 == 0 ? 40 : 3;
    for (int i = 0; i < pushes; ++i) {
      f.push() = std::to_string(n);
      d.push_back(std::to_string(n));
      ++n;
    }
    for (int i = 0; i < 4 && !d.empty(); ++i) {
      REQUIRE(f.front() == d.front());
      f.pop_front();
      d.pop_front();
    }
    REQUIRE(f.size() == d.size());
    if (!d.empty()) CHECK(f.back() == d.back());
  }
  std::vector<std::string> seen;
  f.for_each([&](const std::string& s) { seen.push_back(s); });
  CHECK(seen == std::vector<std::string>(d.begin(), d.end()));
  f.clear();
  CHECK(f.empty());
  f.push() = "again";
  CHECK(f.front() == "again");
  CHECK(f.size() == 1);
}

namespace {

using paxsim::sim::Event;
using paxsim::sim::EventClass;
using paxsim::sim::EventKind;

// An event as the reference holds it: with its place in the order of pushes.
struct Queued : Event {
  std::uint64_t seq = 0;
};

// The queue's order, spelled out: time, then class, then the order of pushes.
struct ByOrder {
  bool operator()(const Queued& x, const Queued& y) const {
    return std::tuple(x.time, x.klass, x.seq) < std::tuple(y.time, y.klass, y.seq);
  }
};

// The event queue tests' draws: a 64-bit LCG's high 31 bits, seeded.
auto high_bits_lcg(std::uint64_t seed) {
  return [x = seed]() mutable { return (x = x * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
}

void check_same(const Event& got, const Event& want) {
  CHECK(got.time == want.time);
  CHECK(got.arg == want.arg);
  CHECK(got.target == want.target);
  CHECK(got.incarnation == want.incarnation);
  CHECK(got.kind == want.kind);
  CHECK(got.klass == want.klass);
  CHECK(got.aux == want.aux);
}

}  // namespace

TEST_CASE("event queue: pops in (time, class, sequence) order, near and far, with picks out of order") {
  paxsim::sim::EventQueue q;
  std::set<Queued, ByOrder> ref;
  auto next = high_bits_lcg(777);
  paxsim::Time_us now = 0;
  std::uint64_t seq = 0;
  int specials = 0, far = 0, same_time = 0, taken = 0;
  for (int round = 0; round < 60000; ++round) {
    const std::uint64_t r = next() % 100;
    if (r < 52 || ref.empty()) {
      Event e;
      const std::uint64_t d = next();
      // Mostly within a network delay; some at this very instant; some far
      // off (timeouts, election timers).
      if (d % 10 == 0) {
        e.time = now;
        ++same_time;
      } else if (d % 10 == 1) {
        e.time = now + static_cast<paxsim::Time_us>(next() % 3'000'000);
        ++far;
      } else {
        e.time = now + static_cast<paxsim::Time_us>(next() % 20'000);
      }
      e.klass = next() % 20 == 0 ? static_cast<EventClass>(next() % 3) : EventClass::other;
      if (e.klass != EventClass::other) ++specials;
      e.arg = next();
      e.target = static_cast<std::uint32_t>(next() % 9);
      e.incarnation = static_cast<std::uint32_t>(next() % 3);
      e.kind = static_cast<EventKind>(next() % 9);
      e.aux = static_cast<std::uint8_t>(next() % 5);
      q.push(e);
      ref.insert(Queued{e, seq++});
    } else if (r < 99) {
      REQUIRE(q.top_time() == ref.begin()->time);
      const Event got = q.pop();
      check_same(got, *ref.begin());
      ref.erase(ref.begin());
      now = got.time;
    } else {
      // A pinned schedule's pick: the earliest event whose argument is even.
      const auto pick = [](const Event& e) { return e.arg % 2 == 0; };
      const std::optional<Event> got = q.take_first(pick);
      const auto want = std::find_if(ref.begin(), ref.end(), pick);
      REQUIRE(got.has_value() == (want != ref.end()));
      if (got) {
        check_same(*got, *want);
        ref.erase(want);
        now = std::max(now, got->time);
        ++taken;
      }
    }
    REQUIRE(q.size() == ref.size());
    REQUIRE(q.empty() == ref.empty());
  }
  while (!ref.empty()) {
    check_same(q.pop(), *ref.begin());
    ref.erase(ref.begin());
  }
  CHECK(q.empty());
  // The run went where it was meant to.
  CHECK(now > 10'000'000);
  CHECK(specials > 1000);
  CHECK(far > 2000);
  CHECK(same_time > 2000);
  CHECK(taken > 100);
}

TEST_CASE("event queue: far events found stale as they move into the ring are dropped, the rest pop in order") {
  // Stale here: aux 7, pushed only beyond the ring (more than 65.5 ms ahead),
  // as a kv client's timeouts are. Every one is dropped, none popped, and
  // the latest time dropped is kept.
  paxsim::sim::EventQueue q;
  q.drop_stale([](const void*, const Event& e) { return e.aux == 7; }, nullptr);
  std::set<Queued, ByOrder> ref;
  std::uint64_t x = 4242;
  auto next = [&x] { return (x = x * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
  paxsim::Time_us now = 0;
  paxsim::Time_us stale_latest = std::numeric_limits<paxsim::Time_us>::min();
  std::uint64_t seq = 0;
  int stale = 0, popped = 0, emptied = 0;
  const auto pop_one = [&] {
    const Event* got = q.pop_until(std::numeric_limits<paxsim::Time_us>::max());
    if (ref.empty()) {
      // Only stale events were left: dropped, and nothing to pop.
      REQUIRE(got == nullptr);
      REQUIRE(q.empty());
      CHECK(q.dropped_until() == stale_latest);
      ++emptied;
      return;
    }
    REQUIRE(got != nullptr);
    check_same(*got, *ref.begin());
    now = got->time;
    ref.erase(ref.begin());
    ++popped;
  };
  for (int round = 0; round < 40000; ++round) {
    const std::uint64_t r = next() % 100;
    if (r < 50 || q.empty()) {
      Event e;
      const std::uint64_t d = next() % 10;
      e.aux = static_cast<std::uint8_t>(next() % 5);
      if (d == 0) {
        e.time = now + 100'000 + static_cast<paxsim::Time_us>(next() % 1'000'000);
        e.aux = 7;
      } else if (d == 1) {
        e.time = now + static_cast<paxsim::Time_us>(next() % 3'000'000);  // far, not stale
      } else {
        e.time = now + static_cast<paxsim::Time_us>(next() % 20'000);
      }
      e.arg = next();
      q.push(e);
      if (e.aux == 7) {
        ++stale;
        stale_latest = std::max(stale_latest, e.time);
      } else {
        ref.insert(Queued{e, seq});
      }
      ++seq;
    } else {
      pop_one();
    }
  }
  while (!q.empty()) pop_one();
  CHECK(ref.empty());
  CHECK(q.dropped_until() == stale_latest);
  CHECK(stale > 2000);
  CHECK(popped > 15000);
  CHECK(emptied > 10);
}

TEST_CASE("event queue: at one instant, faults, then undos, then the nemesis, then the rest as scheduled") {
  paxsim::sim::EventQueue q;
  const auto at = [](paxsim::Time_us t, EventClass c, std::uint64_t arg) {
    Event e;
    e.time = t;
    e.klass = c;
    e.arg = arg;
    return e;
  };
  q.push(at(100'000, EventClass::other, 1));  // far off when pushed
  q.push(at(5, EventClass::other, 2));
  q.push(at(100'000, EventClass::nemesis, 3));
  q.push(at(100'000, EventClass::other, 4));
  q.push(at(100'000, EventClass::fault, 5));
  q.push(at(100'000, EventClass::nemesis_undo, 6));
  CHECK(q.pop().arg == 2);
  q.push(at(99'000, EventClass::other, 7));  // near now
  std::vector<std::uint64_t> order;
  while (!q.empty()) {
    const Event e = q.pop();
    if (e.time == 99'000) q.push(at(100'000, EventClass::other, 8));  // the same instant, scheduled last
    order.push_back(e.arg);
  }
  CHECK(order == std::vector<std::uint64_t>{7, 5, 6, 3, 1, 4, 8});
}

TEST_CASE("event queue: long runs at one instant before a later event pop in order, with picks between") {
  // A resumed node's held events, all due now, in a bucket that holds a
  // later event: each push walks past the run before it unless place()
  // takes its shortcut. Mixed in: pops (which free nodes the shortcut must
  // not take), other classes at the same instant, and pinned picks.
  paxsim::sim::EventQueue q;
  std::set<Queued, ByOrder> ref;
  auto next = high_bits_lcg(31337);
  std::uint64_t seq = 0;
  paxsim::Time_us now = 0;
  const auto push = [&](paxsim::Time_us t, EventClass c) {
    Event e;
    e.time = t;
    e.klass = c;
    e.arg = next();
    q.push(e);
    ref.insert(Queued{e, seq++});
  };
  const auto pop = [&] {
    REQUIRE(!ref.empty());
    const Event got = q.pop();
    check_same(got, *ref.begin());
    ref.erase(ref.begin());
    now = got.time;
  };
  for (int round = 0; round < 200; ++round) {
    push(now + 10 + static_cast<paxsim::Time_us>(next() % 40), EventClass::other);  // later, in the same bucket
    const int run = 20 + static_cast<int>(next() % 100);
    for (int i = 0; i < run; ++i) {
      const std::uint64_t r = next() % 20;
      push(now, r == 0 ? static_cast<EventClass>(next() % 3) : EventClass::other);
      if (r == 1 && !ref.empty()) pop();
      if (r == 2) push(now + static_cast<paxsim::Time_us>(next() % 64), EventClass::other);
      if (r == 3) {
        const auto pick = [](const Event& e) { return e.arg % 3 == 0; };
        const std::optional<Event> got = q.take_first(pick);
        const auto want = std::find_if(ref.begin(), ref.end(), pick);
        REQUIRE(got.has_value() == (want != ref.end()));
        if (got) {
          check_same(*got, *want);
          now = std::max(now, got->time);
          ref.erase(want);
        }
      }
    }
    while (ref.size() > 5) pop();
  }
  while (!ref.empty()) pop();
  CHECK(q.empty());
}

namespace {

// The queue beside its reference: every push goes to both, every pop is
// checked against the reference's first event.
struct CheckedQueue {
  paxsim::sim::EventQueue queue;
  std::set<Queued, ByOrder> want;
  std::uint64_t pushes = 0;

  void push(const Event& e) {
    queue.push(e);
    want.insert(Queued{e, pushes++});
  }
  paxsim::Time_us pop() {
    const Event got = queue.pop();
    check_same(got, *want.begin());
    want.erase(want.begin());
    return got.time;
  }
};

}  // namespace

TEST_CASE("event queue: far events at a few instants, every class, pushed out of time order, pop in order") {
  // Beyond the ring, an event waits in a run (pushed in the queue's order)
  // or a heap, and the two merge as they move in: ties in time and class
  // across both, which only the order of pushes breaks, must come out in it.
  CheckedQueue q;
  auto draw = high_bits_lcg(9001);
  paxsim::Time_us now = 0;
  int popped = 0;
  for (int round = 0; round < 300; ++round) {
    for (int i = 0, n = 1 + static_cast<int>(draw() % 30); i < n; ++i) {
      Event e;
      e.time = now + 100'000 + 1'000 * static_cast<paxsim::Time_us>(draw() % 4);  // beyond the ring
      if (draw() % 4 == 0) e.time = now + static_cast<paxsim::Time_us>(draw() % 200);  // near, now and then
      e.klass = static_cast<EventClass>(draw() % 4);
      e.arg = draw();
      q.push(e);
    }
    for (int i = 0, n = static_cast<int>(draw() % 40); i < n && !q.want.empty(); ++i, ++popped) now = q.pop();
  }
  for (; !q.want.empty(); ++popped) q.pop();
  CHECK(q.queue.empty());
  CHECK(popped > 3000);
}

TEST_CASE("effects: the observation count is the four lists' sizes summed, however they are added to and emptied") {
  paxsim::Effects out;
  auto draw = high_bits_lcg(2718);
  const auto summed = [&] { return out.learned.size() + out.quorums.size() + out.applied.size() + out.proposed.size(); };
  const paxsim::Value v("v");
  const std::vector<paxsim::NodeId> members{0, 1, 2};
  std::size_t most = 0;
  for (int round = 0; round < 5000; ++round) {
    switch (draw() % 9) {
      case 0: out.learned_copy(draw() % 100, v); break;
      case 1: out.applied_copy(draw() % 100, v); break;
      case 2: out.quorum_copy(paxsim::QuorumUse::Phase::accepted, draw() % 100, paxsim::Ballot{1, 0}, members); break;
      case 3: out.observe(out.proposed) = v; break;
      case 4: out.observe(out.learned) = paxsim::Learned{draw() % 100, v, 1}; break;  // as a sharded node moves them
      case 5: out.observe(out.quorums) = paxsim::QuorumUse{}; break;
      case 6: out.observe(out.applied) = paxsim::Learned{}; break;
      case 7:
        if (draw() % 8 == 0) out.clear_observations();
        break;
      default:
        if (draw() % 8 == 0) out.clear();
    }
    REQUIRE(out.observations() == summed());
    most = std::max(most, summed());
  }
  CHECK(most > 20);
}
