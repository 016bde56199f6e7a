// encode's text, byte for byte: it is written in place at a length worked
// out first, so every width of number and every length of key and value must
// come out as the plain concatenation (the fingerprints fold the text hash).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "paxos/kv.hpp"

using namespace paxsim;

namespace {

std::string expected_text(const Command& c) {
  return "C" + std::to_string(c.client) + "|" + std::to_string(c.request) + "|" +
         std::string(1, static_cast<char>('0' + static_cast<int>(c.op))) + "|" + std::to_string(c.key.size()) + ":" +
         c.key + std::to_string(c.value.size()) + ":" + c.value;
}

}  // namespace

TEST_CASE("encode: the text is the fields written out, for every width and length") {
  const std::uint64_t numbers[] = {0, 1, 9, 10, 42, 99, 100, 375, 999, 1000, 12345, 999999999999ull,
                                   std::numeric_limits<std::uint64_t>::max()};
  for (const std::uint64_t n : numbers) {
    for (std::size_t len = 0; len <= 130; len += (len < 20 ? 1 : 11)) {
      Command c;
      c.client = static_cast<std::uint32_t>(n);
      c.request = n;
      c.op = static_cast<KvOpKind>(n % 7);
      for (std::size_t i = 0; i < len; ++i) c.key.push_back(static_cast<char>('a' + i % 26));
      for (std::size_t i = 0; i < len / 2 + (n % 3); ++i) c.value.push_back(static_cast<char>('0' + i % 10));
      const Value v = encode(c);
      const std::string want = expected_text(c);
      REQUIRE(v.view() == want);
      CHECK(v.text_hash() == Value::hash_text(want));
      CHECK(v.c_str()[v.size()] == '\0');
      const CommandView* carried = v.command();
      REQUIRE(carried != nullptr);
      CHECK(carried->client == c.client);
      CHECK(carried->request == c.request);
      CHECK(carried->op == c.op);
      CHECK(carried->key == c.key);
      CHECK(carried->value == c.value);
      CHECK(carried->key_hash == fnv1a64(c.key));
    }
  }
  // An op above the last decodable one: the same text, no command carried.
  Command odd{3, 4, static_cast<KvOpKind>(9), "k", "v"};
  const Value v = encode(odd);
  CHECK(v.view() == expected_text(odd));
  CHECK(v.command() == nullptr);
}
