// The kv clients keep the value of their next put as text and count it up
// in place (sim/kv_clients.hpp, increment_decimal_suffix) instead of writing
// "c%04u-%07llu" afresh per operation: every run's values, and so its
// fingerprint, hang on the two giving the same text. Checked here against
// decimal_ending_at over the usual counts and across every carry into a new
// digit, the 7-digit padding's end included.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "paxos/kv.hpp"
#include "sim/kv_clients.hpp"

namespace {

// "c%04u-%07llu", as the clients wrote it before.
std::string value_text(std::uint32_t client, std::uint64_t n) {
  char buf[48];
  char* const end = buf + sizeof buf;
  char* p = paxsim::decimal_ending_at(end, n, 7);
  *--p = '-';
  p = paxsim::decimal_ending_at(p, client, 4);
  *--p = 'c';
  return std::string(p, static_cast<std::size_t>(end - p));
}

void check_counting(std::uint32_t client, std::uint64_t from, std::uint64_t count) {
  std::string text = value_text(client, from);
  for (std::uint64_t n = from + 1; n <= from + count; ++n) {
    paxsim::sim::increment_decimal_suffix(text);
    REQUIRE(text == value_text(client, n));
  }
}

}  // namespace

TEST_CASE("kv clients: a value's sequence number counted up in place is the one written afresh") {
  check_counting(1, 1, 200'000);
  check_counting(9999, 999'990, 20);        // a client number of four nines: the carry stops at '-'
  check_counting(3, 9'999'990, 20);         // past the seven digits' padding
  check_counting(12345, 99'999'990, 20);    // and into a ninth digit
  std::string text = value_text(7, 9'999'999);
  paxsim::sim::increment_decimal_suffix(text);
  CHECK(text == "c0007-10000000");
}

// A client writes each command's key over the last one's (write_key): it must
// read "k<n>" whatever the key before it, wider, narrower or as wide.
TEST_CASE("kv clients: a key written over the last one is \"k\" and its number") {
  const std::vector<std::uint64_t> numbers = {1,         9,          10,         99,        100,        7,
                                              123'456,   1'000'000,  8,          54,        999'999'999, 3,
                                              18'446'744'073'709'551'615ull, 42};
  std::string key;
  for (std::uint64_t n : numbers) {
    paxsim::sim::write_key(key, n);
    REQUIRE(key == "k" + std::to_string(n));
  }
}
