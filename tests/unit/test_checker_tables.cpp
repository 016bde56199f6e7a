// The checkers' flat tables and hashes: the shortcuts taken for speed give
// exactly what the plain definitions give.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checkers/by_slot.hpp"
#include "checkers/lin_model.hpp"
#include "checkers/value_set.hpp"

using namespace paxsim;
using namespace paxsim::checkers;

// hash_extend (three characters per reduction) and power_of_base (squaring)
// agree with the definition, one character and one multiplication at a time,
// for every length around the steps of three and for every byte value.
TEST_CASE("lin hash: three characters at a time is the polynomial hash") {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>((i * 97 + 13) % 256);
  for (std::size_t n = 0; n <= text.size(); ++n) {
    std::uint64_t hash = 0, power = 1;
    for (std::size_t i = 0; i < n; ++i) {
      hash = lin::add_mod(lin::mul_mod(hash, lin::k_base), static_cast<unsigned char>(text[i]) + 1u);
      power = lin::mul_mod(power, lin::k_base);
    }
    const std::string_view prefix(text.data(), n);
    CHECK(lin::hash_extend(0, prefix) == hash);
    CHECK(lin::power_of_base(n) == power);
    std::uint64_t one_by_one = 0;
    for (unsigned char c : prefix) one_by_one = lin::hash_append(one_by_one, c);
    CHECK(one_by_one == hash);
  }
  // From a large hash: the bounds hold near the modulus too.
  const std::uint64_t big = lin::k_mod - 1;
  CHECK(lin::hash_extend(big, "\xff\xff\xff\xff") ==
        lin::add_mod(lin::mul_mod(lin::hash_extend(big, "\xff\xff\xff"), lin::k_base), 256));
}

TEST_CASE("value set: membership by text, whatever handle holds it") {
  ValueSet set;
  CHECK_FALSE(set.contains(Value("A")));
  std::vector<Value> values;
  for (int i = 0; i < 1000; ++i) values.emplace_back("v" + std::to_string(i));
  for (int i = 0; i < 1000; i += 2) set.insert(values[i]);
  set.insert(values[0]);  // again: no change
  ValueSet reserved;  // room made up front, then grown past it
  reserved.reserve(100);
  for (int i = 0; i < 1000; i += 2) reserved.insert(values[i]);
  for (int i = 0; i < 1000; ++i) {
    CHECK(set.contains(Value("v" + std::to_string(i))) == (i % 2 == 0));
    CHECK(reserved.contains(Value("v" + std::to_string(i))) == (i % 2 == 0));
  }
  CHECK_FALSE(set.contains(Value()));
  set.insert(Value());
  CHECK(set.contains(Value()));
}

TEST_CASE("by slot: grow_to makes a table at least that long, keeping what it held") {
  std::vector<int> v;
  grow_to(v, 0);
  CHECK(v.empty());
  grow_to(v, 3, -1);
  REQUIRE(v.size() >= 3);
  v[2] = 7;
  grow_to(v, 2, -1);
  grow_to(v, 100, -1);
  REQUIRE(v.size() >= 100);
  CHECK(v[2] == 7);
  CHECK(v[99] == -1);
}

TEST_CASE("by slot: grow_to stays within the capacity reserved while it suffices") {
  std::vector<int> v;
  v.reserve(1000);
  const int* data = v.data();
  for (std::size_t n = 1; n <= 1000; ++n) {
    grow_to(v, n, -1);
    REQUIRE(v.size() >= n);
    REQUIRE(v.size() <= 1000);
    v[n - 1] = static_cast<int>(n);
  }
  CHECK(v.data() == data);  // never moved
  for (std::size_t n = 1; n <= 1000; ++n) CHECK(v[n - 1] == static_cast<int>(n));
  grow_to(v, 1001, -1);  // past it: doubles as before
  CHECK(v.size() >= 2000);
  CHECK(v[999] == 1000);
  CHECK(v[1000] == -1);
}

TEST_CASE("by slot: expected_slots reserves a slot per command, within bounds") {
  sim::Scenario s;
  s.protocol = sim::Protocol::synod;
  CHECK(expected_slots(s) == 1);
  s.protocol = sim::Protocol::multi_paxos;
  CHECK(expected_slots(s) == 0);
  s.workload.type = sim::Workload::Type::kv;
  s.workload.clients = 8;
  s.workload.ops_per_client = 375;
  CHECK(expected_slots(s) == 3000);
  s.workload.ops_per_client = std::uint64_t{1} << 40;
  CHECK(expected_slots(s) == k_reserved_slots_max);
}

// The search's memo against a plain set over random runs: short runs from a
// few words, so that most are seen again, some long ones, and enough entries
// to fill more than one block of entries and grow the table many times.
TEST_CASE("lin visited set: membership of runs, as a plain set has it") {
  std::mt19937_64 rng(7);  // the engine is specified by the standard; distributions are not, so none are used
  lin::VisitedSet visited;
  visited.reserve(1'000);  // then grown past it
  std::set<std::pair<std::vector<std::uint64_t>, std::uint32_t>> plain;
  std::vector<std::uint64_t> words;
  for (int step = 0; step < 200'000; ++step) {
    words.clear();
    const std::uint64_t r = rng();
    const std::size_t n = r % 7 == 0 ? 1 + r % 61 : 1 + r % 3;
    for (std::size_t k = 0; k < n; ++k) words.push_back(step % 2 == 0 ? rng() % 4 : rng() % 400);
    const auto split = static_cast<std::uint32_t>((r >> 8) % (n + 1));
    const bool added = plain.emplace(words, split).second;
    REQUIRE(visited.insert(words.data(), static_cast<std::uint32_t>(words.size()), split) == added);
  }
  CHECK(visited.size() == plain.size());
  CHECK(plain.size() > 70'000);  // more than a block of entries
  for (const auto& [run, split] : plain) CHECK_FALSE(visited.insert(run.data(), static_cast<std::uint32_t>(run.size()), split));
}

// A flat map reserved up front holds what one grown key by key holds.
TEST_CASE("lin flat map: reserving room changes no answer") {
  std::mt19937_64 rng(11);
  lin::FlatMap grown, reserved;
  reserved.reserve(5'000);
  std::map<std::uint64_t, std::uint32_t> plain;
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    const std::uint64_t key = rng() % 30'000;
    const std::uint32_t value = plain.emplace(key, i).first->second;
    CHECK(grown.at_or_insert(key, i) == value);
    CHECK(reserved.at_or_insert(key, i) == value);
    if (i % 1000 == 0) reserved.reserve(plain.size() + 3'000);
  }
  for (std::uint64_t key = 0; key < 30'000; ++key) {
    const auto it = plain.find(key);
    const std::uint32_t want = it == plain.end() ? lin::FlatMap::k_missing : it->second;
    CHECK(grown.find(key) == want);
    CHECK(reserved.find(key) == want);
  }
}
