// A command of the replicated key-value state machine (paxos/kv.hpp), as its
// fields. Apart from kv.hpp so that a value (paxos/value.hpp) can carry the
// command it was encoded from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace paxsim {

// acquire..expire are the lock service's commands (paxos/lock_service.hpp).
enum class KvOpKind : std::uint8_t { put, get, append, acquire, renew, release, expire };
inline constexpr bool is_lock_op(KvOpKind k) { return k >= KvOpKind::acquire; }
const char* to_string(KvOpKind k);

// FNV-1a, 64 bits: the shard map's hash of a key (paxos/shard_map.hpp), and
// the kv store's (keys are short).
inline std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

// A command's fields with its key and value as views of bytes held
// elsewhere: what the replicas apply and what a value carries, its views
// into the value's own text (which holds both verbatim), so that making a
// value copies no string and deleting one destroys none.
struct CommandView {
  std::uint32_t client = 0;
  KvOpKind op = KvOpKind::get;
  std::uint64_t request = 0;
  std::string_view key;
  std::string_view value;
  // fnv1a64(key), the kv store's hash of it: worked out once, where the view
  // is made, not by each replica that applies the command.
  std::uint64_t key_hash = 0;
};

struct Command {
  std::uint32_t client = 0;   // client index (c1 = 0)
  std::uint64_t request = 0;  // the client's request id, from 1, increasing
  KvOpKind op = KvOpKind::get;
  std::string key;
  std::string value;          // put, append

  // Its fields, viewed (good while this command is unchanged).
  operator CommandView() const noexcept { return CommandView{client, op, request, key, value, fnv1a64(key)}; }
};

}  // namespace paxsim
